from django.urls import path

from imports import views

app_name = "imports"
urlpatterns = [
    path("", views.start, name="start"),
    path("templates/<str:kind>.xlsx", views.template_download, name="template"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("<int:pk>/commit/", views.commit, name="commit"),
    path("<int:pk>/report.xlsx", views.error_report, name="report"),
]
