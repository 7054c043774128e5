"""Keyset pages ("next"/"previous" links) show exactly the rows OFFSET pages would, in any sort, NULLs included."""

from __future__ import annotations

import datetime
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict

from cadres.models import Cadre
from rotation_registry.common.lists import MAX_PAGE, paginate
from tests.factories import CadreFactory, UnitFactory
from tests.postings import kit_fixture  # noqa: F401  (the `kit` fixture)

ORDERINGS = [
    ("sort_key", "date_of_birth", "id"),
    ("-sort_key", "-date_of_birth", "-id"),
    ("party_entry_date", "id"),  # nullable: NULLs sort last ascending
    ("-party_entry_date", "-id"),  # and first descending
]


@pytest.fixture
def cadres(db):
    # 37 cadres over 4 names and 3 birth dates (many ties), a third without a party entry date.
    made = []
    for n in range(37):
        made.append(
            CadreFactory(
                full_name=["Nguyễn Văn An", "Lê Thị Bình", "Trần Văn Ân", "Đỗ Minh Anh"][n % 4],
                date_of_birth=datetime.date(1975 + n % 3, 1, 1),
                party_entry_date=None if n % 3 == 0 else datetime.date(2000 + n % 5, 6, 1),
            )
        )
    return made


def _params(url: str) -> QueryDict:
    return QueryDict(urlsplit(url).query)


def _walk(queryset) -> tuple[list[int], list[int]]:
    """Ids shown walking forward by 'next' links to the end, then back by 'previous' links to page 1."""
    page = paginate(queryset, QueryDict("per_page=10"))
    forward = [row.pk for row in page.rows]
    while page.has_next:
        page = paginate(queryset, _params(page.next_url))
        forward += [row.pk for row in page.rows]
    backward = [row.pk for row in reversed(page.rows)]
    while page.has_previous:
        page = paginate(queryset, _params(page.previous_url))
        backward += [row.pk for row in reversed(page.rows)]
    return forward, backward


@pytest.mark.parametrize("few_rows", [2_000, 0], ids=["short list: sorted after", "long list: index order"])
@pytest.mark.parametrize("ordering", ORDERINGS, ids=lambda o: ",".join(o))
def test_next_and_previous_links_show_every_row_once_in_order(cadres, ordering, few_rows, monkeypatch):
    # Both ways of reading a page (lists.FEW_ROWS) give the same rows: the test's lists are all short.
    monkeypatch.setattr("rotation_registry.common.lists.FEW_ROWS", few_rows)
    queryset = Cadre.objects.order_by(*ordering)
    expected = list(queryset.values_list("pk", flat=True))
    forward, backward = _walk(queryset)
    assert forward == expected
    assert backward == expected[::-1]


def test_next_links_carry_a_key_and_offset_links_still_work(cadres):
    queryset = Cadre.objects.order_by("sort_key", "date_of_birth", "id")
    first = paginate(queryset, QueryDict("per_page=10"))
    assert "after=" in first.next_url and "page=2" in first.next_url
    by_key = paginate(queryset, _params(first.next_url))
    by_number = paginate(queryset, QueryDict("per_page=10&page=2"))
    assert [r.pk for r in by_key.rows] == [r.pk for r in by_number.rows]
    assert by_key.number == by_number.number == 2
    # Back to page 1 needs no key.
    assert "before=" not in by_key.previous_url and "after=" not in by_key.previous_url


@pytest.mark.parametrize("token", ["%%%", "bm90IGpzb24", "W1siaWQiXSxbIm5vdCBhbiBpbnQiXV0", "W1siZm9vIl0sWzFdXQ"])
def test_a_forged_or_foreign_token_falls_back_to_the_numbered_page(cadres, token):
    queryset = Cadre.objects.order_by("sort_key", "date_of_birth", "id")
    page = paginate(queryset, QueryDict(f"per_page=10&page=2&after={token}"))
    assert [r.pk for r in page.rows] == list(queryset.values_list("pk", flat=True)[10:20])


