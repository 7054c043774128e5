"""Every URL of the project × every persona: who gets the page, who is refused, who is sent to log in.

EXPECTATIONS below is the one table of what each role may do. `test_every_url_is_in_the_matrix`
walks the URL configuration and fails when a pattern has no row, so a view added later cannot
escape the matrix; `test_every_row_names_a_real_url` fails when a row outlives its URL.

Answers, per persona:
    LOGIN     302 to the login page (anonymous visitors)
    200       the page (a write URL with an empty POST re-displays its form with the errors)
    403       the role may not do this (a leader or a unit office on a create/edit/import page)
    404       the object is outside the user's scope ("not yours" looks like "does not exist")
    (302, X)  a redirect to the URL named X
    405       the method is not allowed (logout and commit are POST only)

A POST that is refused, and an empty POST that is accepted for checking, must write nothing:
every audited model has PostgreSQL history triggers, so "the event count did not move" proves it.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import openpyxl
import pghistory.models
import pytest
from django.contrib.admin.sites import site as admin_site
from django.core.files.base import ContentFile
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import NoReverseMatch

from cadres.models import Cadre
from imports.services import batch_receive
from postings.models import Decision, Posting
from tests.factories import CadreFactory, DecisionFactory, TermFactory

D = datetime.date

PERSONAS = ("anonymous", "admin_user", "board_officer", "leader", "office_a", "office_b")
LOGIN = "login"  # a 302 to the login page, with ?next=

# --- The usual rows ---

# Any signed-in user; anonymous visitors are sent to log in.
SIGNED_IN = {
    "anonymous": LOGIN,
    "admin_user": 200,
    "board_officer": 200,
    "leader": 200,
    "office_a": 200,
    "office_b": 200,
}
# An object inside Huyện An: everyone who reaches Huyện An sees it; office_b (Huyện Bình) gets 404.
IN_SCOPE_READ = {**SIGNED_IN, "office_b": 404}
# Board staff and administrators write; leaders and unit offices are refused by role (403),
# before any lookup, so the answer says nothing about whether the object exists.
EDITORS = {**SIGNED_IN, "leader": 403, "office_a": 403, "office_b": 403}
# The recording views look the object up in the user's scope first (conventions §2.5), then check
# the role: an office outside the scope gets 404 for the object, an office inside it 403 for the role.
# (cadres:edit checks the role first, so every office gets 403 there; both orders reveal nothing.)
EDITORS_SCOPE_FIRST = {**EDITORS, "office_b": 404}
BATCH_PAGE = (302, "imports:detail")


@dataclass(frozen=True)
class Expect:
    get: dict
    obj: str | None = None  # the object whose pk builds the URL: cadre, posting, decision, unit, batch, plan…
    kwargs: dict = field(default_factory=dict)  # other URL arguments
    query: dict = field(default_factory=dict)
    query_obj: str | None = None  # the object whose pk goes in ?unit= (pages that take the unit as a parameter)
    post: dict | None = None  # None: not a write URL (its GET row is the whole story)
    note: str = ""


EXPECTATIONS: dict[str, Expect] = {
    # --- Home and accounts ---
    "home": Expect(get=SIGNED_IN),
    "login": Expect(
        get={p: (302, "home") for p in PERSONAS} | {"anonymous": 200},
        note="redirect_authenticated_user: a signed-in user goes home",
    ),
    "logout": Expect(
        get={p: 405 for p in PERSONAS},  # POST only: a link or an <img> cannot sign anyone out
        post={p: (302, "login") for p in PERSONAS},
    ),
    "password_change": Expect(get=SIGNED_IN, post=SIGNED_IN),
    # Probes for the orchestrator: no login, no data (rotation_registry/health.py).
    "healthz": Expect(get={p: 200 for p in PERSONAS}, note="liveness: answers everyone, reveals nothing"),
    "readyz": Expect(get={p: 200 for p in PERSONAS}, note="readiness: database and broker reachable"),
    "password_change_done": Expect(get=SIGNED_IN),
    # --- Cadres ---
    "cadres:list": Expect(get=SIGNED_IN),
    "cadres:create": Expect(get=EDITORS, post=EDITORS),
    "cadres:detail": Expect(get=IN_SCOPE_READ, obj="cadre"),
    "cadres:edit": Expect(get=EDITORS, obj="cadre", post=EDITORS),
    "cadres:history": Expect(get=IN_SCOPE_READ, obj="cadre"),
    # Search boxes answer every signed-in user, with matches from the user's scope only (checked below).
    "cadres:autocomplete": Expect(get=SIGNED_IN, query={"field": "cadre", "cadre__search": "nguyen"}),
    # --- Postings and decisions ---
    "postings:list": Expect(get=SIGNED_IN),
    "postings:detail": Expect(get=IN_SCOPE_READ, obj="posting"),
    "postings:history": Expect(get=IN_SCOPE_READ, obj="posting"),
    "postings:create": Expect(get=EDITORS, post=EDITORS),
    "postings:edit": Expect(get=EDITORS_SCOPE_FIRST, obj="posting", post=EDITORS_SCOPE_FIRST),
    "postings:end": Expect(get=EDITORS_SCOPE_FIRST, obj="posting", post=EDITORS_SCOPE_FIRST),
    "postings:cancel": Expect(get=EDITORS_SCOPE_FIRST, obj="posting", post=EDITORS_SCOPE_FIRST),
    "postings:decision_list": Expect(get=SIGNED_IN),
    "postings:decision_detail": Expect(get=IN_SCOPE_READ, obj="decision"),
    "postings:decision_history": Expect(get=IN_SCOPE_READ, obj="decision"),
    "postings:decision_create": Expect(get=EDITORS, post=EDITORS),
    "postings:decision_edit": Expect(get=EDITORS_SCOPE_FIRST, obj="decision", post=EDITORS_SCOPE_FIRST),
    "postings:decision_cancel": Expect(get=EDITORS_SCOPE_FIRST, obj="decision", post=EDITORS_SCOPE_FIRST),
    "postings:decision_scan": Expect(get=IN_SCOPE_READ, obj="decision"),
    "postings:decision_autocomplete": Expect(get=SIGNED_IN, query={"field": "decision", "decision__search": "31"}),
    # --- Units ---
    "units:tree": Expect(get=SIGNED_IN),
    "units:detail": Expect(get=IN_SCOPE_READ, obj="unit"),
    "units:autocomplete": Expect(get=SIGNED_IN, query={"field": "unit", "unit__search": "Huyen"}),
    "units:position_autocomplete": Expect(get=SIGNED_IN, query={"field": "position", "position__search": "bi thu"}),
    # --- Spreadsheet import (a batch is seen only by its creator, board_officer here, and administrators) ---
    "imports:start": Expect(get=EDITORS, post=EDITORS),
    "imports:template": Expect(get=EDITORS, kwargs={"kind": "cadres"}),
    "imports:detail": Expect(get=EDITORS, obj="batch"),
    # The batch was checked during the upload (it is small): progress sends the page to the result.
    "imports:progress": Expect(get=EDITORS | {"admin_user": BATCH_PAGE, "board_officer": BATCH_PAGE}, obj="batch"),
    # The batch has an error row: a commit is refused with a message on the batch page, and writes nothing.
    "imports:commit": Expect(
        get={p: 405 for p in PERSONAS},
        obj="batch",
        post=EDITORS | {"admin_user": BATCH_PAGE, "board_officer": BATCH_PAGE},
    ),
    "imports:report": Expect(get=EDITORS, obj="batch"),
    # --- Audit ---
    "audit:log": Expect(get=EDITORS),
    # --- Statistics: stored figures of a unit in the reader's scope (office_b asks for Huyện An: 404) ---
    "statistics:dashboard": Expect(get=IN_SCOPE_READ, query_obj="unit"),
    "statistics:runs": Expect(get=IN_SCOPE_READ, query_obj="unit"),
    # Anyone who reads the figures may ask for them again (POST only); an empty POST asks for the
    # reader's default figures and goes back to the dashboard, writing nothing to the registry.
    "statistics:recompute": Expect(
        get={p: 405 for p in PERSONAS} | {"anonymous": LOGIN},
        post={p: (302, "statistics:dashboard") for p in PERSONAS} | {"anonymous": LOGIN},
    ),
    # --- Plans (a draft plan of Huyện ủy An, with one planned cadre; the pages read it in the user's scope) ---
    "plans:list": Expect(get=SIGNED_IN),
    "plans:create": Expect(get=EDITORS, post=EDITORS),
    "plans:detail": Expect(get=IN_SCOPE_READ, obj="plan"),
    "plans:history": Expect(get=IN_SCOPE_READ, obj="plan"),
    "plans:pdf": Expect(get=IN_SCOPE_READ, obj="plan"),
    "plans:edit": Expect(get=EDITORS_SCOPE_FIRST, obj="plan", post=EDITORS_SCOPE_FIRST),
    # Issue and amend confirm on a page; an empty POST lacks the version the user saw and writes nothing.
    "plans:issue": Expect(get=EDITORS_SCOPE_FIRST, obj="plan", post=EDITORS_SCOPE_FIRST),
    "plans:amend": Expect(get=EDITORS_SCOPE_FIRST, obj="plan", post=EDITORS_SCOPE_FIRST),
    "plans:entry_link": Expect(get=EDITORS_SCOPE_FIRST, obj="plan_entry", post=EDITORS_SCOPE_FIRST),
    # --- Quarterly reports ---
    # A returned report of Huyện ủy An for Q2/2024 with its first submission kept (quarterly_in_district_a).
    # The list answers everyone (a unit office sees its own reports, the board a completeness board);
    # the province's report is for the board and leaders; only the unit's own office files (edit), and
    # the board reviews. Empty POSTs lack the version the page was drawn from and write nothing.
    "quarterly:index": Expect(get=SIGNED_IN),
    "quarterly:setup": Expect(get=EDITORS, post=EDITORS),
    "quarterly:province": Expect(get={**SIGNED_IN, "office_a": 403, "office_b": 403}),
    "quarterly:province_pdf": Expect(get={**SIGNED_IN, "office_a": 403, "office_b": 403}),
    "quarterly:detail": Expect(get=IN_SCOPE_READ, obj="quarterly_period"),
    "quarterly:pdf": Expect(get=IN_SCOPE_READ, obj="quarterly_period"),
    "quarterly:version": Expect(get=IN_SCOPE_READ, obj="quarterly_version"),
    "quarterly:edit": Expect(
        get={**EDITORS_SCOPE_FIRST, "admin_user": 403, "board_officer": 403, "office_a": 200},
        obj="quarterly_period",
        post={**EDITORS_SCOPE_FIRST, "admin_user": 403, "board_officer": 403, "office_a": 200},
    ),
    "quarterly:review": Expect(get=EDITORS_SCOPE_FIRST, obj="quarterly_period", post=EDITORS_SCOPE_FIRST),
    # --- Summaries ---
    # A done leaders' summary of Huyện An (summaries_in_district_a): read and downloaded in the user's scope.
    # The button (POST only) asks for the reader's default figures' summary and shows its status page.
    "summaries:request": Expect(
        get={p: 405 for p in PERSONAS} | {"anonymous": LOGIN},
        post={p: (302, "summaries:status") for p in PERSONAS} | {"anonymous": LOGIN},
    ),
    "summaries:status": Expect(get=IN_SCOPE_READ, obj="summary"),
    "summaries:download": Expect(get=IN_SCOPE_READ, obj="summary"),
}


# --- Walking the URL configuration ---


def _skipped(pattern: URLPattern, namespace: str) -> bool:
    """Django's admin and i18n URLs are left out: they carry their own protection.

    The admin checks is_staff and model permissions on every view (tests/foundation/test_admin.py
    covers what board staff may do there), and set_language only sets a cookie.
    """
    if namespace == admin_site.name or namespace.startswith(f"{admin_site.name}:"):
        return True
    return getattr(pattern.callback, "__module__", "") == "django.views.i18n"


def project_url_names(patterns=None, namespace: str = "") -> list[str]:
    """Fully qualified names ("cadres:detail") of every URL pattern, through every include."""
    names: list[str] = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            names.extend(project_url_names(entry.url_patterns, inner or ""))
        elif isinstance(entry, URLPattern) and not _skipped(entry, namespace):
            name = entry.name or f"<unnamed {entry.pattern}>"
            names.append(f"{namespace}:{name}" if namespace else name)
    return names


def test_every_url_is_in_the_matrix():
    missing = sorted(set(project_url_names()) - set(EXPECTATIONS))
    assert not missing, f"URL patterns without a row in EXPECTATIONS (add one per persona): {missing}"


def test_every_row_names_a_real_url():
    stale = sorted(set(EXPECTATIONS) - set(project_url_names()))
    assert not stale, f"Rows in EXPECTATIONS whose URL does not exist (yet): {stale}"


def test_the_walk_finds_namespaced_and_plain_names():
    names = project_url_names()
    assert {"home", "login", "cadres:detail", "audit:log", "units:autocomplete"} <= set(names)
    assert not any(name.startswith("admin:") for name in names)


# --- The world's objects inside Huyện An ---


def objects_in_district_a(world, importer) -> dict:
    """A cadre, its posting, the decision and the district inside Huyện An, and `importer`'s import batch."""
    TermFactory(name="2015–2020", start=D(2015, 10, 1), end=D(2020, 9, 30))
    decision = DecisionFactory(symbol="31-QĐ/HU", date=D(2018, 3, 1), issuing_unit=world.district_a_committee)
    decision.scan.save("31-QD-HU.pdf", ContentFile(b"%PDF-1.4\n% the signed decision\n"))
    cadre = CadreFactory(full_name="Nguyễn Công Trưởng", unit=world.district_a_department)
    posting = Posting.objects.create(
        cadre=cadre,
        decision=decision,
        origin_unit=world.district_a_department,
        dest_unit=world.commune_a1_committee,
        origin_unit_name="Phòng Nội vụ huyện An",
        origin_title_name="Trưởng phòng",
        dest_unit_name="Đảng ủy xã An Một",
        dest_title_name="Bí thư",
        start_date=D(2018, 3, 15),
        planned_end=D(2021, 3, 15),
        direction="huyen_xa",
    )
    batch = batch_receive(actor=importer, kind="cadres", file_name="can-bo.xlsx", data=cadre_workbook())
    objects = {"cadre": cadre, "posting": posting, "decision": decision, "unit": world.district_a, "batch": batch}
    objects |= plans_in_district_a(world, cadre) | quarterly_in_district_a(world, importer)
    return objects | summaries_in_district_a(world, importer)


