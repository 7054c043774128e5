"""The test suite: the machine's PostgreSQL and Redis (or DATABASE_URL / REDIS_URL)."""

import os
import tempfile

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Static files straight from the apps and static/ (nothing is collected for tests).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# A queue of this test run's own: a `make run` worker on the same Redis must not take the tests' jobs.
CELERY_TASK_DEFAULT_QUEUE = f"rotation-registry-tests-{os.getpid()}"

# Uploaded files (decision scans) go to a directory of this run's own, never into the checkout.
MEDIA_ROOT = tempfile.mkdtemp(prefix="rotation-registry-test-media-")
