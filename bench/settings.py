"""Settings for the benchmark: production-like (DEBUG off, cached templates) on the bench database.

bench.common points DATABASE_URL at rr_bench or rr_bench_small before Django starts.
"""

from rotation_registry.settings.base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Users are created by the generator; a fast hasher keeps that out of the measurements.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES["default"]["CONN_MAX_AGE"] = None  # noqa: F405
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# The project's URLs plus the trivial page the page rows are compared with (bench/urls.py).
ROOT_URLCONF = "bench.urls"
PAGE_CACHE_ENABLED = False  # pages measured as built, not served from the page cache (page_cache.py)
