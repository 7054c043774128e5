"""Sign-in, lockout, CSRF, CSP and sessions: the guarantees issue 3 asks for, through the real URLs."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.hashers import get_hasher
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.web.test_access_matrix import EXPECTATIONS, objects_in_district_a, project_url_names, url_for

PASSWORD = "rotation-demo"  # tests/factories.py
TEMPLATES = Path(settings.BASE_DIR) / "templates"
HERE = "127.0.0.2"  # the addresses are only labels in REMOTE_ADDR: no traffic leaves the test
ELSEWHERE = "127.0.0.3"


def _login(client: Client, username: str, password: str, ip: str = HERE):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


# --- The login page and the lockout ---


def test_the_login_page_is_in_vietnamese(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert '<html lang="vi">' in response.text
    for text in ("Đăng nhập", "Tên đăng nhập", "Mật khẩu"):
        assert text in response.text
    wrong = client.post(reverse("login"), {"username": "nobody", "password": "x"}, REMOTE_ADDR=HERE)
    assert wrong.status_code == 200
    assert "Tên đăng nhập và mật khẩu chính xác" in wrong.text  # Django's own Vietnamese message


def test_five_wrong_passwords_lock_that_username_from_that_address_only(client, board_officer, leader):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, board_officer.username, "wrong").status_code == 200
    # The fifth failure locks the pair and already answers with the Vietnamese lockout page.
    fifth = _login(client, board_officer.username, "wrong")
    assert fifth.status_code == 429 and "Tạm khóa đăng nhập" in fifth.text
    # Locked now, even with the right password.
    locked = _login(client, board_officer.username, PASSWORD)
    assert locked.status_code == 429
    assert "Tạm khóa đăng nhập" in locked.text and "sai mật khẩu quá nhiều lần" in locked.text
    assert "_auth_user_id" not in client.session
    # The same username from another address signs in.
    other_ip = Client()
    assert _login(other_ip, board_officer.username, PASSWORD, ip=ELSEWHERE).status_code == 302
    assert other_ip.session["_auth_user_id"] == str(board_officer.pk)
    # Another username from the same address signs in.
    other_user = Client()
    assert _login(other_user, leader.username, PASSWORD).status_code == 302
    assert other_user.session["_auth_user_id"] == str(leader.pk)


def test_the_lockout_is_decided_before_any_password_is_hashed(client, board_officer, monkeypatch):
    hasher = type(get_hasher())
    calls = {"verify": 0, "encode": 0}
    original_verify, original_encode = hasher.verify, hasher.encode

    def counting_verify(self, password, encoded):
        calls["verify"] += 1
        return original_verify(self, password, encoded)

    def counting_encode(self, password, salt, *args, **kwargs):
        calls["encode"] += 1
        return original_encode(self, password, salt, *args, **kwargs)

    monkeypatch.setattr(hasher, "verify", counting_verify)
    monkeypatch.setattr(hasher, "encode", counting_encode)

    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, board_officer.username, "wrong")
    assert calls["verify"] == settings.AXES_FAILURE_LIMIT  # the instrument works: one check per attempt

    calls.update(verify=0, encode=0)
    for password in ("wrong", PASSWORD):
        assert _login(client, board_officer.username, password).status_code == 429
    assert calls == {"verify": 0, "encode": 0}


def test_a_successful_sign_in_resets_the_failure_count(client, board_officer):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, board_officer.username, "wrong")
    assert _login(client, board_officer.username, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, board_officer.username, "wrong")
    assert _login(client, board_officer.username, PASSWORD).status_code == 302


# --- CSRF ---

WRITE_URLS = sorted(name for name, expect in EXPECTATIONS.items() if expect.post is not None)


@pytest.fixture
def matrix_objects(world, board_officer):
    return objects_in_district_a(world, importer=board_officer)


def test_every_post_without_a_token_is_refused(board_officer, matrix_objects):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(board_officer)
    refused = []
    for name in WRITE_URLS:
        expect = EXPECTATIONS[name]
        if name == "logout":
            continue  # checked below: signing out must also need the token
        response = strict.post(url_for(name, expect, matrix_objects), {})
        if response.status_code != 403:
            refused.append(f"{name}: {response.status_code}")
    assert not refused, f"POST accepted without a CSRF token: {refused}"


def test_sign_in_and_sign_out_need_the_token(board_officer):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("login"), {"username": board_officer.username, "password": PASSWORD})
    assert response.status_code == 403 and "_auth_user_id" not in strict.session
    strict.force_login(board_officer)
    assert strict.post(reverse("logout")).status_code == 403
    assert strict.get(reverse("home")).status_code == 200  # still signed in


def test_a_post_with_the_token_from_the_form_is_accepted(board_officer):
    strict = Client(enforce_csrf_checks=True)
    page = strict.get(reverse("login"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = strict.post(
        reverse("login"),
        {"username": board_officer.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        REMOTE_ADDR=HERE,
    )
    assert response.status_code == 302


# Exempt at the door, checked inside: imports:start puts its upload size limit in place before
# anything reads the body, then runs the CSRF check itself (csrf_protect on _upload). The POST
# test above proves it still refuses a POST without a token.
CHECKED_INSIDE = {"imports/"}


def test_no_view_is_exempt_from_csrf():
    from django.urls import get_resolver

    exempt = []

    def walk(patterns, prefix=""):
        for entry in patterns:
            if hasattr(entry, "url_patterns"):
                if entry.namespace != "admin":
                    walk(entry.url_patterns, f"{prefix}{entry.pattern}")
            elif getattr(entry.callback, "csrf_exempt", False):
                exempt.append(f"{prefix}{entry.pattern}")

    walk(get_resolver().url_patterns)
    assert set(exempt) <= CHECKED_INSIDE, exempt


def test_every_post_form_in_the_templates_carries_the_token():
    missing = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<form\b[^>]*>(.*?)</form>", text, flags=re.S | re.I):
            is_post = re.search(r'method=["\']?post', match.group(0)[:200], flags=re.I)
            if is_post and "{% csrf_token %}" not in match.group(1):
                missing.append(str(path.relative_to(TEMPLATES)))
    assert not missing, f"POST forms without {{% csrf_token %}}: {missing}"


# --- Content Security Policy ---


def _script_src(response) -> str:
    header = response.headers.get("Content-Security-Policy", "")
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        if name == "script-src":
            return value
    return ""


def test_every_html_page_carries_a_nonce_policy_and_no_unsafe_inline(client, board_officer, matrix_objects):
    """Whole pages get a nonce (django-htmx's script tag and any inline script use it); htmx fragments
    (autocomplete choices) render no nonce, so their policy is the stricter `script-src 'self'`."""
    pages = []
    for name in project_url_names():
        expect = EXPECTATIONS.get(name)
        if expect is None or name == "logout":
            continue
        query = f"?{urlencode(expect.query)}" if expect.query else ""
        pages.append(url_for(name, expect, matrix_objects) + query)
    anonymous = [reverse("login"), "/no-such-page/"]
    problems = []
    for signed_in, urls in ((False, anonymous), (True, pages + ["/no-such-page/"])):
        if signed_in:
            client.force_login(board_officer)
        for url in urls:
            response = client.get(url)
            if not response.headers.get("Content-Type", "").startswith("text/html") or response.status_code == 302:
                continue
            script_src = _script_src(response)
            whole_page = "<html" in response.text
            if not script_src or "'unsafe-inline'" in script_src or "'unsafe-eval'" in script_src:
                problems.append(f"{url} ({response.status_code}): script-src {script_src!r}")
            elif whole_page and "'nonce-" not in script_src:
                problems.append(f"{url} ({response.status_code}): a page without a nonce: {script_src!r}")
    assert not problems, "\n".join(problems)


def test_inline_scripts_in_pages_carry_the_request_nonce(client, board_officer):
    client.force_login(board_officer)
    response = client.get(reverse("cadres:list"))
    nonce = re.search(r"'nonce-([^']+)'", _script_src(response)).group(1)
    for tag in re.findall(r"<script\b[^>]*>", response.text):
        assert "src=" in tag or f'nonce="{nonce}"' in tag, tag


def test_no_template_has_an_inline_script_without_the_nonce_or_an_inline_handler():
    problems = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        name = str(path.relative_to(TEMPLATES))
        for tag in re.findall(r"<script\b[^>]*>", text, flags=re.I):
            if "src=" not in tag and 'nonce="{{ csp_nonce }}"' not in tag:
                problems.append(f"{name}: {tag}")
        # Inline handlers and javascript: URLs cannot carry a nonce: the policy would block them.
        for handler in re.findall(r"\son[a-z]+\s*=\s*[\"']", text, flags=re.I):
            problems.append(f"{name}: inline handler {handler.strip()}")
        if re.search(r"href\s*=\s*[\"']\s*javascript:", text, flags=re.I):
            problems.append(f"{name}: javascript: URL")
    assert not problems, "\n".join(problems)


# --- Sessions, sign-out, password change ---


def test_sessions_last_a_working_day_at_most_and_end_with_the_browser(client, board_officer):
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True
    response = _login(client, board_officer.username, PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["expires"] and not cookie["max-age"]  # a browser-session cookie


def test_a_session_expires_after_the_cookie_age(client, board_officer):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert _login(client, board_officer.username, PASSWORD).status_code == 302
        assert client.get(reverse("home")).status_code == 200
        clock.shift(datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE + 60))
        response = client.get(reverse("home"))
    assert response.status_code == 302 and response.headers["Location"].startswith(reverse("login"))


def test_logout_is_post_only_and_ends_the_session(client, board_officer):
    client.force_login(board_officer)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("home")).status_code == 200  # a GET signed nobody out
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response.headers["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_the_password_change_works_and_keeps_the_user_signed_in(client, board_officer):
    client.force_login(board_officer)
    page = client.get(reverse("password_change"))
    assert page.status_code == 200 and "Đổi mật khẩu" in page.text
    new = "Luan-chuyen-2026!"
    response = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302 and response.headers["Location"] == reverse("password_change_done")
    assert client.get(reverse("home")).status_code == 200  # the session survived the change
    assert _login(Client(), board_officer.username, new).status_code == 302
    assert _login(Client(), board_officer.username, PASSWORD, ip=ELSEWHERE).status_code == 200


def test_a_wrong_old_password_changes_nothing(client, board_officer):
    client.force_login(board_officer)
    new = "Luan-chuyen-2026!"
    response = client.post(
        reverse("password_change"), {"old_password": "sai", "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 200
    board_officer.refresh_from_db()
    assert board_officer.check_password(PASSWORD)
