"""The page cache's second level: a page one web worker built, served by the others, through Redis.

Each worker keeps its pages in its own memory (common/page_cache.py): a hit costs no network. But with
three workers, each builds every page once before it can serve it again, so a list paged through by an
office is built up to three times. Here a page built by any worker is also put in Redis, and a worker
that has not kept a page looks there before building it (measured in docs/performance.md §9).

Redis is a convenience, never a dependency: a page that Redis does not answer within 0,1 s (the socket
timeouts of CACHES["shared-pages"], without retries) is built as if it had not been kept, and after a
failure this process does not ask Redis again for PAUSE_AFTER_FAILURE seconds, so a stopped or hung
Redis costs one slow lookup per pause, not one per page. The key is the first level's (page_cache._key:
user, scope, data version and the version table's identity, day, language, path); pages are compressed
(zlib level 1: a list page of ~23 KB takes ~5 KB) and expire after PAGE_CACHE_SHARED_SECONDS.
"""

from __future__ import annotations

import logging
import time
import zlib

from django.conf import settings
from django.core.cache import caches

SHARED_PAGE_CACHE = "shared-pages"
PAUSE_AFTER_FAILURE = 30.0  # seconds

logger = logging.getLogger(__name__)
_paused_until = 0.0


def get(key: str) -> tuple[str, str] | None:
    """The page another worker kept under this key, or None (not kept, shared level off, Redis away)."""
    if not _in_use():
        return None
    try:
        stored = caches[SHARED_PAGE_CACHE].get(key)
    except Exception as error:  # noqa: BLE001 — whatever Redis does wrong, the page is built instead
        _pause(error)
        return None
    if stored is None:
        return None
    content_type, packed = stored
    return content_type, zlib.decompress(packed).decode()


def put(key: str, page: tuple[str, str]) -> None:
    """Offer a page just built to the other workers (nothing happens when Redis is away)."""
    if not _in_use():
        return
    content_type, text = page
    try:
        caches[SHARED_PAGE_CACHE].set(key, (content_type, zlib.compress(text.encode(), 1)))
    except Exception as error:  # noqa: BLE001
        _pause(error)


def _in_use() -> bool:
    return settings.PAGE_CACHE_SHARED and time.monotonic() >= _paused_until


def _pause(error: Exception) -> None:
    global _paused_until
    _paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
    logger.warning("Shared page cache (Redis) unavailable, not used for %.0f s: %s", PAUSE_AFTER_FAILURE, error)
