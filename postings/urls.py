from django.urls import path

from postings import views

app_name = "postings"
urlpatterns = [
    path("", views.posting_list, name="list"),
    path("new/", views.posting_create, name="create"),
    path("<int:pk>/edit/", views.posting_edit, name="edit"),
    path("<int:pk>/end/", views.posting_end, name="end"),
    path("<int:pk>/cancel/", views.posting_cancel, name="cancel"),
    path("decisions/new/", views.decision_create, name="decision_create"),
    path("decisions/autocomplete/", views.decision_autocomplete, name="decision_autocomplete"),
    path("<int:pk>/", views.posting_detail, name="detail"),
    path("<int:pk>/history/", views.posting_history, name="history"),
    path("decisions/", views.decision_list, name="decision_list"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision_detail"),
    path("decisions/<int:pk>/edit/", views.decision_edit, name="decision_edit"),
    path("decisions/<int:pk>/cancel/", views.decision_cancel, name="decision_cancel"),
    path("decisions/<int:pk>/scan/", views.decision_scan, name="decision_scan"),
    path("decisions/<int:pk>/history/", views.decision_history, name="decision_history"),
]