def test_keyset_pages_have_no_depth_limit_but_numbered_ones_do(cadres):
    queryset = Cadre.objects.order_by("id")
    page = paginate(queryset, QueryDict(f"per_page=10&page={MAX_PAGE + 50}"))
    assert page.number == MAX_PAGE and page.at_offset_limit
    first = paginate(queryset, QueryDict("per_page=10"))
    deep = paginate(queryset, QueryDict(f"per_page=10&page={MAX_PAGE + 50}&after={first.next_token}"))
    assert deep.number == MAX_PAGE + 50 and not deep.at_offset_limit
    assert [r.pk for r in deep.rows] == list(queryset.values_list("pk", flat=True)[10:20])


def _shown_postings(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/postings/(\d+)/"', response.content.decode())]


def test_the_posting_list_pages_by_key_in_its_links(client, board_officer, kit):
    """The list page's own "next" link is a keyset link, and following it shows the rows OFFSET would."""
    for n in range(12):
        kit.posting(
            day=datetime.date(2019, 1, 1), start=datetime.date(2019, 2, 1) + datetime.timedelta(days=n % 4)
        ).save()
    client.force_login(board_officer)
    first = client.get("/postings/", {"per_page": 10, "sort": "-start"})
    next_href = unescape(re.search(r'href="([^"]+)" rel="next"', first.content.decode()).group(1))
    assert parse_qs(urlsplit(next_href).query)["after"]
    by_key = client.get("/postings/" + next_href)
    by_number = client.get("/postings/", {"per_page": 10, "sort": "-start", "page": 2})
    assert by_key.status_code == 200
    assert _shown_postings(by_key) == _shown_postings(by_number) and len(set(_shown_postings(by_key))) == 2


def _sql(statement: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement)


def test_a_kept_count_is_reused_only_for_the_data_version_it_was_made_for(db):
    """The count of a list is kept with the registry's data version (common/counting.py)."""
    from django.core.cache import caches

    from rotation_registry.common.counting import COUNT_CACHE, capped_count

    queryset = Cadre.objects.order_by("id")
    assert capped_count(queryset, 10_000) == 0
    # A row written with triggers off moves neither the version nor this transaction's change flag:
    # the kept count is what the list shows...
    _sql("SET LOCAL session_replication_role = replica")
    CadreFactory()
    _sql("SET LOCAL session_replication_role = DEFAULT")
    assert capped_count(queryset, 10_000) == 0
    # ...until the version moves (a commit that wrote the registry bumps it).
    _sql("UPDATE reports_data_version SET version = version + 1 WHERE id = 1")
    assert capped_count(queryset, 10_000) == 1
    caches[COUNT_CACHE].clear()  # the version goes back with the rollback: forget what was kept for it


def test_a_transaction_that_wrote_the_registry_never_uses_a_kept_count(db):
    from rotation_registry.common.counting import capped_count

    queryset = Cadre.objects.order_by("id")
    assert capped_count(queryset, 10_000) == 0
    CadreFactory()  # the change trigger marks this transaction; the version moves only at its commit
    assert capped_count(queryset, 10_000) == 1
    assert capped_count(queryset, 0) == 1  # past a cap of 0: cap + 1


@pytest.mark.parametrize("few_rows", [2_000, 0], ids=["short list", "long list"])
def test_joined_rows_are_read_by_id_in_the_lists_order_with_their_joins(
    cadres, few_rows, monkeypatch, django_assert_num_queries
):
    """The page's rows come by id alone (lists._rows_by_id): same order, relations still joined."""
    monkeypatch.setattr("rotation_registry.common.lists.FEW_ROWS", few_rows)
    Cadre.objects.update(unit=UnitFactory(name="Huyện ủy Thử"))
    queryset = Cadre.objects.select_related("unit").filter(full_name__startswith="N").order_by("-sort_key", "-id")
    expected = list(queryset.values_list("pk", flat=True)[:10])
    page = paginate(queryset, QueryDict("per_page=10"))
    assert [row.pk for row in page.rows] == expected
    with django_assert_num_queries(0):
        assert {row.unit.name for row in page.rows} == {"Huyện ủy Thử"}
