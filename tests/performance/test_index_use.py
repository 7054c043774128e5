"""The most used list queries keep using their indexes (issue 7: a test that reads EXPLAIN).

Each query is built by the product's own selectors and filters, then planned by PostgreSQL with
sequential scans and sorts priced out of reach (`enable_seqscan`, `enable_sort` off): the planner
still falls back to them when no index can answer the query or give its order, so a "Seq Scan" on a
large table, or the expected index missing from the plan, means the query or the index changed so
that they no longer match — a filter rewritten into an expression the index does not cover, an index dropped or
renamed, a sort the index cannot give. The small test tables cannot show the timings; the shape is
what breaks first, and docs/performance.md has the timings at 10^6 postings.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.http import QueryDict

from cadres.selectors import cadre_list
from postings.directions import Direction
from postings.selectors import decision_list, posting_list
from reports.selectors import attention_querysets
from rotation_registry.common import keyset
from rotation_registry.common.lists import in_page_order
from tests.postings import kit_fixture  # noqa: F401  (the `kit` fixture)
from units.models import Term

LARGE_TABLES = {"postings_posting", "cadres_cadre", "postings_decision"}
GIN_INDEXES = ("cadre_search_key_trgm", "cadre_reach_roots_gin")
TERM_START = datetime.date(2015, 10, 1)


def _plan(queryset, *, in_index_order: bool = True) -> dict:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if in_index_order:  # a search's few matches are sorted after the trigram index found them
            cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_sort")
    return plan[0]["Plan"]


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _assert_uses(
    queryset, table: str, indexes: set[str], *, index_cond_on: str | None = None, in_index_order: bool = True
) -> None:
    plan = _plan(queryset, in_index_order=in_index_order)
    nodes = list(_nodes(plan))
    scans = [n for n in nodes if n.get("Relation Name") in LARGE_TABLES and n["Node Type"] == "Seq Scan"]
    assert not scans, f"sequential scan of {[n['Relation Name'] for n in scans]}:\n{plan}"
    used = [n for n in nodes if n.get("Index Name") in indexes]
    assert used, f"none of {sorted(indexes)} on {table} is used:\n{plan}"
    if index_cond_on:
        assert any(index_cond_on in n.get("Index Cond", "") for n in used), f"no index condition on {index_cond_on}"


def _postings(user, **params):
    query = QueryDict(mutable=True)
    query.update({key: str(value) for key, value in params.items()})
    return posting_list(user=user, params=query)[1]


def _page_ids(queryset, *, few: bool = False):
    """The page's ids as paginate() picks them (common/lists.py _page_rows): of a long list unless `few`."""
    return in_page_order(queryset, few=few).values("pk")[:26]


@pytest.fixture
def term(kit) -> Term:
    return Term.objects.get(kind="congress", start=TERM_START)


def test_the_posting_list_in_its_own_order_reads_the_start_date_index(board_officer, kit):
    _assert_uses(_page_ids(_postings(board_officer, sort="-start")), "postings_posting", {"posting_start_id_idx"})


def test_a_term_over_the_whole_registry_is_a_range_of_the_start_date_index(board_officer, kit, term):
    queryset = _postings(board_officer, term=term.pk, sort="-start")
    _assert_uses(_page_ids(queryset), "postings_posting", {"posting_start_id_idx"}, index_cond_on="start_date")


def test_a_province_uses_the_root_columns_or_reads_in_date_order(board_officer, kit, world):
    queryset = _postings(board_officer, unit=world.province.pk, sort="-start")
    root_indexes = {"posting_origin_root_dir_idx", "posting_dest_root_dir_idx", "posting_start_id_idx"}
    _assert_uses(_page_ids(queryset), "postings_posting", root_indexes)
    plan = str(_plan(_page_ids(queryset)))
    assert "origin_root" in plan and "dest_root" in plan, "the province filter no longer uses the root columns"


def test_a_district_with_a_direction_and_a_term_uses_an_index(board_officer, kit, world, term):
    queryset = _postings(
        board_officer, unit=world.district_a.pk, direction=Direction.PROVINCE_TO_DISTRICT, term=term.pk, sort="-start"
    )
    # Either side's (unit, direction, start) index, or the date order when the planner expects few rows.
    indexes = {"posting_dest_dir_start_idx", "posting_origin_dir_start_idx", "posting_start_id_idx"}
    _assert_uses(_page_ids(queryset), "postings_posting", indexes)


