from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = "Nhập dữ liệu từ bảng tính"

    def ready(self) -> None:
        from imports import checks  # noqa: F401  (registers the defusedxml check)
