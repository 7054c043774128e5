"""Sign-in attempts under a burst (issue 8): refuse the locked-out ones cheaply, check the rest one at a time.

django-axes decides the lockout inside authenticate(), after the password is hashed (about 0.5 s of a core
with Django's PBKDF2) and records the failure only then. So a burst for one account from one address
used to hash a dozen passwords at once — every attempt that arrived before the fifth failure was
recorded — and those seconds of both cores of a small server were taken from everyone else's pages;
and every later, locked-out attempt still loaded the session, checked CSRF, validated the form and
wrote axes' rows (about 40 ms each).

This gate, before all of that, for a POST to the login page:
* takes a PostgreSQL advisory lock for the (username, client address) pair, so attempts for the same
  pair are checked one after another: at most one password hash per pair at a time, and the attempts
  queued behind a fifth failure see the lockout as soon as it is recorded. A lock not obtained within
  LOCK_WAIT seconds means a flood: that attempt is refused like a locked-out one;
* answers an attempt whose pair is already locked with axes' own lockout page, after one indexed read.
Attempts that are not locked go on to axes unchanged: counting and lockout rules stay axes' own.
"""

from __future__ import annotations

import time
import zlib

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.db import connection
from django.urls import reverse

LOCK_WAIT = 3.0  # seconds an attempt waits for the one before it (one hash, about 0.5 s)
LOCK_NAMESPACE = 0x5252_4C47  # "RRLG": the first key of the two-key advisory lock


class LockedOutLoginGate:
    def __init__(self, get_response):
        self.get_response = get_response
        self.login_path = None

    def __call__(self, request):
        if self.login_path is None:
            self.login_path = reverse("login")
        if request.method != "POST" or request.path != self.login_path or not settings.AXES_ENABLED:
            return self.get_response(request)
        credentials = {"username": request.POST.get("username", "")}
        AxesProxyHandler.update_request(request)
        pair = zlib.crc32(f"{credentials['username']}\x00{request.axes_ip_address}".encode()) - 2**31
        if not _lock(pair):
            return self._refuse(request, credentials)
        try:
            if AxesProxyHandler.is_locked(request, credentials):
                return self._refuse(request, credentials)
            return self.get_response(request)
        finally:
            _unlock(pair)

    @staticmethod
    def _refuse(request, credentials):
        request.axes_locked_out = True
        request.axes_credentials = credentials
        return get_lockout_response(request, None, credentials)


def _lock(pair: int) -> bool:
    """The pair's session-level advisory lock, polled (no connection waits inside PostgreSQL)."""
    deadline = time.monotonic() + LOCK_WAIT
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, pair])
            if cursor.fetchone()[0]:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)


def _unlock(pair: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, pair])
