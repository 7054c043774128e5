"""The real client address of a request that may have come through the TLS proxy.

X-Forwarded-For is believed only when the peer that connected (REMOTE_ADDR) is one of the
proxies in settings.TRUSTED_PROXIES (the environment's FORWARDED_ALLOW_IPS, the same list
gunicorn trusts). The header is then read from the right, skipping our own proxies: the first
address that is not one of them is the client. Anything further left was written by the client
and could be forged, so it is never used. django-ipware is not used because it checks the proxy
addresses written in the header, not the peer that actually connected.

django-axes calls `client_ip` (settings.AXES_CLIENT_IP_CALLABLE), so login throttling locks out
the person at the keyboard, not the proxy every request comes through.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _trusted_networks(entries: tuple[str, ...]) -> tuple[bool, tuple[Network, ...]]:
    """(trust every peer, networks) from entries such as "10.0.0.5", "172.28.0.0/24" or "*"."""
    trust_all = "*" in entries
    networks = tuple(ipaddress.ip_network(entry, strict=False) for entry in entries if entry and entry != "*")
    return trust_all, networks


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address.strip())
    except ValueError:
        return None


def is_trusted_proxy(address: str | None) -> bool:
    trust_all, networks = _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    parsed = _parse(address or "")
    if parsed is None:
        return False
    return trust_all or any(parsed in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client: REMOTE_ADDR, or what our proxies recorded in X-Forwarded-For."""
    peer = request.META.get("REMOTE_ADDR")
    if not is_trusted_proxy(peer):
        return peer
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    for address in reversed(forwarded):
        if _parse(address) is None:
            # Garbage in the chain: stop at the last address we could trust, rather than guess.
            break
        if not is_trusted_proxy(address):
            return address
        peer = address
    return peer
