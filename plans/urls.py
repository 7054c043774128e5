from django.urls import path

from plans import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_create, name="create"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/edit/", views.plan_edit, name="edit"),
    path("<int:pk>/issue/", views.plan_issue, name="issue"),
    path("<int:pk>/amend/", views.plan_amend, name="amend"),
    path("<int:pk>/pdf/", views.plan_pdf, name="pdf"),
    path("<int:pk>/history/", views.plan_history, name="history"),
    path("entries/<int:pk>/posting/", views.entry_link, name="entry_link"),
]
