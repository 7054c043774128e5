"""The project's URLs plus the summaries' own, for as long as rotation_registry/urls.py lacks the include."""

from django.urls import include, path

from rotation_registry.urls import urlpatterns as project_urlpatterns

urlpatterns = [*project_urlpatterns, path("summaries/", include("reports.summary_urls"))]
