import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rotation_registry.settings.dev")

app = Celery("rotation_registry")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def use_the_django_logging(**kwargs) -> None:
    """The worker and beat log like the web processes (JSON lines in production, with the task's id),
    instead of Celery's own text format: one log pipeline for the whole installation."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
