"""Plan services: the number register, drafts and issue, the freeze (services and database), amendments."""

from __future__ import annotations

import datetime

import pghistory.models
import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction

from plans import services
from plans.models import FROZEN_MESSAGE, Plan, PlanEntry, PlanStatus, PlanTarget
from postings.models import Posting
from rotation_registry.common.concurrency import STALE_MESSAGE
from tests.factories import DecisionFactory
from tests.plans.conftest import plan_data

D = datetime.date


def refusal(exc_info, field: str) -> str:
    return " ".join(exc_info.value.message_dict.get(field, []))


# --- The number register ---


def test_it_numbers_plans_from_the_register_per_issuer_type_and_term(world, board_officer, make_plan):
    first, second = make_plan(), make_plan(date=D(2018, 1, 5))
    assert (first.symbol, second.symbol) == ("01-KH/TU", "02-KH/TU")
    # A new congress term starts again at 01 (HD 36 practice).
    assert make_plan(date=D(2021, 3, 1)).symbol == "01-KH/TU"
    # Another issuer has its own register.
    district = make_plan(
        issuing_unit=world.district_a_committee, **services.header_defaults(world.district_a_committee)
    )
    assert district.symbol == "01-KH/HU"
    assert services.suggested_symbol(issuing_unit=world.provincial_committee, day=D(2019, 5, 1)) == "03-KH/TU"


def test_a_typed_number_is_kept_and_a_used_one_is_refused_with_the_next_free_one(make_plan):
    assert make_plan(symbol="Số 42-KH/TU").symbol == "42-KH/TU"
    with pytest.raises(ValidationError) as refused:
        make_plan(symbol="42-KH/TU", date=D(2018, 2, 1))
    assert "đã được dùng cho kế hoạch 42-KH/TU ngày 23/8/2017" in refusal(refused, "symbol")
    assert "số tiếp theo còn trống là 43" in refusal(refused, "symbol")
    assert make_plan().symbol == "43-KH/TU"


@pytest.mark.parametrize(
    ("symbol", "expected"),
    [
        ("5-KH/TU", "không đúng mẫu"),
        ("05-QĐ/TU", "loại văn bản là KH"),
        ("05-KH/HU", "Ký hiệu cơ quan ban hành của Tỉnh ủy Thử là TU"),
    ],
)
def test_it_refuses_a_number_of_the_wrong_form_type_or_issuer(make_plan, symbol, expected):
    with pytest.raises(ValidationError) as refused:
        make_plan(symbol=symbol)
    assert expected in refusal(refused, "symbol")
    assert not Plan.objects.exists()


def test_it_refuses_a_date_outside_every_congress_term_and_an_upper_case_subject(make_plan):
    with pytest.raises(ValidationError) as refused:
        make_plan(date=D(1990, 1, 1))
    assert "Không có nhiệm kỳ đại hội nào chứa ngày 1/1/1990" in refusal(refused, "date")
    with pytest.raises(ValidationError) as refused:
        make_plan(title="Luân chuyển cán bộ")
    assert "bắt đầu bằng chữ thường" in refusal(refused, "title")


def test_a_deputy_secretary_signs_on_behalf_of_the_committee_never_for_it(make_plan):
    with pytest.raises(ValidationError) as refused:
        make_plan(signing_authority="K/T BAN THƯỜNG VỤ", signer_title="PHÓ BÍ THƯ")
    assert "T/M BAN THƯỜNG VỤ" in refusal(refused, "signing_authority")


# --- Drafts, issue, the freeze ---


def test_issuing_needs_a_signer_recipients_ending_with_the_archive_and_content(world, board_officer, make_plan):
    plan = make_plan(signer_name="", recipients="Ban Tổ chức Trung ương (b/c)", purpose_section="",
                     content_section="", organisation_section="")  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        services.plan_issue(actor=board_officer, plan=plan, version=services.plan_version(plan))
    errors = refused.value.message_dict
    assert "Phải ghi họ tên người ký." in errors["signer_name"]
    assert "Lưu Văn phòng Tỉnh ủy" in " ".join(errors["recipients"])
    assert "chưa có nội dung" in " ".join(errors["purpose_section"])
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_an_issued_plan_is_frozen_by_the_services(board_officer, make_plan):
    plan = make_plan(issue=True)
    assert plan.status == PlanStatus.ISSUED and plan.issued_at is not None
    with pytest.raises(ValidationError) as refused:
        services.plan_update(
            actor=board_officer, plan=plan, version=services.plan_version(plan), data={"title": "luân chuyển"}
        )
    assert refused.value.message_dict[NON_FIELD_ERRORS] == [str(FROZEN_MESSAGE)]
    with pytest.raises(ValidationError):
        services.plan_issue(actor=board_officer, plan=plan, version=services.plan_version(plan))


