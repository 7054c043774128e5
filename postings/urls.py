from django.urls import path

from postings import views

app_name = "postings"
urlpatterns = [
    path("", views.posting_list, name="list"),
    path("new/", views.not_built_yet, name="create"),
    path("<int:pk>/end/", views.not_built_yet, name="end"),
    path("<int:pk>/cancel/", views.not_built_yet, name="cancel"),
    path("decisions/new/", views.not_built_yet, name="decision_create"),
    path("<int:pk>/", views.posting_detail, name="detail"),
    path("<int:pk>/history/", views.posting_history, name="history"),
    path("decisions/", views.decision_list, name="decision_list"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision_detail"),
    path("decisions/<int:pk>/history/", views.decision_history, name="decision_history"),
]
