"""Production: refuses to start without a real secret key and explicit hosts; HTTPS only.

The site sits behind a TLS-terminating proxy (docs/deployment.md) that sets X-Forwarded-Proto and
X-Forwarded-For. `manage.py check --deploy --fail-level WARNING` passes with these settings
(tests/deployment/test_hardened_settings.py).
"""

import logging

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import LOGGING, env, mailers_for, smtp_backend

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("insecure"):
    raise ImproperlyConfigured("SECRET_KEY phải được đặt (ít nhất 50 ký tự ngẫu nhiên) trong môi trường production.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

# --- HTTPS ---
# The proxy terminates TLS and says so in X-Forwarded-Proto; Django then treats the request as secure.
if env.bool("BEHIND_TLS_PROXY", default=True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A plain-HTTP request that reached the app is sent to https://, except the probes: Docker, a load
# balancer or a monitor ask for them over plain HTTP inside the network (patterns match the path without "/").
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# HSTS: browsers refuse plain HTTP for a year. Try a new installation with SECURE_HSTS_SECONDS=3600 first:
# once a browser has seen a year, going back to HTTP is impossible for that long.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = []
if not SECURE_HSTS_PRELOAD:
    # Leaving the domain off the browsers' preload list is the operator's choice, made in the environment.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# --- Cookies: HTTPS only, never readable by scripts (the CSRF token is read from the form, not the cookie) ---
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Content Security Policy: SECURE_CSP of base.py, enforced (Content-Security-Policy), never only reported ---
SECURE_CSP_REPORT_ONLY = {}

# --- Static files: whitenoise serves the collected files compressed, with hashed names cached for a year ---
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- E-mail: reminders go out by SMTP (EMAIL_HOST, default a relay on localhost:25), never to the console ---
MAILERS = mailers_for(env("EMAIL_BACKEND", default=smtp_backend))

# --- Logs: one JSON object per line (rotation_registry/common/logs.py) for the log collector ---
LOGGING["handlers"]["console"]["formatter"] = env("LOG_FORMAT", default="json")
# Python's warnings too (logger "py.warnings"), instead of bare text on stderr between the JSON lines.
logging.captureWarnings(True)