def summaries_in_district_a(world, user) -> dict:
    """A done leaders' summary of Huyện An with its (tiny) PDF (summaries:* rows)."""
    from django.utils import timezone

    from reports.models import SummaryDocument

    parameters = {"unit": world.district_a.pk, "start": "2016-01-01", "end": "2020-12-31"}
    summary = SummaryDocument.objects.create(
        parameters=parameters,
        parameters_key="access-matrix",
        unit=world.district_a,
        status="done",
        progress=100,
        requested_by=user,
        finished_at=timezone.now(),
        pages=1,
    )
    summary.file.save("bao-cao-tom-tat.pdf", ContentFile(b"%PDF-1.4\n% a summary\n"))
    return {"summary": summary}


def plans_in_district_a(world, cadre) -> dict:
    """A draft plan of Huyện ủy An and its one planned cadre (plans:* rows)."""
    from plans.models import Plan, PlanEntry

    plan = Plan.objects.create(
        symbol="05-KH/HU", date=D(2018, 4, 2), issuing_unit=world.district_a_committee, title="luân chuyển cán bộ"
    )
    return {"plan": plan, "plan_entry": PlanEntry.objects.create(plan=plan, cadre=cadre)}


def quarterly_in_district_a(world, user) -> dict:
    """Huyện ủy An's period for Q2/2024 and its report, returned after a first submission (quarterly:* rows)."""
    from django.utils import timezone

    from reports.models import QuarterlyReport, QuarterlyReportVersion, ReportingPeriod
    from reports.quarterly.prefill import fingerprint, prefill

    unit = world.district_a_committee
    period = ReportingPeriod.objects.create(unit=unit, year=2024, quarter=2, deadline=D(2024, 6, 20))
    figures = prefill(user=user, unit=unit, year=2024, quarter=2)
    sent = timezone.now()
    report = QuarterlyReport.objects.create(
        unit=unit,
        year=2024,
        quarter=2,
        status="returned",
        figures=figures,
        fingerprint=fingerprint(figures),
        version=1,
        document_number="12-BC/HU",
        submitted_at=sent,
        first_submitted_at=sent,
        review_comment="Bổ sung",
    )
    version = QuarterlyReportVersion.objects.create(
        report=report,
        number=1,
        figures=figures,
        fingerprint=report.fingerprint,
        document_number="12-BC/HU",
        submitted_by=user,
        submitted_at=sent,
        outcome="returned",
        review_comment="Bổ sung",
    )
    return {"quarterly_period": period, "quarterly_version": version}


