"""Every request gets an id, carried in the X-Request-ID header and in every log line it causes.

The TLS proxy may send its own X-Request-ID (nginx: `proxy_set_header X-Request-ID $request_id`),
so its access log and ours share the id; otherwise one is made here. The id is returned in the
response header, so a user reporting a failed page can quote it, and the audit context records it
(rotation_registry.common.audit). When the request ends, one line of the logger
"rotation_registry.request" records method, path, status and duration.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid

from django.http import HttpRequest, HttpResponse

from rotation_registry.common.client_ip import client_ip

REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
# A proxy's id is used only if it looks like one: a client could send anything in the header, and the
# id goes into log lines and the audit.
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Probes ask every few seconds; their lines would bury everything else at INFO.
QUIET_PATHS = frozenset({"/healthz", "/readyz"})

current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
request_logger = logging.getLogger("rotation_registry.request")


def request_id_from(request: HttpRequest) -> str:
    offered = request.META.get(REQUEST_ID_HEADER, "")
    return offered if VALID_REQUEST_ID.match(offered) else uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE: the id exists before anything else can log, and the request line times it all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = request_id_from(request)
        token = current_request_id.set(request.request_id)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = request.request_id
            return response
        finally:
            # In `finally`, so a request that crashed past Django's handler still leaves its line.
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            level = logging.DEBUG if request.path in QUIET_PATHS else logging.INFO
            request_logger.log(
                level,
                "%s %s %s %.1f ms",
                request.method,
                request.path,
                status,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                    "duration_ms": duration_ms,
                    "client_ip": client_ip(request),
                },
            )
            current_request_id.reset(token)
