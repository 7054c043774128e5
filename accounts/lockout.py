"""Refuse a locked-out sign-in before it costs anything (issue 8: a burst of failed logins).

django-axes decides the lockout inside authenticate(): a locked-out attempt still loads the session,
checks CSRF, validates the form, records the attempt and commits — about 40 ms of a web worker each.
At 40 attempts a second that is both workers of a 2-core server, and every other user's pages wait.
This gate answers a POST to the login page whose (username, address) is already locked with axes'
own lockout page, after one indexed read of axes' attempts table, before any of that work. Attempts
that are not locked go on to axes as before, so the counting and the lockout rules stay axes' own.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.urls import reverse


class LockedOutLoginGate:
    def __init__(self, get_response):
        self.get_response = get_response
        self.login_path = None

    def __call__(self, request):
        if self.login_path is None:
            self.login_path = reverse("login")
        if request.method == "POST" and request.path == self.login_path and settings.AXES_ENABLED:
            credentials = {"username": request.POST.get("username", "")}
            if AxesProxyHandler.is_locked(request, credentials):
                request.axes_locked_out = True
                request.axes_credentials = credentials
                return get_lockout_response(request, None, credentials)
        return self.get_response(request)