def test_an_issued_plan_is_frozen_in_the_database_except_the_link_to_what_carried_it_out(
    world, make_plan, two_cadres, title_bi_thu
):
    cadre = two_cadres[0]
    plan = make_plan(
        issue=True,
        targets=[services.TargetRow(direction="tinh_huyen", count=3)],
        entries=[services.EntryRow(cadre=cadre, dest_title=title_bi_thu)],
    )
    target, entry = plan.targets.get(), plan.entries.get()
    for write in (
        lambda: Plan.objects.filter(pk=plan.pk).update(title="sửa sau khi ban hành"),
        lambda: Plan.objects.filter(pk=plan.pk).delete(),
        lambda: PlanTarget.objects.filter(pk=target.pk).update(count=9),
        lambda: PlanTarget.objects.create(plan=plan, count=1),
        lambda: PlanTarget.objects.filter(pk=target.pk).delete(),
        lambda: PlanEntry.objects.filter(pk=entry.pk).update(cadre=two_cadres[1]),
        lambda: PlanEntry.objects.create(plan=plan, cadre=two_cadres[1]),
        lambda: PlanEntry.objects.filter(pk=entry.pk).delete(),
    ):
        with pytest.raises(IntegrityError, match="Kế hoạch đã ban hành thì không sửa được"), transaction.atomic():
            write()
    posting = posting_of(world, cadre, D(2018, 3, 15))
    assert PlanEntry.objects.filter(pk=entry.pk).update(posting=posting) == 1


def posting_of(world, cadre, start: datetime.date, **fields) -> Posting:
    decision = DecisionFactory(date=start - datetime.timedelta(days=10), issuing_unit=world.provincial_committee)
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


def test_a_draft_changes_with_its_targets_and_planned_cadres(board_officer, make_plan, two_cadres, title_bi_thu):
    plan = make_plan(
        targets=[services.TargetRow(direction="tinh_huyen", count=3)],
        entries=[services.EntryRow(cadre=two_cadres[0])],
    )
    target, entry = plan.targets.get(), plan.entries.get()
    assert entry.current_post == "Phòng Nội vụ huyện An"  # no posting on the plan's date: the cadre's unit
    services.plan_update(
        actor=board_officer,
        plan=plan,
        version=services.plan_version(plan),
        data={"title": "luân chuyển cán bộ (sửa)"},
        targets=[
            services.TargetRow(id=target.pk, direction="huyen_tinh", count=2),
            services.TargetRow(dest_title=title_bi_thu, count=1),
        ],
        entries=[
            services.EntryRow(id=entry.pk, cadre=two_cadres[0], delete=True),
            services.EntryRow(cadre=two_cadres[1]),
        ],
    )
    plan.refresh_from_db()
    assert plan.title == "luân chuyển cán bộ (sửa)"
    assert [(t.direction, t.dest_title_id, t.count) for t in plan.targets.order_by("id")] == [
        ("huyen_tinh", None, 2),
        ("", title_bi_thu.pk, 1),
    ]
    assert [e.cadre for e in plan.entries.all()] == [two_cadres[1]]


def test_a_change_made_since_the_form_was_drawn_is_not_overwritten(board_officer, make_plan, two_cadres):
    plan = make_plan()
    seen = services.plan_version(plan)
    services.plan_update(
        actor=board_officer, plan=plan, version=seen, data={}, entries=[services.EntryRow(cadre=two_cadres[0])]
    )
    with pytest.raises(ValidationError) as refused:
        services.plan_update(actor=board_officer, plan=plan, version=seen, data={"title": "luân chuyển"})
    assert refused.value.message_dict[NON_FIELD_ERRORS] == [STALE_MESSAGE]


def test_a_failed_row_writes_nothing(board_officer, make_plan, two_cadres):
    with pytest.raises(ValidationError) as refused:
        make_plan(entries=[services.EntryRow(cadre=two_cadres[0]), services.EntryRow(cadre=two_cadres[0])])
    assert "Cán bộ thứ 2 (Nông Minh Cường): Cán bộ đã có trong danh sách của kế hoạch." in refusal(refused, "entries")
    assert not Plan.objects.exists() and not PlanEntry.objects.exists()