def cadre_workbook() -> bytes:
    """A cadre import with one good row and one with an impossible date (the batch cannot be committed)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Đơn vị công tác"])
    sheet.append(["Lương Văn Nhập", "01/07/1985", "Nam", "Nùng", "Phòng Nội vụ huyện An"])
    sheet.append(["Lò Thị Sai", "31/02/1990", "Nữ", "Thái", "Phòng Nội vụ huyện An"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def objects(world, board_officer):
    return objects_in_district_a(world, importer=board_officer)


def url_for(name: str, expect: Expect, objects: dict) -> str:
    kwargs = dict(expect.kwargs) | ({"pk": objects[expect.obj].pk} if expect.obj else {})
    return reverse(name, kwargs=kwargs or None)


def _url(name: str, expect: Expect, objects: dict) -> str:
    try:
        url = url_for(name, expect, objects)
    except NoReverseMatch:
        pytest.fail(f"{name} is in EXPECTATIONS but the project has no such URL (yet)")
    return url


def _login_as(client, request, persona: str) -> None:
    client.logout()
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))


def _answer(response) -> int | tuple[int, str]:
    """The response in the table's terms."""
    if response.status_code != 302:
        return response.status_code
    location = urlsplit(response.headers["Location"])
    if location.path == reverse("login") and location.query.startswith("next="):
        return LOGIN
    try:
        return (302, resolve(location.path).view_name)
    except Resolver404:
        return (302, response.headers["Location"])


