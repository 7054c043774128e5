from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from reports import views as report_views
from rotation_registry import health

admin.site.site_header = _("Sổ luân chuyển cán bộ — Ban Tổ chức Tỉnh ủy")
admin.site.site_title = _("Sổ luân chuyển cán bộ")
admin.site.index_title = _("Quản trị dữ liệu")

urlpatterns = [
    path("", report_views.home, name="home"),
    # Probes (no login, no cookies): exempt from the HTTPS redirect in settings.production.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
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
