"""/healthz and /readyz: no login, no cookies; /readyz really reaches the database and the broker."""

from __future__ import annotations

import socket
import time

import pytest
from django.test import override_settings


def _closed_port() -> int:
    """A port nothing listens on: bound, then released."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthz_answers_without_touching_the_database(client):
    # No `db` fixture: pytest-django makes any database access in this test an error.
    response = client.get("/healthz", HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert not response.cookies
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_reports_database_and_broker(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}
    assert not response.cookies
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_readyz_is_503_naming_the_broker_when_it_is_unreachable(client):
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{_closed_port()}/0"):
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"].startswith("error:")
    assert elapsed < 3


@pytest.mark.django_db
def test_readyz_gives_up_on_a_silent_broker_within_its_timeout(client):
    # A server that accepts the connection and never answers: the PING must time out, not hang.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{silent.getsockname()[1]}/0"):
            started = time.monotonic()
            response = client.get("/readyz")
            elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["broker"] == "error: TimeoutError"
    assert 1.5 < elapsed < 3.5


def test_the_probes_answer_any_host_name(client, settings):
    # Docker asks http://127.0.0.1:8000/healthz; the site's ALLOWED_HOSTS name only the public host.
    settings.ALLOWED_HOSTS = ["registry.example.gov.vn"]
    assert client.get("/healthz", HTTP_HOST="10.1.2.3:8000").status_code == 200
    assert client.get("/", HTTP_HOST="10.1.2.3:8000").status_code == 400


@pytest.mark.django_db
def test_the_probes_need_no_login_where_other_pages_do(client):
    assert client.get("/").status_code == 302  # to the sign-in page
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert "sessionid" not in client.cookies and "csrftoken" not in client.cookies


@pytest.mark.django_db
def test_the_probes_are_reached_through_their_url_names(client):
    from django.urls import reverse

    assert reverse("healthz") == "/healthz"
    assert client.get(reverse("readyz")).status_code == 200