def _event_count() -> int:
    return pghistory.models.Events.objects.count()


def _row_counts() -> tuple[int, int, int]:
    return Cadre.objects.count(), Posting.objects.count(), Decision.objects.count()


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_get(name, client, request, objects):
    expect = EXPECTATIONS[name]
    url = _url(name, expect, objects)
    mismatches = []
    for persona in PERSONAS:
        _login_as(client, request, persona)
        query = expect.query | ({"unit": objects[expect.query_obj].pk} if expect.query_obj else {})
        answer = _answer(client.get(url, query))
        if answer != expect.get[persona]:
            mismatches.append(f"{persona}: expected {expect.get[persona]!r}, got {answer!r}")
    assert not mismatches, f"GET {url} ({name}):\n  " + "\n  ".join(mismatches)


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTATIONS.items() if e.post is not None))
def test_post(name, client, request, objects):
    """An empty POST: refused roles get 403/404/login and write nothing; allowed roles see form errors."""
    expect = EXPECTATIONS[name]
    url = _url(name, expect, objects)
    mismatches = []
    for persona in PERSONAS:
        _login_as(client, request, persona)
        events, rows = _event_count(), _row_counts()
        answer = _answer(client.post(url, {}))
        if answer != expect.post[persona]:
            mismatches.append(f"{persona}: expected {expect.post[persona]!r}, got {answer!r}")
        if (_event_count(), _row_counts()) != (events, rows):
            mismatches.append(f"{persona}: the POST wrote to the database")
    assert not mismatches, f"POST {url} ({name}):\n  " + "\n  ".join(mismatches)


def test_the_matrix_rows_name_every_persona():
    for name, expect in EXPECTATIONS.items():
        assert set(expect.get) == set(PERSONAS), name
        assert expect.post is None or set(expect.post) == set(PERSONAS), name


def test_the_autocomplete_offers_only_units_in_scope(client, office_b, objects):
    client.force_login(office_b)
    response = client.get(reverse("units:autocomplete"), {"field": "unit", "unit__search": "an"})
    assert "Huyện An" not in response.text and "Phòng Nội vụ" not in response.text
    response = client.get(reverse("units:autocomplete"), {"field": "unit", "unit__search": "binh"})
    assert "Xã Bình Một" in response.text


def test_the_cadre_search_box_offers_only_cadres_in_scope(client, office_a, office_b, objects):
    query = {"field": "cadre", "cadre__search": "cong truong"}
    client.force_login(office_b)
    assert "Nguyễn Công Trưởng" not in client.get(reverse("cadres:autocomplete"), query).text
    client.force_login(office_a)
    assert "Nguyễn Công Trưởng" in client.get(reverse("cadres:autocomplete"), query).text
