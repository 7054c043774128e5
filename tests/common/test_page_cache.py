"""Kept pages (common/page_cache.py): served again only while nothing they show has changed, never across users.

The rows are committed (transactional tests): a page is kept only outside a transaction that wrote the
registry, and the data version moves only at COMMIT.
"""

from __future__ import annotations

import re
import socket
import time

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.csp import LazyNonce

from accounts.models import ScopeAssignment
from cadres.models import Cadre
from rotation_registry.common import page_cache, shared_pages
from tests.factories import CadreFactory

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')
ANY_TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")  # forms and htmx's X-CSRFToken
NONCE = re.compile(r'nonce="([^"]+)"')


@pytest.fixture
def committed(restore_catalogues, transactional_db, world):
    return world


def signed_in(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def answer(response) -> str:
    return response.headers.get(page_cache.HEADER, "")


def test_a_page_is_served_again_until_the_registry_changes(committed, board_officer):
    cadre = CadreFactory(full_name="Hoàng Văn Lưu", unit=committed.district_a_department)
    client = signed_in(board_officer)
    url = reverse("cadres:detail", args=[cadre.pk])

    first = client.get(url)
    again = client.get(url)
    assert (answer(first), answer(again)) == ("miss", "hit")
    built, kept = (NONCE.sub("", ANY_TOKEN.sub("", r.content.decode())) for r in (first, again))
    assert built == kept
    assert "Hoàng Văn Lưu" in kept
    # The kept page's nonce is this response's own, the one its Content-Security-Policy allows.
    nonces = set(NONCE.findall(again.content.decode()))
    assert len(nonces) == 1 and f"'nonce-{nonces.pop()}'" in again.headers["Content-Security-Policy"]
    assert NONCE.findall(first.content.decode()) != NONCE.findall(again.content.decode())

    Cadre.objects.filter(pk=cadre.pk).update(full_name="Hoàng Văn Lựu")  # committed: the data version moves
    changed = client.get(url)
    assert answer(changed) == "miss"
    assert "Hoàng Văn Lựu" in changed.content.decode()
    assert answer(client.get(url)) == "hit"


def test_a_kept_page_carries_this_requests_csrf_token(committed, board_officer):
    client = signed_in(board_officer)
    url = reverse("postings:list")
    client.get(url)
    kept = client.get(url)
    assert answer(kept) == "hit"
    tokens = set(ANY_TOKEN.findall(kept.content.decode()))
    assert TOKEN.search(kept.content.decode()) and "\x00" not in kept.content.decode()
    secret = client.cookies["csrftoken"].value
    assert all(_unmask_cipher_token(token) == secret for token in tokens)
    # The token works: signing out through the kept page's form passes the CSRF check.
    signed_out = client.post(reverse("logout"), {"csrfmiddlewaretoken": tokens.pop()})
    assert signed_out.status_code == 302
    assert client.get(url).status_code == 302  # signed out: the login page, not a kept page


def test_pages_are_never_shared_between_users(committed, board_officer, office_b):
    CadreFactory(full_name="Lý Thị Mai", unit=committed.district_a_department)
    url = reverse("cadres:list")
    officer = signed_in(board_officer)
    officer.get(url)
    assert answer(officer.get(url)) == "hit"

    outsider = signed_in(office_b)
    page = outsider.get(url)
    assert answer(page) == "miss"
    assert "Lý Thị Mai" not in page.content.decode()


def test_a_new_scope_is_seen_at_once(committed, office_b):
    CadreFactory(full_name="Lý Thị Mai", unit=committed.district_a_department)
    client = signed_in(office_b)
    url = reverse("cadres:list")
    client.get(url)
    assert "Lý Thị Mai" not in client.get(url).content.decode()

    ScopeAssignment.objects.create(user=office_b, unit=committed.district_a)  # accounts: outside the data version
    page = client.get(url)
    assert answer(page) == "miss"
    assert "Lý Thị Mai" in page.content.decode()


def test_a_page_with_a_message_waiting_is_built_and_not_kept(committed, board_officer):
    client = signed_in(board_officer)
    url = reverse("postings:decision_list")
    # As a redirect after a save leaves it: the message in the messages cookie.
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies["messages"] = storage._encode([Message(constants.SUCCESS, "Đã ghi quyết định số 12-QĐ/TU.")])
    shown = client.get(url)
    assert "Đã ghi quyết định số 12-QĐ/TU." in shown.content.decode()
    assert answer(shown) == "bypass"
    after = client.get(url)
    assert answer(after) == "miss"
    assert "Đã ghi quyết định" not in after.content.decode()
    assert answer(client.get(url)) == "hit"


def test_a_transaction_that_wrote_the_registry_neither_reads_nor_keeps_pages(db, board_officer, world):
    # Inside this test's transaction the write is not committed: the version has not moved yet.
    CadreFactory(full_name="Đinh Văn Tới", unit=world.district_a_department)
    client = signed_in(board_officer)
    url = reverse("cadres:list")
    assert [answer(client.get(url)) for _ in range(2)] == ["bypass", "bypass"]
    assert "Đinh Văn Tới" in client.get(url).content.decode()


def test_the_nonce_is_replaced_and_put_back():
    factory = RequestFactory()
    built = factory.get("/")
    built._csp_nonce = LazyNonce()
    built.META["CSRF_COOKIE"] = "a" * 32
    html = f'<script nonce="{built._csp_nonce}">1</script>'
    frozen = page_cache._freeze(built, HttpResponse(html))
    assert frozen is not None and str(built._csp_nonce) not in frozen[1]

    served = factory.get("/")
    served._csp_nonce = LazyNonce()
    served.META["CSRF_COOKIE"] = "b" * 32
    response = page_cache._thaw(served, frozen)
    assert response.content.decode() == f'<script nonce="{served._csp_nonce}">1</script>'
    assert served._csp_nonce  # generated, so the CSP middleware puts the same nonce in the header


def test_only_plain_html_pages_are_kept():
    request = RequestFactory().get("/")
    request._csp_nonce = LazyNonce()
    assert page_cache._freeze(request, HttpResponse("x", status=404)) is None
    assert page_cache._freeze(request, HttpResponse(b"PK", content_type="application/vnd.ms-excel")) is None
    with_header = HttpResponse("x")
    with_header["Content-Disposition"] = "attachment"
    assert page_cache._freeze(request, with_header) is None


def test_a_page_built_reuses_the_catalogues_and_the_scope_read_at_the_same_stamp(committed, board_officer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def catalogue_or_scope(sql: str) -> bool:
        return '"units_term"' in sql or "positiontitle" in sql or "WITH RECURSIVE" in sql

    client = signed_in(board_officer)
    url = reverse("postings:list")
    with CaptureQueriesContext(connection) as first:
        assert answer(client.get(url, {"direction": "huyen_xa"})) == "miss"
    with CaptureQueriesContext(connection) as second:
        assert answer(client.get(url, {"direction": "xa_huyen"})) == "miss"
    reused = [q["sql"] for q in first.captured_queries if catalogue_or_scope(q["sql"])]
    assert len(reused) == 3  # the term and title <select>s, the officer's scope
    assert not [q for q in second.captured_queries if catalogue_or_scope(q["sql"])]
    assert len(second.captured_queries) == len(first.captured_queries) - 3

    Cadre.objects.create(full_name="Vi Văn Mới", date_of_birth="1985-01-01", sex="male")  # a write: new version
    with CaptureQueriesContext(connection) as third:
        assert answer(client.get(url, {"direction": "tinh_huyen"})) == "miss"
    assert len(third.captured_queries) == len(first.captured_queries)

    # A new scope assignment changes the stamp: the scope is found again, and includes it.
    ScopeAssignment.objects.create(user=board_officer, unit=committed.district_b)
    with CaptureQueriesContext(connection) as fourth:
        assert answer(client.get(url, {"direction": "huyen_tinh"})) == "miss"
    assert any("WITH RECURSIVE" in q["sql"] for q in fourth.captured_queries)


def test_a_page_one_worker_built_is_served_by_another_through_redis(committed, board_officer):
    """The second level (common/shared_pages.py): a worker without the page in its memory takes it from Redis."""
    cadre = CadreFactory(full_name="Lục Văn Bảo", unit=committed.district_a_department)
    client = signed_in(board_officer)
    url = reverse("cadres:detail", args=[cadre.pk])

    first = client.get(url)
    caches[page_cache.PAGE_CACHE].clear()  # another worker: its own memory has nothing
    other = client.get(url)
    again = client.get(url)
    assert (answer(first), answer(other), answer(again)) == ("miss", "shared-hit", "hit")
    built, shared = (NONCE.sub("", ANY_TOKEN.sub("", r.content.decode())) for r in (first, other))
    assert built == shared and "Lục Văn Bảo" in shared
    # Its token is the serving request's own: a form posted from it passes the CSRF check.
    token = TOKEN.search(other.content.decode()).group(1)
    assert _unmask_cipher_token(token) == client.cookies["csrftoken"].value


@pytest.fixture
def hung_redis(settings):
    """The shared level pointed at a server that accepts connections and never answers (a hung Redis)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    shared = dict(settings.CACHES[shared_pages.SHARED_PAGE_CACHE])
    shared["LOCATION"] = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    settings.CACHES = {**settings.CACHES, shared_pages.SHARED_PAGE_CACHE: shared}
    yield
    listener.close()
    shared_pages._paused_until = 0.0


def test_with_redis_hung_pages_are_built_and_redis_is_left_alone_for_a_while(committed, board_officer, hung_redis):
    cadre = CadreFactory(full_name="Nông Thị Hoa", unit=committed.district_a_department)
    client = signed_in(board_officer)
    url = reverse("cadres:detail", args=[cadre.pk])

    started = time.monotonic()
    first = client.get(url)
    waited = time.monotonic() - started
    assert first.status_code == 200 and answer(first) == "miss" and "Nông Thị Hoa" in first.content.decode()
    assert shared_pages._paused_until > time.monotonic() + shared_pages.PAUSE_AFTER_FAILURE - 5
    caches[page_cache.PAGE_CACHE].clear()
    started = time.monotonic()
    second = client.get(url)
    assert answer(second) == "miss"  # built again, without asking the hung Redis
    assert time.monotonic() - started < waited, "the paused level was asked again"
