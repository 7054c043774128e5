"""Login throttling behind the TLS proxy locks out the client, and only the proxy may say who that is."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from rotation_registry.common.client_ip import client_ip

PASSWORD = "rotation-demo"  # tests/factories.py
PROXY = "10.20.0.2"  # the addresses are only labels in REMOTE_ADDR: no traffic leaves the test
ALICE = "203.0.113.7"
BOB = "198.51.100.9"
STRANGER = "192.0.2.66"

behind_the_proxy = override_settings(TRUSTED_PROXIES=[PROXY, "10.30.0.0/24"])


def _login(client: Client, username: str, password: str, *, peer: str, forwarded_for: str | None = None):
    headers = {"REMOTE_ADDR": peer}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(reverse("login"), {"username": username, "password": password}, **headers)


def _ip(peer: str, forwarded_for: str | None = None) -> str | None:
    headers = {"REMOTE_ADDR": peer}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client_ip(RequestFactory().get("/", **headers))


@behind_the_proxy
def test_the_client_is_the_address_the_proxy_recorded():
    assert _ip(PROXY, ALICE) == ALICE
    # A chain of our own proxies (a network entry): the first address from the right that is not ours.
    assert _ip(PROXY, f"{ALICE}, 10.30.0.17") == ALICE
    # What the client itself wrote to the left of the real address is ignored.
    assert _ip(PROXY, f"1.1.1.1, {ALICE}") == ALICE
    assert _ip(PROXY) == PROXY  # the proxy's own request
    assert _ip(PROXY, "not-an-address") == PROXY


@behind_the_proxy
def test_a_forwarded_header_from_a_peer_that_is_not_our_proxy_is_ignored():
    assert _ip(STRANGER, ALICE) == STRANGER
    assert _ip(STRANGER, f"{ALICE}, {PROXY}") == STRANGER


@behind_the_proxy
def test_two_clients_behind_the_proxy_are_locked_out_separately(board_officer):
    alice, bob = Client(), Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(alice, board_officer.username, "wrong", peer=PROXY, forwarded_for=ALICE)
    locked = _login(alice, board_officer.username, PASSWORD, peer=PROXY, forwarded_for=ALICE)
    assert locked.status_code == 429
    # Same proxy, same username, another person: not locked.
    assert _login(bob, board_officer.username, PASSWORD, peer=PROXY, forwarded_for=BOB).status_code == 302
    assert bob.session["_auth_user_id"] == str(board_officer.pk)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ALICE}


@behind_the_proxy
def test_a_forged_header_from_elsewhere_does_not_escape_the_lockout(board_officer):
    attacker = Client()
    # A new made-up address on every try: were it believed, no address would reach the limit.
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(attacker, board_officer.username, "wrong", peer=STRANGER, forwarded_for=f"203.0.113.{100 + n}")
    locked = _login(attacker, board_officer.username, PASSWORD, peer=STRANGER, forwarded_for="203.0.113.200")
    assert locked.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER}


@override_settings(TRUSTED_PROXIES=["*"])
def test_trusting_every_peer_believes_the_header():
    assert _ip(STRANGER, ALICE) == ALICE