def test_a_short_list_is_sorted_after_its_filters_found_it_never_walked_in_date_order(board_officer, kit, world, term):
    """Under FEW_ROWS matches the page is sorted after the filters found the rows: walking the date index
    in order reads through most of it when the matches are few or bunched (94 ms against 0,9 ms at 10^6).
    With sorts priced out of reach the planner still sorts: no index can give the short list's order."""
    queryset = _postings(
        board_officer, unit=world.province.pk, direction=Direction.PROVINCE_TO_DISTRICT, term=term.pk, sort="-start"
    )
    short, long = _plan(_page_ids(queryset, few=True)), _plan(_page_ids(queryset, few=False))
    assert any(node["Node Type"] == "Sort" for node in _nodes(short)), short
    assert not any(node.get("Scan Direction") == "Backward" for node in _nodes(short)), short
    # The same list read as a long one walks the date index backwards, newest first, and sorts nothing.
    assert not any(node["Node Type"] == "Sort" for node in _nodes(long)), long
    assert any(node.get("Index Name") == "posting_start_id_idx" for node in _nodes(long)), long


def test_a_keyset_page_starts_its_index_scan_at_the_token(board_officer, kit):
    queryset = _postings(board_officer, sort="-start")
    keys = keyset.sort_keys(queryset)
    sought = keyset.seek(queryset, keys, ["2019-05-01", 12345], backwards=False)
    _assert_uses(_page_ids(sought), "postings_posting", {"posting_start_id_idx"}, index_cond_on="start_date")


def test_the_count_of_a_province_reads_the_root_indexes(board_officer, kit, world):
    queryset = _postings(board_officer, unit=world.province.pk).order_by().values("pk")[:10001]
    _assert_uses(queryset, "postings_posting", {"posting_origin_root_dir_idx", "posting_dest_root_dir_idx"})


def test_an_accent_free_name_search_reads_the_trigram_index(board_officer, kit):
    query = QueryDict(mutable=True)
    query.update({"q": "nguyen cong truong"})
    queryset = cadre_list(user=board_officer, params=query)[1]
    _assert_uses(_page_ids(queryset), "cadres_cadre", {"cadre_search_key_trgm"}, in_index_order=False)


def test_an_office_sees_its_cadres_through_the_reach_index(office_a, kit):
    query = QueryDict(mutable=True)
    query.update({"q": "nguyen"})
    queryset = cadre_list(user=office_a, params=query)[1]
    indexes = {"cadre_reach_roots_gin", "cadre_search_key_trgm"}
    _assert_uses(_page_ids(queryset), "cadres_cadre", indexes, in_index_order=False)


def test_the_decision_list_reads_its_date_index(board_officer, kit):
    queryset = decision_list(user=board_officer, params=QueryDict("sort=-date"))[1]
    _assert_uses(_page_ids(queryset), "postings_decision", {"decision_date_id_idx"})


def test_the_home_pages_overdue_and_draft_lists_read_their_partial_indexes(board_officer, kit):
    lists = attention_querysets(user=board_officer, today=datetime.date(2026, 1, 15))
    _assert_uses(lists["drafts"][:10], "postings_posting", {"posting_draft_idx"})
    _assert_uses(lists["ending_soon"][:10], "postings_posting", {"posting_in_force_end_idx"})
    _assert_uses(lists["overdue"][:10], "postings_posting", {"posting_in_force_end_idx"})


def test_the_cadres_gin_indexes_keep_a_short_pending_list(db):
    """Rows wait in a GIN index's pending list, read one by one by every search, until it is merged: after an
    import of 20,000 cadres the 4 MB default made a search 2-3x as slow until autovacuum (cadres/models.py)."""
    from cadres.models import GIN_PENDING_LIST_KB

    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%s)", [list(GIN_INDEXES)])
        options = dict(cursor.fetchall())
    assert options == {
        name: [f"gin_pending_list_limit={GIN_PENDING_LIST_KB}"]
        for name in ("cadre_search_key_trgm", "cadre_reach_roots_gin")
    }
