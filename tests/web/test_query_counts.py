"""List pages cost the same number of queries whatever the page size: the N+1 guard (conventions §2.12).

Each list gets more than 60 rows, spread over several units, decisions and cadres, and is read
at per_page=10 and per_page=50: a query per row would show as 40 extra queries. Pages without
a page size (the home page, the unit tree) are read with 3 rows and with 60. Every count is also
pinned (QUERY_BUDGET, one comment per query) so that a new query on a list is a decision, not
an accident.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cadres.models import Cadre
from postings.models import Posting, PostingOverride, PostingStatus
from reports.models import ReportingPeriod
from tests.factories import CadreFactory, DecisionFactory, TermFactory, UnitFactory
from units.models import UnitKind

D = datetime.date
ROWS = 64


def _count(client, url: str, params: dict) -> tuple[int, list[str]]:
    """The page's queries, without the SAVEPOINT / RELEASE pair of ATOMIC_REQUESTS.

    Those two exist only because the test itself runs in a transaction: in production the request's
    transaction is the outermost one, opened and committed without a statement Django counts.
    """
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, (url, params, response.status_code)
    sql = [q["sql"] for q in queries.captured_queries]
    sql = [statement for statement in sql if not statement.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    return len(sql), sql


def _assert_same(client, url: str, small: dict, large: dict, budget: int) -> None:
    n_small, sql_small = _count(client, url, small)
    n_large, sql_large = _count(client, url, large)
    extra = "\n".join(sql_large[n_small:][:5])
    assert n_small == n_large, f"{url}: {n_small} queries with {small}, {n_large} with {large}; first extra:\n{extra}"
    assert n_large == budget, f"{url}: {n_large} queries, budget {budget}:\n" + "\n".join(sql_large)


# --- Data: many rows spread over several units, decisions and cadres ---


@pytest.fixture
def many(world):
    """ROWS cadres, each with one posting; decisions from several issuers; events in the audit log."""
    TermFactory(name="2015–2020", start=D(2015, 10, 1), end=D(2020, 9, 30))
    issuers = [
        (world.district_a_committee, "HU"),
        (world.provincial_committee, "TU"),
        (world.commune_a1_committee, "ĐU"),
    ]
    decisions = []
    for n in range(ROWS):
        issuer, code = issuers[n % len(issuers)]
        decisions.append(DecisionFactory(symbol=f"{n + 10}-QĐ/{code}", date=D(2018, 3, 1), issuing_unit=issuer))
    units = [world.district_a_department, world.commune_a1, world.commune_b1, world.district_a_committee]
    today = timezone.localdate()
    for n in range(ROWS):
        cadre = CadreFactory(full_name=f"Nguyễn Văn Nhiều {n}", unit=units[n % len(units)])
        Posting.objects.create(
            cadre=cadre,
            decision=decisions[n],
            origin_unit=units[n % len(units)],
            dest_unit=units[(n + 1) % len(units)],
            origin_unit_name="Nơi đi",
            origin_title_name="Phó trưởng phòng",
            dest_unit_name="Nơi đến",
            dest_title_name="Phó Bí thư",
            start_date=D(2018, 3, 15),
            # Half end within 90 days, half are overdue: both home-page lists fill up.
            planned_end=today + datetime.timedelta(days=30) if n % 2 else D(2021, 3, 15),
            status=PostingStatus.DRAFT if n % 5 == 0 else PostingStatus.IN_FORCE,
            direction="huyen_xa",
        )
    return decisions


# --- The pages ---

# Queries every signed-in page makes besides its own, for a user with a scope:
#   1 session  2 user  3 the audit context (pghistory set_config + savepoint)  4 scope assignments
#   5 units the scope units succeeded (lineage)  6 the scope units' paths  last: release the savepoint
BEFORE_THE_PAGE = 3

# Pages the page cache keeps (rotation_registry/common/page_cache.py) first read its stamp: the data
# version and the user's scope assignments, one query. Served again, such a page costs session, user
# and that stamp: 3 queries in all.
PAGE_CACHE_STAMP = 1

QUERY_BUDGET = {
    # the page's rows (+1 to know whether a next page exists), the capped count
    "cadres:list": BEFORE_THE_PAGE + PAGE_CACHE_STAMP + 2,
    # rows with cadre and decision joined, the capped count, and the options of two <select>
    # filters (terms, position titles: short catalogues, so a select rather than a search box)
    "postings:list": BEFORE_THE_PAGE + PAGE_CACHE_STAMP + 4,
    # rows with the issuing unit joined, the capped count, the congress terms of the term filter
    "postings:decision_list": BEFORE_THE_PAGE + PAGE_CACHE_STAMP + 3,
    # Board staff only: the events of every audited table (each read through its time index; not counted),
    # and the page's events with their previous snapshots and contexts (rotation_registry/audit_log.py)
    "audit:log": BEFORE_THE_PAGE + 2,
}


@pytest.mark.parametrize("name", ["cadres:list", "postings:list", "postings:decision_list", "audit:log"])
def test_a_list_costs_the_same_at_10_and_50_rows(name, client, board_officer, many):
    client.force_login(board_officer)
    _assert_same(client, reverse(name), {"per_page": 10}, {"per_page": 50}, QUERY_BUDGET[name])


def test_the_cadre_list_of_an_office_costs_the_same_at_10_and_50_rows(client, office_a, many):
    client.force_login(office_a)
    budget = BEFORE_THE_PAGE + PAGE_CACHE_STAMP + 2
    _assert_same(client, reverse("cadres:list"), {"per_page": 10}, {"per_page": 50}, budget)


def test_the_posting_list_filtered_and_sorted_costs_the_same(client, board_officer, many, world):
    client.force_login(board_officer)
    base = {"unit": world.district_a.pk, "sort": "name"}
    # +1: the chosen unit, read to validate the filter (the search box reuses it for its label)
    small, large = base | {"per_page": 10}, base | {"per_page": 50}
    _assert_same(client, reverse("postings:list"), small, large, QUERY_BUDGET["postings:list"] + 1)


def test_the_home_page_costs_the_same_with_3_and_60_rows(client, board_officer, world):
    """Every section of the home page full (10 shown of 60+), and with 3 rows each."""
    client.force_login(board_officer)
    url = reverse("home")
    TermFactory(name="2015–2020", start=D(2015, 10, 1), end=D(2020, 9, 30))
    _home_rows(world, board_officer, _make_postings(world, 3))
    n_few, _ = _count(client, url, {})
    _home_rows(world, board_officer, _make_postings(world, ROWS, offset=3))
    n_many, sql = _count(client, url, {})
    assert n_few == n_many, (n_few, n_many, sql)
    # drafts, overrides this month, ending soon, overdue, reporting periods due
    assert n_many == BEFORE_THE_PAGE + 5, "\n".join(sql)


def _make_postings(world, count: int, offset: int = 0) -> list[Posting]:
    decision = DecisionFactory(
        symbol=f"{900 + offset}-QĐ/TU", date=D(2018, 3, 1), issuing_unit=world.provincial_committee
    )
    today = timezone.localdate()
    units = [world.district_a_department, world.commune_b1, world.commune_a1]
    postings = []
    for n in range(offset, offset + count):
        cadre = CadreFactory(full_name=f"Trần Thị Trang {n}", unit=units[n % 3])
        postings.append(
            Posting.objects.create(
                cadre=cadre,
                decision=decision,
                origin_unit=units[n % 3],
                dest_unit=units[(n + 1) % 3],
                origin_unit_name="Nơi đi",
                origin_title_name="Chuyên viên",
                dest_unit_name="Nơi đến",
                dest_title_name="Phó Chủ tịch",
                start_date=D(2018, 3, 15),
                planned_end=today + datetime.timedelta(days=20) if n % 2 else D(2021, 3, 15),
                status=PostingStatus.DRAFT if n % 3 == 0 else PostingStatus.IN_FORCE,
                direction="huyen_xa",
            )
        )
    return postings


def _home_rows(world, board_officer, postings: list[Posting]) -> None:
    """Rows only the home page shows: overrides granted this month and reporting periods due."""
    for posting in postings:
        PostingOverride.objects.create(
            posting=posting, rule_code="R-QUOTA", reason="Theo chỉ đạo", granted_by=board_officer
        )
        unit = UnitFactory(kind=UnitKind.COMMUNE, name=f"Xã Báo Cáo {posting.pk}", parent=world.district_b)
        ReportingPeriod.objects.create(unit=unit, year=2026, quarter=2, deadline=timezone.localdate())


def test_the_unit_tree_costs_the_same_with_3_and_60_units(client, board_officer, world):
    client.force_login(board_officer)
    url = reverse("units:tree")
    n_few, _ = _count(client, url, {})
    for n in range(ROWS):
        parent = world.district_b if n % 2 else world.merged_commune
        UnitFactory(kind=UnitKind.PARTY_COMMITTEE, name=f"Chi bộ {n}", parent=parent)
    n_many, sql = _count(client, url, {})
    assert n_few == n_many, (n_few, n_many, sql)
    # the root(s), the units under the root valid on the day (no ended unit is shown today, so the
    # lineage query of unit_tree() is skipped)
    assert n_many == BEFORE_THE_PAGE + 2, "\n".join(sql)


def test_the_imports_page_lists_past_imports_at_the_same_cost_for_3_and_30(client, board_officer, admin_user):
    """The import page's table of recent imports (the imports list): at most 20, with their senders."""
    from imports.models import ImportBatch

    def add(count: int) -> None:
        for n in range(count):
            ImportBatch.objects.create(
                created_by=board_officer if n % 2 else admin_user,
                kind="cadres",
                file_name=f"can-bo-{n}.xlsx",
                file_format="xlsx",
                status="checked",
            )

    client.force_login(admin_user)  # an administrator sees every sender's batches, with the sender's name
    url = reverse("imports:start")
    add(3)
    n_few, _ = _count(client, url, {})
    add(30)
    n_many, sql = _count(client, url, {})
    assert n_few == n_many, (n_few, n_many, sql)
    # session, user, the batches with their senders
    assert n_many == 3, "\n".join(sql)


