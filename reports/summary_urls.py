"""The leaders' summary (PDF): request it, follow its job, download it (reports.summary_views)."""

from django.urls import path

from reports import summary_views

app_name = "summaries"

urlpatterns = [
    path("request/", summary_views.summary_request, name="request"),
    path("<int:pk>/", summary_views.summary_status, name="status"),
    path("<int:pk>/download/", summary_views.summary_download, name="download"),
]
