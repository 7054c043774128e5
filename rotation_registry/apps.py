from django.apps import AppConfig


class RotationRegistryConfig(AppConfig):
    name = "rotation_registry"
    verbose_name = "Sổ luân chuyển cán bộ"