def test_a_short_catalogue_filter_costs_one_query_chosen_or_not(client, board_officer, many, world):
    """The term filter validates the chosen term and draws its options from the same query."""
    from units.models import Term

    client.force_login(board_officer)
    term = Term.objects.get(kind="congress", name="2015–2020")
    plain, _ = _count(client, reverse("postings:list"), {"per_page": 10})
    chosen, sql = _count(client, reverse("postings:list"), {"per_page": 10, "term": term.pk})
    assert chosen == plain, "\n".join(sql)


def test_a_short_list_is_counted_first_and_its_page_sorted_after_its_filters(client, board_officer, many):
    """The capped COUNT comes before the page: a list of at most FEW_ROWS rows is read by sorting its matches
    (its first sort key wrapped so no index gives the order), not by walking the name index (lists.py)."""
    client.force_login(board_officer)
    few = {"management_category": "tw"}  # no cadre of the fixture is in that category
    n_one, sql = _count(client, reverse("cadres:list"), few)
    assert n_one == BEFORE_THE_PAGE + PAGE_CACHE_STAMP + 2, "\n".join(sql)
    assert "rr_capped_count" in sql[-2] and 'COALESCE("V0"."sort_key", "V0"."sort_key")' in sql[-1], "\n".join(sql)
    assert client.get(reverse("cadres:list"), few).context["page"].total_text == "0"


