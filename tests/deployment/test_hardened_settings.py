"""The production settings pass Django's deployment checks and really send the headers they promise.

Each check runs in a subprocess with exactly the environment an operator would give it, so the
production settings module is imported fresh (the test process keeps its own test settings).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PRODUCTION = "rotation_registry.settings.production"

# Requests through the production middleware with Django's test client: the site behind its TLS proxy
# (X-Forwarded-Proto: https), a plain-HTTP request, and a probe over plain HTTP. Static files are
# collected into a temporary directory first, as the web container does when it starts.
REQUESTS = """
import json, logging, tempfile
import django
django.setup()
from django.core.management import call_command
from django.test import Client, override_settings
logging.disable(logging.CRITICAL)
with override_settings(STATIC_ROOT=tempfile.mkdtemp()):
    call_command("collectstatic", "--noinput", verbosity=0)
    client = Client()
    secure = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="registry.example.vn")
    plain = Client().get("/accounts/login/", HTTP_HOST="registry.example.vn")
    probe = Client().get("/healthz", HTTP_HOST="127.0.0.1:8000")
    csrf = secure.cookies["csrftoken"]
    print(json.dumps({
        "secure": {"status": secure.status_code, "headers": dict(secure.headers)},
        "csrf_cookie": {"secure": bool(csrf["secure"]), "httponly": bool(csrf["httponly"])},
        "plain": {"status": plain.status_code, "location": plain.headers.get("Location")},
        "probe": {"status": probe.status_code, "cookies": list(probe.cookies)},
    }))
"""


def run_production(args: list[str], **variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "SESSION_", "CSRF_"))}
    env.update(
        DJANGO_SETTINGS_MODULE=PRODUCTION,
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="registry.example.vn",
        PYTHONIOENCODING="utf-8",
        **variables,
    )
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, encoding="utf-8", timeout=180
    )


def test_check_deploy_finds_nothing_to_warn_about():
    result = run_production(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_hsts_is_switched_off():
    """The check is not vacuous: the same command fails once a protection is removed."""
    result = run_production(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0
    assert "security.W004" in result.stderr


def test_behind_the_proxy_pages_are_https_only_with_hsts_and_an_enforced_csp():
    result = run_production(["-c", REQUESTS])
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])

    secure = shown["secure"]
    assert secure["status"] == 200
    headers = secure["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "frame-ancestors 'none'" in policy
    assert "Content-Security-Policy-Report-Only" not in headers
    assert shown["csrf_cookie"] == {"secure": True, "httponly": True}

    # Plain HTTP that reached the app goes to https://, except the probes.
    assert shown["plain"] == {"status": 301, "location": "https://registry.example.vn/accounts/login/"}
    assert shown["probe"] == {"status": 200, "cookies": []}
