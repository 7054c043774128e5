"""The scope keeps a path only when no shorter kept path covers it: the set lookup agrees with the plain scan."""

from __future__ import annotations

import random

from accounts.scopes import _outermost, _path_and_ancestors


def _pruned_by_scan(paths: list[str]) -> list[str]:
    kept: list[str] = []
    for path in sorted(paths, key=lambda p: (len(p), p)):
        if not any(path.startswith(p) for p in kept):
            kept.append(path)
    return kept


def test_ancestors_of_a_path():
    assert _path_and_ancestors("/1/23/456/") == ["/1/", "/1/23/", "/1/23/456/"]
    assert _path_and_ancestors("/7/") == ["/7/"]
    assert _path_and_ancestors("odd") == ["odd"]


def test_the_lookup_prunes_as_the_scan_does():
    rng = random.Random(7)
    for _ in range(300):
        paths = set()
        for _ in range(rng.randint(1, 40)):
            depth = rng.randint(1, 4)
            # few distinct ids per level, so that "/1/" and "/12/" (a prefix only as text) both occur
            paths.add("/" + "/".join(str(rng.choice([1, 2, 12, 21, 123])) for _ in range(depth)) + "/")
        paths = sorted(paths)
        assert _outermost(paths) == _pruned_by_scan(paths), paths