def test_a_name_search_in_a_scope_counts_its_matches_in_the_scan_that_picks_the_page(client, office_a, many):
    """Two queries for the page whatever the matches (the ids with a window COUNT, then their rows by id
    alone), total exact."""
    client.force_login(office_a)
    n_small, sql = _count(client, reverse("cadres:list"), {"q": "nhieu", "per_page": 10})
    n_large, _ = _count(client, reverse("cadres:list"), {"q": "nhieu", "per_page": 50})
    assert n_small == n_large == BEFORE_THE_PAGE + PAGE_CACHE_STAMP + 2, "\n".join(sql)
    assert "COUNT" in sql[-2] and "OVER" in sql[-2], "\n".join(sql)
    assert "LIKE" not in sql[-1], "the rows are read by id, without the search again"
    page = client.get(reverse("cadres:list"), {"q": "nhieu", "per_page": 10, "page": 2}).context["page"]
    assert page.total_text == str(Cadre.objects.visible_to(office_a).filter(search_key__contains="nhieu").count())
    assert len(page.rows) == 10


def test_a_name_search_over_the_registry_asks_the_planner_whether_its_matches_are_few(
    client, board_officer, many, monkeypatch
):
    """Few expected: one trigram scan picks and counts (EXPLAIN, window COUNT, rows by id); many expected
    (FEW_ROWS lowered below the estimate): the capped count, then the page in name order."""
    client.force_login(board_officer)
    n_few, sql = _count(client, reverse("cadres:list"), {"q": "nhieu"})
    assert sql[-3].startswith("EXPLAIN") and "OVER" in sql[-2] and "LIKE" not in sql[-1], "\n".join(sql)
    monkeypatch.setattr("rotation_registry.common.views.FEW_ROWS", -1)
    n_many, sql = _count(client, reverse("cadres:list"), {"q": "nhieu", "page": "1"})
    assert sql[-3].startswith("EXPLAIN") and "rr_capped_count" in sql[-2] and "OVER" not in sql[-1], "\n".join(sql)
    assert n_few == n_many
