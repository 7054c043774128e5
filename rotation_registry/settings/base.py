"""Settings shared by every environment, all driven by the environment (12-factor).

Everything is defined here; the per-environment modules only change what differs.
"""

from __future__ import annotations

from pathlib import Path

import environ
from celery.schedules import crontab
from redis.backoff import NoBackoff
from redis.retry import Retry

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env file is a convenience for developers; the real environment always wins.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-not-for-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.forms",
    "django_filters",
    "django_htmx",
    "axes",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "rotation_registry",
    "units",
    "accounts",
    "cadres",
    "postings",
    "plans",
    "reports",
    "imports",
]

MIDDLEWARE = [
    # First: the request id exists before anything can log, and the request's log line times everything.
    "rotation_registry.common.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # /healthz and /readyz answered here: no host check, session, login or cookie (rotation_registry/health.py).
    "rotation_registry.health.ProbeMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "rotation_registry.common.locale.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A sign-in whose (username, IP) is already locked is refused here, before CSRF, the form and a write.
    "accounts.lockout.LockedOutLoginGate",
    # Last: refuses a locked-out (username, IP) before any password is checked.
    "axes.middleware.AxesMiddleware",
    # After authentication, so every audited write knows its actor and request id.
    "rotation_registry.common.audit.AuditContextMiddleware",
]

# Widgets may use the project's templates (templates/includes/autocomplete.html).
FORM_RENDERER = "rotation_registry.common.form_renderer.ProjectFormRenderer"
ROOT_URLCONF = "rotation_registry.urls"
WSGI_APPLICATION = "rotation_registry.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# PostgreSQL is the only engine. Without DATABASE_URL, `make run` starts a private
# server and exports DATABASE_URL before Django starts (see rotation_registry/devserver.py).
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/rotation_registry")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# JIT compilation pays 0.5–2 s on page queries whose estimate passes jit_above_cost (docs/performance.md).
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# A persistent connection is tested before each request reuses it, so a PostgreSQL restart or failover costs
# the next request nothing (docs/deployment.md, "Faults and recovery"; tests/faults/test_postgres_restart.py).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes checks the lockout first, so a locked (username, IP) never reaches password hashing.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Lock out the client, not the TLS proxy: X-Forwarded-For counts only when the peer is one of these proxies
# (addresses or networks; the same FORWARDED_ALLOW_IPS gunicorn reads). See rotation_registry/common/client_ip.py.
TRUSTED_PROXIES = env.list("FORWARDED_ALLOW_IPS", default=["127.0.0.1", "::1"])
AXES_CLIENT_IP_CALLABLE = "rotation_registry.common.client_ip.client_ip"

# Sessions expire: 8 working hours at most, and when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Content Security Policy (Django's own): scripts only from the app, inline ones need the nonce.
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    # The admin sets a few style attributes; styles cannot run code, scripts can.
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Uploads: refuse large files before they are parsed (imports check again, with their own limit).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=10 * 1024 * 1024)

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# 23/8/2017 and 92,03: the board's own formats (rotation_registry/formats/vi). Thousands separators
# are not global (years would read 2.017); counts go through common.formatting.format_number.
FORMAT_MODULE_PATH = ["rotation_registry.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))  # tests collect into a temp dir
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))
# Backups (manage.py backup_registry, rotation_registry/backup.py): where they go, and which pg_dump/pg_restore
# to use when not the server's version under /usr/lib/postgresql/<major>/bin or the one on PATH.
BACKUP_ROOT = env.path("BACKUP_ROOT", default=str(BASE_DIR / "var" / "backups"))
PG_BIN_DIR = env("PG_BIN_DIR", default="")

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")

