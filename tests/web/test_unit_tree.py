"""The unit tree on a date: nested as the units were, former units marked with what they became."""

from __future__ import annotations

import re

from django.urls import reverse


def _tree_html(client, on: str, root) -> str:
    response = client.get(reverse("units:tree"), {"on": on, "root": root.pk})
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index('<div class="tree card">') :]


def test_before_the_merger_districts_hold_their_communes_and_ended_units_say_what_they_became(
    client, board_officer, world
):
    client.force_login(board_officer)
    html = _tree_html(client, "2025-06-01", world.province)
    # Xã An Một sits inside Huyện An's list, and says it became Xã Hợp Nhất on 1/7/2025.
    district = html.index(">Huyện An</a>")
    commune = html.index(">Xã An Một</a>")
    assert district < commune < html.index("</ul></li>", district)
    assert '<span class="former">— đến 30/6/2025, nay là Xã Hợp Nhất</span>' in html
    assert "Xã Hợp Nhất</a>" not in html  # not yet formed on 1/6/2025
    # Each unit links to its page on the same date.
    assert f'href="/units/{world.commune_a1.pk}/?on=2025-06-01"' in html


def test_after_the_merger_only_the_new_structure_shows(client, board_officer, world):
    client.force_login(board_officer)
    html = _tree_html(client, "2025-08-01", world.province)
    assert ">Xã Hợp Nhất</a>" in html and ">Đảng ủy xã Hợp Nhất</a>" in html
    assert "Huyện An" not in html and "Xã An Một" not in html
    # The markup is balanced: every list and item that opens also closes.
    assert html.count("<ul>") == html.count("</ul>")
    assert len(re.findall(r"<li>", html)) == html.count("</li>")


def test_names_are_escaped(client, board_officer, world):
    from tests.factories import UnitFactory
    from units.models import UnitKind

    UnitFactory(kind=UnitKind.PARTY_COMMITTEE, name="Chi bộ <b>A</b> & B", parent=world.merged_commune)
    client.force_login(board_officer)
    html = _tree_html(client, "2025-08-01", world.province)
    assert "Chi bộ &lt;b&gt;A&lt;/b&gt; &amp; B" in html
