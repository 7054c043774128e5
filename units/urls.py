from django.urls import path

from units import views

app_name = "units"
urlpatterns = [
    path("", views.unit_tree, name="tree"),
    path("<int:pk>/", views.unit_detail, name="detail"),
    path("autocomplete/", views.unit_autocomplete, name="autocomplete"),
    path("positions/autocomplete/", views.position_autocomplete, name="position_autocomplete"),
]
