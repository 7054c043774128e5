import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rotation_registry.settings.dev")

app = Celery("rotation_registry")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