def test_every_write_is_audited_with_the_actor_and_the_reason(board_officer, make_plan):
    plan = make_plan()
    services.plan_issue(actor=board_officer, plan=plan, version=services.plan_version(plan), reason="Hội nghị BTV")
    events = {e.pgh_label: e for e in pghistory.models.Events.objects.tracks(plan)}
    assert sorted(events) == ["insert", "update"]
    assert events["insert"].pgh_context["reason"] == "Lập kế hoạch"
    assert events["update"].pgh_context["username"] == board_officer.username
    assert events["update"].pgh_context["reason"] == "Hội nghị BTV"
    assert events["update"].pgh_diff["status"] == ["draft", "issued"]


# --- Amendments ---


def test_an_amendment_is_a_new_numbered_version_linked_to_the_plan_it_amends(
    board_officer, make_plan, two_cadres, title_bi_thu
):
    plan = make_plan(
        symbol="42-KH/TU",
        issue=True,
        targets=[services.TargetRow(direction="tinh_huyen", count=3)],
        entries=[services.EntryRow(cadre=two_cadres[0], dest_title=title_bi_thu)],
    )
    amendment = services.plan_amend(
        actor=board_officer, plan=plan, version=services.plan_version(plan), day=D(2018, 6, 1)
    )
    assert (amendment.version, amendment.amends, amendment.status) == (2, plan, PlanStatus.DRAFT)
    assert amendment.symbol == "43-KH/TU" and amendment.date == D(2018, 6, 1)
    assert amendment.content_section == plan.content_section
    assert [(t.direction, t.count) for t in amendment.targets.all()] == [("tinh_huyen", 3)]
    assert [(e.cadre, e.dest_title) for e in amendment.entries.all()] == [(two_cadres[0], title_bi_thu)]
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ISSUED  # the amended version stays as it was
    with pytest.raises(ValidationError) as refused:
        services.plan_amend(actor=board_officer, plan=plan, version=services.plan_version(plan))
    assert "đã có văn bản sửa đổi, bổ sung (43-KH/TU)" in refusal(refused, NON_FIELD_ERRORS)
    with pytest.raises(ValidationError) as refused:
        services.plan_amend(actor=board_officer, plan=amendment, version=services.plan_version(amendment))
    assert "bản dự thảo thì sửa trực tiếp" in refusal(refused, NON_FIELD_ERRORS)


# --- What carried the plan out ---


def test_a_planned_cadre_is_linked_to_the_posting_that_carried_it_out(world, board_officer, make_plan, two_cadres):
    cadre, other = two_cadres
    plan = make_plan(issue=True, entries=[services.EntryRow(cadre=cadre)])
    entry = plan.entries.get()
    with pytest.raises(ValidationError) as refused:
        services.plan_entry_link(actor=board_officer, entry=entry, posting=posting_of(world, other, D(2018, 3, 15)))
    assert "của cán bộ khác" in refusal(refused, "posting")
    earlier = posting_of(world, cadre, D(2017, 3, 15), actual_end=D(2018, 3, 1), status="ended")
    with pytest.raises(ValidationError) as refused:
        services.plan_entry_link(actor=board_officer, entry=entry, posting=earlier)
    assert "trước ngày của kế hoạch (23/8/2017)" in refusal(refused, "posting")
    posting = posting_of(world, cadre, D(2018, 3, 15))
    assert services.plan_entry_link(actor=board_officer, entry=entry, posting=posting).posting == posting
    assert services.plan_entry_link(actor=board_officer, entry=entry, posting=None).posting is None


def test_the_header_lines_follow_the_issuer(world):
    assert services.header_defaults(world.provincial_committee) == {
        "superior_body": "",
        "issuing_body": "TỈNH ỦY THỬ",
        "place": "Thử",
    }
    assert services.header_defaults(world.district_a_committee) == {
        "superior_body": "ĐẢNG BỘ TỈNH THỬ",
        "issuing_body": "HUYỆN ỦY AN",
        "place": "An",
    }


def test_the_data_helper_is_complete(world):
    assert set(services.PLAN_FIELDS) <= set(plan_data(world)) | {"period"}


def test_blank_header_lines_take_the_issuers_and_a_blanked_number_is_given_again(world, board_officer, make_plan):
    plan = make_plan(
        issuing_unit=world.district_a_committee, superior_body="", issuing_body="", place="", symbol="07-KH/HU"
    )
    assert (plan.superior_body, plan.issuing_body, plan.place) == ("ĐẢNG BỘ TỈNH THỬ", "HUYỆN ỦY AN", "An")
    # Blanking the number asks the register again: the plan does not count against itself.
    services.plan_update(actor=board_officer, plan=plan, version=services.plan_version(plan), data={"symbol": ""})
    plan.refresh_from_db()
    assert plan.symbol == "01-KH/HU"
