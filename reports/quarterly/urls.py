from django.urls import path

from reports.quarterly import views

app_name = "quarterly"
urlpatterns = [
    path("", views.index, name="index"),
    path("setup/", views.periods_setup, name="setup"),
    path("province/", views.province_report, name="province"),
    path("province/pdf/", views.province_pdf, name="province_pdf"),
    path("periods/<int:pk>/", views.report_detail, name="detail"),
    path("periods/<int:pk>/edit/", views.report_edit, name="edit"),
    path("periods/<int:pk>/review/", views.report_review, name="review"),
    path("periods/<int:pk>/pdf/", views.report_pdf, name="pdf"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
]
