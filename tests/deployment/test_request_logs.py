"""Every request has an id, returned in X-Request-ID and written on each log line the request causes."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# Two requests through the production settings and their LOGGING (LOG_LEVEL=DEBUG, so the probes'
# own request lines show): a refused POST, which Django's "django.request" logger reports, carrying
# the proxy's id, and a GET that has to make one up. The response headers go to stdout, logs to stderr.
REQUESTS = """
import json
import django
django.setup()
from django.test import Client
refused = Client().post("/healthz", HTTP_X_REQUEST_ID="req-abc-123", HTTP_HOST="127.0.0.1")
fresh = Client().get("/healthz", HTTP_HOST="127.0.0.1")
print(json.dumps({"refused": [refused.status_code, refused["X-Request-ID"]], "fresh": fresh["X-Request-ID"]}))
"""


@pytest.fixture(scope="module")
def production_run():
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="rotation_registry.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="registry.example.vn",
        LOG_LEVEL="DEBUG",
        PYTHONIOENCODING="utf-8",
    )
    env.pop("LOG_FORMAT", None)
    result = subprocess.run(
        [sys.executable, "-c", REQUESTS], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr.splitlines()


def test_production_logs_are_one_json_object_per_line(production_run):
    _, lines = production_run
    assert lines
    for line in lines:
        entry = json.loads(line)
        assert {"time", "level", "logger", "message", "request_id"} <= entry.keys(), line


def test_the_proxys_request_id_is_returned_and_on_every_line_of_its_request(production_run):
    responses, lines = production_run
    assert responses["refused"] == [405, "req-abc-123"]
    entries = [json.loads(line) for line in lines]
    of_request = [e for e in entries if e["request_id"] == "req-abc-123"]
    assert {e["logger"] for e in of_request} == {"django.request", "rotation_registry.request"}
    (request_line,) = [e for e in of_request if e["logger"] == "rotation_registry.request"]
    assert request_line["method"] == "POST"
    assert request_line["path"] == "/healthz"
    assert request_line["status"] == 405
    assert isinstance(request_line["duration_ms"], float)
    assert request_line["time"].endswith("+00:00")


def test_a_request_without_an_id_gets_one_of_its_own(production_run):
    responses, lines = production_run
    fresh = responses["fresh"]
    assert re.fullmatch(r"[0-9a-f]{32}", fresh)
    assert any(json.loads(line)["request_id"] == fresh for line in lines)


def test_an_id_that_does_not_look_like_one_is_replaced(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID='"><script>\n{"level": "forged"}')
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.mark.django_db
def test_the_audit_records_the_id_the_response_returns(client, admin_user):
    """Without a proxy id, the one made up here is the one the audited write carries."""
    import pghistory.models

    from cadres.models import Cadre

    client.force_login(admin_user)
    response = client.post(
        "/admin/cadres/cadre/add/",
        {
            "full_name": "Trần Mã Yêu Cầu",
            "date_of_birth": "1976-03-02",
            "sex": "male",
            "ethnicity": "Kinh",
            "audit_reason": "Theo hồ sơ 2C",
            **{
                f"{inline}-{key}": value
                for inline in ("planning_records", "evaluations")
                for key, value in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()
            },
        },
    )
    assert response.status_code == 302
    (event,) = pghistory.models.Events.objects.tracks(Cadre.objects.get(full_name="Trần Mã Yêu Cầu"))
    assert event.pgh_context["request_id"] == response["X-Request-ID"]
