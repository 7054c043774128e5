from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Sổ luân chuyển cán bộ — Ban Tổ chức Tỉnh ủy"
admin.site.site_title = "Sổ luân chuyển cán bộ"
admin.site.index_title = "Quản trị dữ liệu"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: English on request
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
