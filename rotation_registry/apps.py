from django.apps import AppConfig
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def _blank_choice_label() -> str:
    # Django 6.1's "- Select an option -" has no Vietnamese translation yet.
    return "— Chọn —" if (get_language() or "vi").startswith("vi") else "- Select an option -"


class RotationRegistryConfig(AppConfig):
    name = "rotation_registry"
    verbose_name = _("Sổ luân chuyển cán bộ")

    def ready(self) -> None:
        from django.db.models import fields

        fields.BLANK_CHOICE_LABEL = lazy(_blank_choice_label, str)()
