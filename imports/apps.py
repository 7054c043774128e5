from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = _("Nhập dữ liệu từ bảng tính")

    def ready(self) -> None:
        from imports import checks  # noqa: F401  (registers the defusedxml check)
