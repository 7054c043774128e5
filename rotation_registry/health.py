"""Probes for Docker, a load balancer or a monitor: /healthz (alive) and /readyz (can serve).

Neither needs a login, touches the session or sets a cookie. `ProbeMiddleware` answers them before
host validation, sessions and authentication: a probe asks for http://127.0.0.1:8000/healthz, and
127.0.0.1 is rarely in ALLOWED_HOSTS (Django would answer 400). The URL patterns name them too.

/healthz does no I/O at all, so a database outage does not make the orchestrator restart healthy
web processes. /readyz opens its
own short-lived connections with the product's settings (the database of DATABASES["default"],
the broker of CELERY_BROKER_URL), each bounded by READINESS_TIMEOUT seconds, so a hung server
answers 503 quickly instead of holding the probe.
"""

from __future__ import annotations

import psycopg
import redis
from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

READINESS_TIMEOUT = 2  # seconds, per dependency


def database_ready() -> None:
    """SELECT 1 over a new connection (libpq connect_timeout takes whole seconds, 2 at least)."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    params["connect_timeout"] = READINESS_TIMEOUT
    params["options"] = f"{params.get('options', '')} -c statement_timeout={READINESS_TIMEOUT * 1000}".strip()
    with psycopg.connect(**params, autocommit=True) as probe:
        probe.execute("SELECT 1").fetchone()


def broker_ready() -> None:
    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_timeout=READINESS_TIMEOUT, socket_connect_timeout=READINESS_TIMEOUT
    )
    try:
        client.ping()
    finally:
        client.close()


CHECKS = {"database": database_ready, "broker": broker_ready}


@never_cache
@require_safe
@transaction.non_atomic_requests  # ATOMIC_REQUESTS would open a database connection for every probe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
@transaction.non_atomic_requests
def readyz(request: HttpRequest) -> JsonResponse:
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as error:  # noqa: BLE001 - any failure means "not ready"; its class names it
            results[name] = f"error: {type(error).__name__}"
        else:
            results[name] = "ok"
    ready = all(value == "ok" for value in results.values())
    return JsonResponse(results, status=200 if ready else 503)


PROBES = {"/healthz": healthz, "/readyz": readyz}


class ProbeMiddleware:
    """Right after SecurityMiddleware (which exempts the probes from the HTTPS redirect): nothing later runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        probe = PROBES.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        return probe(request)
