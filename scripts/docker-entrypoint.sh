#!/bin/sh
# Entry point of the Docker image (see Dockerfile, docker-compose.yml).
#   web     collectstatic, migrate, then gunicorn on 0.0.0.0:8000 (no access log of gunicorn's own: the app
#           writes one JSON line per request, with its id, rotation_registry/common/request_id.py)
#   worker  the Celery worker
#   beat    the Celery scheduler (the nightly statistics recompute; exactly one per installation)
#   other   run as given (e.g. `docker compose run --rm web python manage.py createsuperuser`)
# Settings are rotation_registry.settings.production (set in the image): without a real
# SECRET_KEY and ALLOWED_HOSTS every one of these refuses to start.
set -eu

case "${1:-web}" in
    web)
        python manage.py collectstatic --noinput --verbosity 0
        python manage.py migrate --noinput
        # Workers, threads, timeout, trusted proxy: gunicorn.conf.py (GUNICORN_* variables).
        exec gunicorn rotation_registry.wsgi:application --config gunicorn.conf.py --bind 0.0.0.0:8000
        ;;
    worker)
        exec celery -A rotation_registry worker -l "${CELERY_LOG_LEVEL:-info}" --concurrency "${CELERY_CONCURRENCY:-2}"
        ;;
    beat)
        exec celery -A rotation_registry beat -l "${CELERY_LOG_LEVEL:-info}" --schedule /app/var/celerybeat-schedule
        ;;
    *)
        exec "$@"
        ;;
esac
