from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from reports import views as report_views

admin.site.site_header = _("Sổ luân chuyển cán bộ — Ban Tổ chức Tỉnh ủy")
admin.site.site_title = _("Sổ luân chuyển cán bộ")
admin.site.index_title = _("Quản trị dữ liệu")

urlpatterns = [
    path("", report_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("cadres/", include("cadres.urls")),
    path("postings/", include("postings.urls")),
    path("units/", include("units.urls")),
    path("imports/", include("imports.urls")),
    path("plans/", include("plans.urls")),
    path("quarterly/", include("reports.quarterly.urls")),
    path("statistics/", include("reports.urls")),
    path("summaries/", include("reports.summary_urls")),
    path("audit/", include("rotation_registry.audit_urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: English on request
]
