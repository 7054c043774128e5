# Production image: gunicorn (web) and Celery (worker) from the same image.
# Built and run by docker-compose.yml; see docs/deployment.md.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=rotation_registry.settings.production

# Pango/HarfBuzz for WeasyPrint (PDF documents), Liberation Serif (Times-metric, full
# Vietnamese) as the documents' font, and the PostgreSQL 15 client for pg_dump backups.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation2 postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt

# Only the application itself: never .env, .venv, .pgdata or media from a developer's checkout.
# A new Django app (or a locale/ folder) needs a line here.
COPY manage.py gunicorn.conf.py ./
COPY rotation_registry ./rotation_registry
COPY units ./units
COPY accounts ./accounts
COPY cadres ./cadres
COPY postings ./postings
COPY plans ./plans
COPY reports ./reports
COPY imports ./imports
COPY locale ./locale
COPY templates ./templates
COPY static ./static
COPY --chmod=0755 scripts/docker-entrypoint.sh ./scripts/docker-entrypoint.sh

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p /app/staticfiles /app/var/media /app/var/backups \
    && chown -R app:app /app/staticfiles /app/var
USER app

EXPOSE 8000
ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]
CMD ["web"]
