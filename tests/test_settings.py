"""Settings are driven by the environment, and production refuses to start unsafely.

Each check runs Python in a subprocess, so the settings module is imported fresh with
exactly the environment the test gives it (the test process's own settings are untouched).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from rotation_registry.devserver import embedded_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
PRODUCTION = "rotation_registry.settings.production"
SECRET_KEY_MESSAGE = "SECRET_KEY phải được đặt"

# Print the settings a test looks at, as JSON.
SHOW_SETTINGS = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "db": {k: db.get(k) for k in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS", "ATOMIC_REQUESTS")},
    "broker": settings.CELERY_BROKER_URL,
    "debug": settings.DEBUG,
    "allowed_hosts": settings.ALLOWED_HOSTS,
}))
"""


def run_python(code: str, settings_module: str, **variables: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DEBUG"}
    }
    env.update(DJANGO_SETTINGS_MODULE=settings_module, PYTHONIOENCODING="utf-8", **variables)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def dotenv_defines(name: str) -> bool:
    path = BASE_DIR / ".env"
    return path.exists() and any(
        line.strip().startswith(f"{name}=") for line in path.read_text(encoding="utf-8").splitlines()
    )


def test_production_refuses_to_start_without_a_secret_key():
    if dotenv_defines("SECRET_KEY"):
        pytest.skip(".env in the project defines SECRET_KEY, and settings read it")
    result = run_python("import django; django.setup()", PRODUCTION, ALLOWED_HOSTS="registry.example.vn")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert SECRET_KEY_MESSAGE in result.stderr


@pytest.mark.parametrize(
    "weak_key",
    ["", "too-short-" + "x" * 20, "insecure-development-key-not-for-production-" + "x" * 20],
    ids=["empty", "short", "the-development-default"],
)
def test_production_refuses_a_weak_secret_key(weak_key):
    result = run_python(
        "import django; django.setup()", PRODUCTION, SECRET_KEY=weak_key, ALLOWED_HOSTS="registry.example.vn"
    )
    assert result.returncode != 0
    assert SECRET_KEY_MESSAGE in result.stderr


def test_production_starts_with_a_real_secret_key_and_hosts():
    key = secrets.token_urlsafe(50)
    assert len(key) >= 50
    result = run_python(
        "import django; django.setup()\n" + SHOW_SETTINGS,
        PRODUCTION,
        SECRET_KEY=key,
        ALLOWED_HOSTS="registry.example.vn,127.0.0.1",
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["debug"] is False
    assert shown["allowed_hosts"] == ["registry.example.vn", "127.0.0.1"]


def test_settings_read_database_url_and_redis_url():
    result = run_python(
        SHOW_SETTINGS,
        "rotation_registry.settings.dev",
        DATABASE_URL="postgres://registry:s3cret@db.example.vn:6543/registry_db",
        REDIS_URL="redis://cache.example.vn:6380/2",
    )
    assert result.returncode == 0, result.stderr
    db = json.loads(result.stdout)["db"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], int(db["PORT"])) == (
        "registry_db",
        "registry",
        "s3cret",
        "db.example.vn",
        6543,
    )
    assert db["ATOMIC_REQUESTS"] is True
    assert json.loads(result.stdout)["broker"] == "redis://cache.example.vn:6380/2"


def test_settings_read_the_url_make_run_exports_for_the_embedded_postgresql(tmp_path):
    """`make run` talks to its private server over a Unix socket in .pgdata/."""
    socket_dir = tmp_path / "with space" / ".pgdata"
    server = SimpleNamespace(get_postmaster_info=lambda: SimpleNamespace(socket_dir=socket_dir))
    url = embedded_database_url(server)
    result = run_python(SHOW_SETTINGS, "rotation_registry.settings.dev", DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    db = json.loads(result.stdout)["db"]
    assert (db["NAME"], db["USER"], db["HOST"]) == ("rotation_registry", "postgres", "")
    assert db["OPTIONS"]["host"] == str(socket_dir)