# Per-process caches, but for the pages' second level in Redis, which a page never waits on (below). A Redis
# outage must not break pages. "list-counts": the lists' row counts, valid for one data version
# (common/counting.py).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "list-counts": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "list-counts",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
    # Pages kept per user and data version (rotation_registry/common/page_cache.py): in each worker's memory,
    # so a page is served without Redis or the network. A list page is ~25 KB: 1,000 pages ≈ 25 MB per worker.
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "TIMEOUT": 24 * 60 * 60,
        "OPTIONS": {"MAX_ENTRIES": env.int("PAGE_CACHE_ENTRIES", default=1000), "CULL_FREQUENCY": 4},
    },
    # The same pages for the other workers (common/shared_pages.py): compressed, expiring, and given up on
    # after 0.1 s without an answer (no retries: the page is built instead).
    "shared-pages": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("PAGE_CACHE_REDIS_URL", default=REDIS_URL),
        "KEY_PREFIX": "rr-page",
        "TIMEOUT": env.int("PAGE_CACHE_SHARED_SECONDS", default=15 * 60),
        "OPTIONS": {
            "socket_connect_timeout": 0.1,
            "socket_timeout": 0.1,
            "retry": Retry(NoBackoff(), 0),
        },
    },
}
PAGE_CACHE_ENABLED = env.bool("PAGE_CACHE_ENABLED", default=True)
PAGE_CACHE_SHARED = env.bool("PAGE_CACHE_SHARED", default=True)
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TIMEZONE = TIME_ZONE
# A job is acknowledged only after it ran, and handed back to the queue when its worker dies, so a
# killed worker loses nothing; tasks are written to be run twice (docs/statistics-jobs.md).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis down or hung: a page's "recompute" and a posting's save must give up within ~2 s, not the
# defaults' 20-40 s (4 s connect timeout x retries, then 3 publish retries, each waiting on the socket).
CELERY_BROKER_CONNECTION_TIMEOUT = 1.0
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True  # a worker started before Redis waits for it
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # An unacknowledged job goes back to the queue this long after delivery if its worker died
    # (longer than the longest job, CELERY_TASK_TIME_LIMIT, so a live worker's job is not run twice).
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=35 * 60),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "socket_timeout": 1.0,
    "socket_connect_timeout": 1.0,
    # kombu's own reconnection loop when publishing: one more try, no long sleeps.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_REDIS_SOCKET_TIMEOUT = 1.0
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1.0
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
}
# Statistics (reports.tasks): everything recomputed nightly; changes recomputed after a quiet spell.
CELERY_BEAT_SCHEDULE = {
    "statistics-recompute-all": {
        "task": "reports.tasks.recompute_all",
        "schedule": crontab(hour=1, minute=30),
    },
    # Quarterly reports: overdue marks and reminder e-mails, once a day (each reminder is sent once).
    "quarterly-reports-reminders": {
        "task": "reports.quarterly.tasks.quarterly_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
}

# The audit is append-only: pghistory installs triggers that refuse UPDATE and DELETE
# on every event table, so nothing (not even a superuser's QuerySet.delete()) purges it.
PGHISTORY_APPEND_ONLY = True
PGHISTORY_ADMIN_MODEL = "pghistory.Events"
# Attach the request's context (user, url, request id) to writes only: a read (GET) would pay two
# queries (set_config and its savepoint) for a context no trigger reads.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# The province this installation serves (the demo loads Lạng Sơn, code 20).
REGISTRY_PROVINCE_CODE = env.int("REGISTRY_PROVINCE_CODE", default=20)

# Every line carries the request id (rotation_registry/common/logs.py). LOG_FORMAT=json writes one JSON
# object per line, the default of the production settings; "text" is for people reading a terminal.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "rotation_registry.common.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "rotation_registry.common.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": env("LOG_FORMAT", default="text"),
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Django's own logger has a console handler of its own; send it through the root one only.
    "loggers": {"django": {"handlers": [], "propagate": True}, "axes": {"level": "WARNING"}},
}

# --- Quarterly reports ---
# Default deadline: this day of the quarter's last month (the board may set another per quarter).
QUARTERLY_REPORT_DEADLINE_DAY = env.int("QUARTERLY_REPORT_DEADLINE_DAY", default=20)
# Reminder e-mails to the unit office: this many days before the deadline, and after it if still not filed.
QUARTERLY_REMINDER_DAYS_BEFORE = env.int("QUARTERLY_REMINDER_DAYS_BEFORE", default=5)
QUARTERLY_REMINDER_DAYS_AFTER = env.int("QUARTERLY_REMINDER_DAYS_AFTER", default=1)
# E-mail (Django's MAILERS): without EMAIL_HOST (development, the demo) messages are printed on the console;
# with it, sent by SMTP. EMAIL_BACKEND in the environment names another backend outright.
email_host = env("EMAIL_HOST", default="")
smtp_backend = "django.core.mail.backends.smtp.EmailBackend"
mail_backend = env(
    "EMAIL_BACKEND", default=smtp_backend if email_host else "django.core.mail.backends.console.EmailBackend"
)


def mailers_for(backend: str) -> dict:
    """Django's MAILERS with one default mailer; the SMTP options only for the SMTP backend."""
    options = {
        "host": email_host or "localhost",
        "port": env.int("EMAIL_PORT", default=25),
        "username": env("EMAIL_HOST_USER", default=""),
        "password": env("EMAIL_HOST_PASSWORD", default=""),
        "use_tls": env.bool("EMAIL_USE_TLS", default=False),
        "timeout": env.int("EMAIL_TIMEOUT", default=10),
    }
    return {"default": {"BACKEND": backend, "OPTIONS": options if backend == smtp_backend else {}}}


MAILERS = mailers_for(mail_backend)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Sổ luân chuyển cán bộ <so-luan-chuyen@localhost>")
# The address of the site as users reach it: links in e-mails (reminders) point here.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
