"""The plan pages: list and filters, the form with its rows, issue, amend, the plan against actual, scopes."""

from __future__ import annotations

import datetime
import io
import re

import openpyxl

from plans import services
from plans.models import Plan, PlanStatus
from postings.models import Posting
from tests.factories import DecisionFactory
from tests.plans.conftest import plan_data

D = datetime.date


def form_post(world, *, targets=(), entries=(), version="", **overrides) -> dict:
    """The plan form as a browser submits it: fields, then the two formsets' rows."""
    data = {k: ("" if v is None else v) for k, v in plan_data(world, **overrides).items()}
    data["issuing_unit"] = (
        world.provincial_committee.pk if "issuing_unit" not in overrides else overrides["issuing_unit"]
    )
    data["date"] = data["date"].isoformat() if isinstance(data["date"], datetime.date) else data["date"]
    data["version"] = version
    for prefix, rows in (("targets", targets), ("entries", entries)):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows) + 1)  # one blank extra row, as the page sends
        data[f"{prefix}-INITIAL_FORMS"] = str(sum(1 for r in rows if r.get("id")))
        for index, row in enumerate(rows):
            for key, value in row.items():
                data[f"{prefix}-{index}-{key}"] = value
    return data


def test_a_board_officer_writes_a_plan_with_targets_and_cadres_then_issues_it(
    client, world, board_officer, congress_terms, two_cadres, title_bi_thu
):
    client.force_login(board_officer)
    assert client.get("/plans/new/").status_code == 200
    response = client.post(
        "/plans/new/",
        form_post(
            world,
            targets=[{"direction": "tinh_huyen", "count": "3"}, {"dest_title": str(title_bi_thu.pk), "count": "1"}],
            entries=[{"cadre": str(two_cadres[0].pk), "dest_title": str(title_bi_thu.pk)}],
        ),
    )
    plan = Plan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/plans/{plan.pk}/"
    assert plan.symbol == "01-KH/TU" and plan.status == PlanStatus.DRAFT
    assert plan.purpose_section.startswith("<h3>1. Mục đích</h3>")
    assert [(t.direction, t.count) for t in plan.targets.all()] == [("tinh_huyen", 3), ("", 1)]
    assert [e.cadre for e in plan.entries.all()] == [two_cadres[0]]

    # The edit form shows the sections as typed, not as HTML.
    page = client.get(f"/plans/{plan.pk}/edit/")
    assert "**1. Mục đích**" in page.text and "&lt;p&gt;" not in page.text

    detail = client.get(f"/plans/{plan.pk}/")
    assert "Tỉnh về huyện" in detail.text and "Nông Minh Cường" in detail.text
    issue = client.get(f"/plans/{plan.pk}/issue/")
    version = issue.context["form"]["version"].value()
    response = client.post(f"/plans/{plan.pk}/issue/", {"version": version, "reason": "Hội nghị BTV"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ISSUED

    # Issued: the edit page sends back with the message; the amendment starts a new version.
    response = client.get(f"/plans/{plan.pk}/edit/", follow=True)
    assert "không sửa được" in response.text
    version = client.get(f"/plans/{plan.pk}/amend/").context["form"]["version"].value()
    response = client.post(f"/plans/{plan.pk}/amend/", {"version": version})
    amendment = Plan.objects.get(amends=plan)
    assert response["Location"] == f"/plans/{amendment.pk}/"
    # Dated today: numbered in today's congress term's register.
    assert (amendment.version, amendment.status, amendment.symbol) == (2, PlanStatus.DRAFT, "01-KH/TU")


def test_a_refused_form_shows_the_messages_and_writes_nothing(client, world, board_officer, congress_terms, two_cadres):
    client.force_login(board_officer)
    response = client.post(
        "/plans/new/",
        form_post(
            world,
            symbol="05-QĐ/TU",
            entries=[{"cadre": str(two_cadres[0].pk)}, {"cadre": str(two_cadres[0].pk)}],
        ),
    )
    assert response.status_code == 200
    assert "loại văn bản là KH" in response.text
    assert not Plan.objects.exists()
    response = client.post("/plans/new/", form_post(world, entries=[{"cadre": str(two_cadres[0].pk)}] * 2))
    assert "Cán bộ đã có trong danh sách của kế hoạch." in response.text
    assert not Plan.objects.exists()


def test_adding_rows_saves_nothing(client, world, board_officer, congress_terms):
    client.force_login(board_officer)
    data = form_post(world) | {"add_entries": "1"}
    response = client.post("/plans/new/", data)
    assert response.status_code == 200 and not Plan.objects.exists()
    assert response.context["entries"].total_form_count() == 4


def test_an_edit_made_by_someone_else_meanwhile_is_not_overwritten(client, world, board_officer, make_plan):
    plan = make_plan()
    client.force_login(board_officer)
    version = client.get(f"/plans/{plan.pk}/edit/").context["form"]["version"].value()
    services.plan_update(actor=board_officer, plan=plan, version=version, data={"title": "luân chuyển (người khác)"})
    response = client.post(f"/plans/{plan.pk}/edit/", form_post(world, symbol=plan.symbol, version=version))
    assert response.status_code == 200 and "vừa được người khác sửa" in response.text
    plan.refresh_from_db()
    assert plan.title == "luân chuyển (người khác)"


def test_the_list_filters_and_exports(client, world, board_officer, make_plan):
    make_plan(symbol="42-KH/TU", issue=True)
    make_plan(title="luân chuyển cán bộ nữ")
    make_plan(issuing_unit=world.district_a_committee, **services.header_defaults(world.district_a_committee))
    client.force_login(board_officer)
    assert len(client.get("/plans/").context["page"].rows) == 3
    drafts = client.get("/plans/", {"status": "draft"}).context["page"].rows
    assert [p.symbol for p in drafts] == ["01-KH/HU", "43-KH/TU"]  # same date: the newest first
    assert [p.symbol for p in client.get("/plans/", {"q": "can bo nu"}).context["page"].rows] == ["43-KH/TU"]
    unit = world.district_a_committee.pk
    assert [p.symbol for p in client.get("/plans/", {"issuing_unit": unit}).context["page"].rows] == ["01-KH/HU"]
    export = client.get("/plans/", {"export": "xlsx", "status": "issued"})
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["Số, ký hiệu", "42-KH/TU"]


def test_offices_read_plans_in_their_scope_only_and_cannot_write(
    client, world, board_officer, office_a, office_b, leader, make_plan
):
    plan = make_plan(issuing_unit=world.district_a_committee, **services.header_defaults(world.district_a_committee))
    for user, expected in ((office_a, 200), (leader, 200), (office_b, 404)):
        client.force_login(user)
        assert client.get(f"/plans/{plan.pk}/").status_code == expected
        assert client.get(f"/plans/{plan.pk}/pdf/").status_code == expected
    client.force_login(office_b)
    assert client.get("/plans/").context["page"].rows == []
    client.force_login(office_a)
    assert client.get(f"/plans/{plan.pk}/edit/").status_code == 403
    assert client.post(f"/plans/{plan.pk}/issue/", {"version": services.plan_version(plan)}).status_code == 403
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def posting_for(world, cadre, start: D, **fields) -> Posting:
    decision = DecisionFactory(date=start - datetime.timedelta(days=7), issuing_unit=world.provincial_committee)
    return Posting.objects.create(
        cadre=cadre,
        decision=decision,
        origin_unit=world.district_a_department,
        dest_unit=world.commune_a1_committee,
        origin_unit_name="Phòng Nội vụ huyện An",
        origin_title_name="Trưởng phòng",
        dest_unit_name="Đảng ủy xã An Một",
        dest_title_name="Bí thư",
        start_date=start,
        planned_end=start.replace(year=start.year + 3),
        direction="huyen_xa",
        **fields,
    )


def shown(client, url: str) -> int:
    """How many rows the posting list says it holds, for a drill-down link."""
    text = client.get(url).text
    return int(re.search(r"Tổng số: ([\d.]+)", text)[1].replace(".", ""))


def test_the_plan_page_shows_each_target_against_what_was_done_with_links_to_those_postings(
    client, world, board_officer, office_b, make_plan, two_cadres
):
    cadre, other = two_cadres
    plan = make_plan(
        issue=True,
        targets=[
            services.TargetRow(direction="huyen_xa", count=4),
            services.TargetRow(direction="tinh_huyen", count=2),
            services.TargetRow(dest_unit=world.district_a, count=3),
        ],
        entries=[services.EntryRow(cadre=cadre), services.EntryRow(cadre=other)],
    )
    first = plan.entries.order_by("id").first()
    services.plan_entry_link(actor=board_officer, entry=first, posting=posting_for(world, cadre, D(2018, 3, 15)))
    posting_for(world, other, D(2018, 4, 2))  # a planned cadre's posting not linked to the plan: not counted
    client.force_login(board_officer)
    response = client.get(f"/plans/{plan.pk}/")
    progress = response.context["progress"]
    assert [(r.target.label, r.target.count, r.done, r.share) for r in progress.targets] == [
        ("Huyện về xã", 4, 1, "25%"),
        ("Tỉnh về huyện", 2, 0, "0%"),
        ("Huyện An", 3, 1, "33,3%"),
    ]
    for row in progress.targets:
        assert f'href="{row.url.replace("&", "&amp;")}"' in response.text
        assert shown(client, row.url) == row.done
    assert (progress.planned, progress.carried_out) == (2, 1)
    assert shown(client, progress.carried_out_url) == 1


def test_linking_a_planned_cadre_to_the_posting_that_carried_it_out(
    client, world, board_officer, make_plan, two_cadres
):
    cadre = two_cadres[0]
    plan = make_plan(issue=True, entries=[services.EntryRow(cadre=cadre)])
    entry = plan.entries.get()
    posting = posting_for(world, cadre, D(2018, 3, 15))
    client.force_login(board_officer)
    page = client.get(f"/plans/entries/{entry.pk}/posting/")
    assert "Bí thư, Đảng ủy xã An Một" in page.text
    response = client.post(f"/plans/entries/{entry.pk}/posting/", {"posting": posting.pk, "confirm": "True"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.posting == posting


def test_the_plan_page_lists_amendments_and_the_admin_is_read_only(client, board_officer, admin_user, make_plan):
    plan = make_plan(issue=True)
    amendment = services.plan_amend(actor=board_officer, plan=plan, version=services.plan_version(plan))
    client.force_login(board_officer)
    text = client.get(f"/plans/{plan.pk}/").text
    assert f"/plans/{amendment.pk}/" in text and "Đã được sửa đổi, bổ sung bởi" in text
    client.force_login(admin_user)
    assert client.get(f"/admin/plans/plan/{plan.pk}/change/").status_code == 200
    assert client.post(f"/admin/plans/plan/{plan.pk}/change/", {"title": "x"}).status_code == 403
    assert client.get("/admin/plans/plan/add/").status_code == 403


def test_the_pdf_stays_vietnamese_whatever_the_interface_language(make_plan):
    from django.utils import translation

    from plans.documents import plan_document_html

    plan = make_plan(issue=True)
    with translation.override("en"):
        html = plan_document_html(plan)
    assert "Nơi nhận:" in html and "ĐẢNG CỘNG SẢN VIỆT NAM" in html and "KẾ HOẠCH" in html
