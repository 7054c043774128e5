from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Báo cáo và thống kê")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from reports.data_version import install_triggers_after_migrate
        from reports.runs import on_registry_changed
        from rotation_registry.common.signals import registry_changed

        registry_changed.connect(on_registry_changed, dispatch_uid="reports.recompute_on_change")
        post_migrate.connect(install_triggers_after_migrate, dispatch_uid="reports.data_version_triggers")
