"""Read pages kept per user and per registry data version: a page asked for again is not built again.

Board staff page through the same lists and open the same records many times between two changes of
the registry, and building a list page costs tens of milliseconds of Python and SQL (docs/performance.md,
"Load test"). A page is kept, in the worker's memory and for the other workers in Redis (shared_pages.py,
header `X-Page-Cache: shared-hit`), under a key made of everything it depends on:

* the registry's data version (reports/data_version.py), which every committed write to the units,
  cadres, postings and plans tables moves: a write anywhere makes every kept page unreachable;
* the user: every column of the user's row but the password and login times (role, flags, name), and
  the user's scope assignments as they are now, read in the same query as the version. Nothing is ever
  shared between two users;
* today's date (statuses, ages and "overdue" depend on it), the language, the view and its arguments,
  the full path with its query string, and whether htmx asked for a part of the page.

A transaction that has itself written the registry (the change trigger's flag `reports.data_changed`)
neither reads nor keeps pages: it sees rows the version does not count yet. A page with pending
messages, a response other than a plain 200 HTML page, or a view that touched the session is not kept.

Per-request secrets are never kept. The CSRF token (any token that unmasks to the request's CSRF secret)
and the CSP nonce are replaced by markers when the page is stored, and by this request's own token and
nonce when it is served again, so a kept page is as fresh, for those, as a built one.

Only views that read the registry and show nothing else use it (`cached_page`): the lists and record
pages of cadres, postings and decisions; they run outside ATOMIC_REQUESTS' transaction, as they only
read. Quarterly reports, statistics and the audit are not kept: their tables are outside the data
version. `PAGE_CACHE_ENABLED = False` turns it off (the benchmark measures pages as built).
"""

from __future__ import annotations

import hashlib
import re
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.http import HttpResponse
from django.middleware.csrf import _unmask_cipher_token, get_token
from django.utils import timezone
from django.utils.translation import get_language

from rotation_registry.common import shared_pages

PAGE_CACHE = "pages"
# (data version, stamp) read while a kept-page view builds its page: what else the page reads that only a
# registry write can change (the filters' short catalogues) may be reused for that version, and what depends on
# exactly the stamp (the user's scope) for that stamp.
_STAMPED: ContextVar[tuple[int, str] | None] = ContextVar("page_cache_stamped", default=None)
HEADER = "X-Page-Cache"
CSRF_MARKER = "\x00rr-csrf\x00"
NONCE_MARKER = "\x00rr-nonce\x00"
# A masked CSRF token: 64 letters and digits (django.middleware.csrf.CSRF_TOKEN_LENGTH).
_TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")
# Columns of the user that say nothing about what a page shows, and change at every sign-in.
_USER_COLUMNS_IGNORED = {"password", "last_login", "date_joined"}

# One round trip: the data version (NULL when this transaction wrote the registry itself), the user's
# scope assignments, which decide what the user sees together with the units (covered by the version), and
# the version table's identity: a restored or new database has a new table whose versions may repeat an
# earlier database's, and pages outlive a database in the workers and in Redis (shared_pages.py).
_STAMP_SQL = """
SELECT CASE WHEN current_setting('reports.data_changed', true) IS NOT DISTINCT FROM 'on' THEN NULL
            ELSE (SELECT version FROM reports_data_version WHERE id = 1) END,
       (SELECT string_agg(concat_ws(':', unit_id, valid_from, valid_to), ',' ORDER BY id)
          FROM accounts_scopeassignment WHERE user_id = %s),
       'reports_data_version'::regclass::oid
"""


def data_version_read() -> int | None:
    """The registry's data version, when the page being built has read it (its stamp); otherwise None."""
    stamped = _STAMPED.get()
    return stamped[0] if stamped is not None else None


def stamp_read() -> str | None:
    """The stamp of the page being built (data version, the user's scope assignments and columns), or None."""
    stamped = _STAMPED.get()
    return stamped[1] if stamped is not None else None


def _stamp(user) -> tuple[int, str] | None:
    """The data version, and what the registry and the user's access look like now; None when pages must not
    be kept or reused."""
    with connection.cursor() as cursor:
        cursor.execute(_STAMP_SQL, [user.pk])
        version, scopes, table = cursor.fetchone()
    if version is None:
        return None
    columns = [
        f"{field.attname}={getattr(user, field.attname)!r}"
        for field in user._meta.concrete_fields
        if field.attname not in _USER_COLUMNS_IGNORED
    ]
    return version, f"v{version}@{table}|{scopes or ''}|{'|'.join(columns)}"


def _key(request, stamp: str) -> str:
    match = request.resolver_match
    parts = [
        stamp,
        timezone.localdate().isoformat(),
        get_language() or "",
        match.view_name if match else "",
        request.get_full_path(),
        request.headers.get("HX-Request", ""),
        request.headers.get("HX-Target", ""),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _has_pending_messages(request) -> bool:
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


def _freeze(request, response: HttpResponse) -> tuple[str, str] | None:
    """The page with this request's CSRF tokens and nonce replaced by markers; None if it must not be kept."""
    if (
        response.status_code != 200
        or response.streaming
        or not response.get("Content-Type", "").startswith("text/html")
        or set(response.headers) - {"Content-Type"}
        or response.cookies
    ):
        return None
    text = response.content.decode(response.charset)
    if CSRF_MARKER in text or NONCE_MARKER in text:
        return None  # cannot happen with escaped content; never store a page that could be misread
    secret = request.META.get("CSRF_COOKIE")
    if secret:

        def mark(found: re.Match) -> str:
            return CSRF_MARKER if _unmask_cipher_token(found.group()) == secret else found.group()

        text = _TOKEN.sub(mark, text)
    nonce = getattr(request, "_csp_nonce", None)
    if nonce:  # a LazyNonce is true once the page used it
        text = text.replace(str(nonce), NONCE_MARKER)
    return response["Content-Type"], text


def _thaw(request, stored: tuple[str, str]) -> HttpResponse:
    content_type, text = stored
    if CSRF_MARKER in text:
        text = text.replace(CSRF_MARKER, get_token(request))
    if NONCE_MARKER in text:
        text = text.replace(NONCE_MARKER, str(request._csp_nonce))
    return HttpResponse(text, content_type=content_type)


def cached_page(view):
    """Serve the view's page from the page cache when nothing it depends on has changed (module docstring)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.PAGE_CACHE_ENABLED or request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        stamped = None if _has_pending_messages(request) else _stamp(request.user)
        if stamped is None:
            response = view(request, *args, **kwargs)
            response[HEADER] = "bypass"
            return response
        cache = caches[PAGE_CACHE]
        key = _key(request, stamped[1])
        stored, answer = cache.get(key), "hit"
        if stored is None:
            stored, answer = shared_pages.get(key), "shared-hit"
            if stored is not None:
                cache.set(key, stored)
        if stored is not None:
            response = _thaw(request, stored)
            response[HEADER] = answer
            return response
        token = _STAMPED.set(stamped)
        try:
            response = view(request, *args, **kwargs)
        finally:
            _STAMPED.reset(token)
        frozen = None if request.session.modified else _freeze(request, response)
        if frozen is not None:
            cache.set(key, frozen)
            shared_pages.put(key, frozen)
        response[HEADER] = "miss" if frozen is not None else "bypass"
        return response

    # These pages only read: no BEGIN/COMMIT around them (ATOMIC_REQUESTS), two round trips fewer per page.
    return transaction.non_atomic_requests(wrapper)
