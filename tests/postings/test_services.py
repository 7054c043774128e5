"""Services: postings are saved only when the rules allow it, audited, and never half-written."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from postings import services
from postings.directions import Direction
from postings.models import Decision, Posting, PostingOutcome, PostingOverride, PostingStatus
from postings.services import (
    OverrideRequest,
    RuleViolation,
    decision_create,
    posting_cancel,
    posting_create,
    posting_end,
    posting_update,
)
from tests.postings import RULE_SET_DAYS, kit_fixture  # noqa: F401  (the `kit` fixture)
from units.models import Term

DAY = RULE_SET_DAYS["QD65"]  # 1/5/2023
START = datetime.date(2023, 6, 1)


def counts():
    PostingEvent = apps.get_model("postings", "PostingEvent")
    return (Posting.objects.count(), PostingOverride.objects.count(), PostingEvent.objects.count())


@pytest.fixture
def move(kit):
    """Keyword arguments for a posting that passes every rule: Tỉnh ủy -> Huyện ủy An, 36 months."""
    origin = kit.position("pho_truong_ban", kit.world.provincial_committee)
    return dict(
        actor=kit.officer,
        cadre=kit.cadre(),
        decision=kit.decision(DAY),
        dest_unit=None,
        dest_position=kit.position("pho_bi_thu", kit.world.district_a_committee),
        origin_position=origin,
        start_date=START,
        reason="Thực hiện kế hoạch luân chuyển năm 2023",
    )


# --- Decisions ---


def test_decision_create_stores_a_well_formed_number_in_its_term(kit):
    decision = decision_create(
        actor=kit.officer,
        symbol="Số 125-QĐ/TU",
        date=DAY,
        issuing_unit=kit.world.provincial_committee,
        signer="Nguyễn Văn A",
    )
    decision.refresh_from_db()
    assert (decision.symbol, decision.number, decision.doc_type, decision.issuer_code) == (
        "125-QĐ/TU",
        125,
        "QĐ",
        "TU",
    )
    assert decision.congress_term == Term.congress_term_on(DAY)


@pytest.mark.parametrize("symbol", ["125/QĐ-TU", "5-QĐ/TU", "125-QĐ/tu", "125-XYZ/TU"])
def test_decision_create_refuses_a_malformed_number(kit, symbol):
    with pytest.raises(ValidationError) as caught:
        decision_create(actor=kit.officer, symbol=symbol, date=DAY, issuing_unit=kit.world.provincial_committee)
    assert "không đúng mẫu" in caught.value.message_dict["symbol"][0]
    assert not Decision.objects.exists()


def test_decision_create_refuses_a_number_used_in_the_same_congress_term_only(kit):
    committee = kit.world.provincial_committee
    decision_create(actor=kit.officer, symbol="42-QĐ/TU", date=DAY, issuing_unit=committee)
    with pytest.raises(ValidationError) as caught:
        decision_create(actor=kit.officer, symbol="42-QĐ/TU", date=DAY.replace(month=12), issuing_unit=committee)
    assert "đã được dùng" in caught.value.message_dict["symbol"][0]
    # Another type, or the next congress term (numbering restarts after a congress), is fine.
    decision_create(actor=kit.officer, symbol="42-KH/TU", date=DAY, issuing_unit=committee)
    decision_create(actor=kit.officer, symbol="42-QĐ/TU", date=datetime.date(2026, 3, 1), issuing_unit=committee)
    assert Decision.objects.count() == 3


def test_two_bodies_with_the_same_abbreviation_number_their_decisions_separately(kit):
    """Every Huyện ủy signs "/HU": the number is unique per issuing body, not per abbreviation."""
    day = RULE_SET_DAYS["QD98"]
    decision_create(actor=kit.officer, symbol="01-QĐ/HU", date=day, issuing_unit=kit.world.district_a_committee)
    decision_create(actor=kit.officer, symbol="01-QĐ/HU", date=day, issuing_unit=kit.district_b_committee)
    with pytest.raises(ValidationError):
        decision_create(actor=kit.officer, symbol="01-QĐ/HU", date=day, issuing_unit=kit.district_b_committee)
    assert Decision.objects.filter(symbol="01-QĐ/HU").count() == 2


def test_decision_create_refuses_a_date_outside_every_congress_term(kit):
    with pytest.raises(ValidationError) as caught:
        decision_create(
            actor=kit.officer,
            symbol="01-QĐ/TU",
            date=datetime.date(1950, 6, 1),
            issuing_unit=kit.world.provincial_committee,
        )
    assert "nhiệm kỳ đại hội" in caught.value.message_dict["symbol"][0]


def test_decision_create_refuses_an_issuer_that_did_not_exist_then(kit):
    with pytest.raises(ValidationError) as caught:
        decision_create(
            actor=kit.officer,
            symbol="01-QĐ/HU",
            date=datetime.date(2025, 8, 1),
            issuing_unit=kit.world.district_a_committee,
        )
    assert "Huyện ủy An" in caught.value.message_dict["issuing_unit"][0]


# --- posting_create ---


def test_posting_create_fills_the_defaults_and_audits_the_write(kit, move):
    posting = posting_create(**move)
    posting.refresh_from_db()
    assert posting.dest_unit == kit.world.district_a_committee
    assert posting.origin_unit == kit.world.provincial_committee
    assert (posting.origin_unit_name, posting.origin_title_name) == ("Tỉnh ủy Thử", "Phó Trưởng ban (thử)")
    assert (posting.dest_unit_name, posting.dest_title_name) == ("Huyện ủy An", "Phó Bí thư (thử)")
    assert posting.planned_months == 36 and posting.planned_end == datetime.date(2026, 6, 1)
    assert posting.direction == Direction.PROVINCE_TO_DISTRICT
    assert posting.rule_set.code == "QD65"
    assert posting.status == PostingStatus.IN_FORCE and not posting.adds_title
    event = apps.get_model("postings", "PostingEvent").objects.filter(pgh_obj_id=posting.pk).latest("pgh_id")
    assert event.pgh_context.metadata["reason"] == move["reason"]
    assert event.pgh_context.metadata["user"] == kit.officer.pk


def test_posting_create_takes_the_origin_from_the_primary_posting_held_on_the_start_date(kit, move):
    first = posting_create(
        **{
            **move,
            "start_date": datetime.date(2020, 1, 1),
            "decision": kit.decision(datetime.date(2019, 12, 1)),
            "origin_position": None,
        }
    )
    assert first.origin_unit is None and first.direction == Direction.OTHER
    posting_end(actor=kit.officer, posting=first, actual_end=START, outcome=PostingOutcome.NEW_POST)
    second_dest = kit.position("pho_bi_thu", kit.district_b_committee)
    second = posting_create(**{**move, "origin_position": None, "dest_position": second_dest})
    assert second.origin_position == first.dest_position
    assert second.origin_unit == kit.world.district_a_committee
    assert second.origin_title_name == "Phó Bí thư (thử)"
    assert second.direction == Direction.DISTRICT_TO_DISTRICT


def test_planned_end_or_planned_months_each_give_the_other(kit, move):
    posting = posting_create(**{**move, "planned_end": datetime.date(2027, 6, 1)})
    assert posting.planned_months == 48


def test_a_warning_without_an_override_is_refused_and_says_what_is_needed(kit, move):
    before = counts()
    with pytest.raises(RuleViolation) as caught:
        posting_create(**{**move, "planned_months": 24})
    [finding] = caught.value.findings
    assert (finding.code, finding.kind, finding.field) == ("R-DURATION", "W", "planned_months")
    [message] = caught.value.message_dict["planned_months"]
    assert message.startswith("Thời gian luân chuyển dự kiến 24 tháng, ít hơn tối thiểu 36 tháng (Quy định 65-QĐ/TW).")
    assert "phải ghi lý do trường hợp đặc biệt" in message
    assert counts() == before


def test_posting_create_with_an_override_stores_it(kit, move):
    override = OverrideRequest("R-DURATION", reason="Cần kiện toàn Ban Thường vụ trước đại hội")
    posting = posting_create(**{**move, "planned_months": 24, "overrides": [override]})
    stored = posting.overrides.get()
    assert (stored.rule_code, stored.reason, stored.granted_by) == (
        "R-DURATION",
        override.reason,
        kit.officer,
    )
    assert not posting.adds_title


def test_an_override_without_a_reason_is_refused(kit, move):
    before = counts()
    with pytest.raises(RuleViolation) as caught:
        posting_create(**{**move, "planned_months": 24, "overrides": [OverrideRequest("R-DURATION", reason="  ")]})
    assert "Phải ghi lý do trường hợp đặc biệt" in caught.value.message_dict["planned_months"][0]
    assert counts() == before


def test_an_override_needs_the_decision_reference_where_the_setting_says_so(kit, move):
    # Trưởng phòng of a district department -> Phó Bí thư Huyện ủy: a higher post (R-EQUIVALENT).
    higher = {**move, "origin_position": kit.position("truong_phong", kit.world.district_a_department)}
    before = counts()
    with pytest.raises(RuleViolation) as caught:
        posting_create(**higher, overrides=[OverrideRequest("R-EQUIVALENT", reason="Cán bộ có năng lực nổi trội")])
    assert [f.code for f in caught.value.findings] == ["R-EQUIVALENT"]
    assert "Phải ghi số, ký hiệu quyết định cho phép" in caught.value.message_dict["dest_position"][0]
    assert counts() == before
    posting = posting_create(
        **higher,
        overrides=[
            OverrideRequest("R-EQUIVALENT", reason="Cán bộ có năng lực nổi trội", decision_reference="15-QĐ/TW")
        ],
    )
    assert posting.overrides.get().decision_reference == "15-QĐ/TW"


def test_overriding_the_quota_marks_the_posting_as_an_added_title(kit, move):
    deputy = kit.position("pho_chu_tich", kit.world.commune_b1, quota=1)
    posting_create(**{**move, "cadre": kit.cadre(), "dest_position": deputy})
    with pytest.raises(RuleViolation) as caught:
        posting_create(**{**move, "dest_position": deputy})
    assert [f.code for f in caught.value.findings] == ["R-QUOTA"]
    posting = posting_create(
        **{
            **move,
            "dest_position": deputy,
            "overrides": [
                OverrideRequest(
                    "R-QUOTA", reason="Xã trọng điểm, tăng cường", decision_reference="Quyết định 120-QĐ/TW"
                )
            ],
        }
    )
    assert posting.adds_title
    assert Posting.objects.filter(adds_title=True).get() == posting


def test_an_error_cannot_be_overridden_and_nothing_is_written(kit, move):
    before = counts()
    with pytest.raises(RuleViolation) as caught:
        posting_create(
            **{
                **move,
                "start_date": DAY - datetime.timedelta(days=1),
                "planned_months": 24,
                "overrides": [
                    OverrideRequest("R-DATES", reason="Nhập bù"),
                    OverrideRequest("R-DURATION", reason="Nhập bù"),
                ],
            }
        )
    assert [(f.code, f.kind) for f in caught.value.findings] == [("R-DATES", "E")]
    assert "trước ngày ký quyết định" in caught.value.message_dict["start_date"][0]
    assert counts() == before


def test_errors_and_unoverridden_warnings_are_reported_together(kit, move):
    with pytest.raises(RuleViolation) as caught:
        posting_create(
            **{
                **move,
                "start_date": DAY - datetime.timedelta(days=1),
                "planned_months": 24,
                "cadre": kit.cadre(planned=False),
            }
        )
    assert {f.code for f in caught.value.findings} == {"R-DATES", "R-DURATION", "R-PLANNING"}
    assert set(caught.value.message_dict) == {"start_date", "planned_months", "cadre"}


def test_an_overlapping_primary_posting_is_refused_but_a_concurrent_one_is_accepted(kit, move):
    posting_create(**move)
    before = counts()
    other = kit.position("pho_chu_tich", kit.world.commune_b1)
    later = {**move, "dest_position": other, "start_date": START.replace(year=2024)}
    with pytest.raises(RuleViolation) as caught:
        posting_create(**later)
    assert [f.code for f in caught.value.findings] == ["R-OVERLAP"]
    assert "kiêm nhiệm" in caught.value.message_dict["start_date"][0]
    assert counts() == before
    concurrent = posting_create(**later, is_primary=False)
    assert not concurrent.is_primary


def test_a_database_refusal_becomes_a_rule_violation_and_writes_nothing(kit, move, monkeypatch):
    """If two saves race past the rule check, the exclusion constraint still answers, in Vietnamese."""
    posting_create(**move)
    monkeypatch.setattr(services, "evaluate_posting", lambda posting, only=None: [])
    monkeypatch.setattr(Posting, "validate_constraints", lambda self, exclude=None: None)
    before = counts()
    with pytest.raises(RuleViolation) as caught:
        posting_create(**{**move, "start_date": START.replace(year=2024)})
    assert "chỉ kiêm nhiệm mới được trùng thời gian" in caught.value.message_dict["start_date"][0]
    assert counts() == before


def test_a_cancelled_decision_carries_no_new_posting(kit, move):
    move["decision"].status = "cancelled"
    move["decision"].cancel_reason = "Ban hành nhầm"
    move["decision"].save()
    with pytest.raises(ValidationError) as caught:
        posting_create(**move)
    assert "đã bị hủy" in caught.value.message_dict["decision"][0]


# --- The database itself, bypassing the services ---


def test_the_exclusion_constraint_refuses_a_direct_overlapping_insert(kit, move):
    first = posting_create(**move)
    fields = {f.attname: getattr(first, f.attname) for f in Posting._meta.concrete_fields if not f.primary_key}
    fields["start_date"] = START.replace(year=2024)
    fields["planned_end"] = START.replace(year=2027)
    with pytest.raises(IntegrityError, match="posting_one_primary_at_a_time"), transaction.atomic():
        Posting.objects.create(**fields)
    fields["is_primary"] = False
    Posting.objects.create(**fields)  # kiêm nhiệm may overlap


def test_the_trigger_refuses_a_start_before_the_decision_on_direct_insert(kit, move):
    first = posting_create(**move)
    fields = {f.attname: getattr(first, f.attname) for f in Posting._meta.concrete_fields if not f.primary_key}
    fields.update(cadre_id=kit.cadre().pk, start_date=DAY - datetime.timedelta(days=1))
    with pytest.raises(IntegrityError, match="trước ngày ký quyết định"), transaction.atomic():
        Posting.objects.create(**fields)


# --- posting_end, posting_update, posting_cancel ---


def test_ending_after_the_minimum_needs_no_override(kit, move):
    posting = posting_create(**move)
    ended = posting_end(
        actor=kit.officer,
        posting=posting,
        actual_end=datetime.date(2026, 6, 1),
        outcome=PostingOutcome.RETURNED,
        reason="Hết thời hạn luân chuyển",
    )
    ended.refresh_from_db()
    assert (ended.status, ended.actual_end, ended.outcome) == (
        PostingStatus.ENDED,
        datetime.date(2026, 6, 1),
        "tro_ve",
    )


def test_ending_early_needs_an_override(kit, move):
    posting = posting_create(**move)
    with pytest.raises(RuleViolation) as caught:
        posting_end(
            actor=kit.officer,
            posting=posting,
            actual_end=datetime.date(2025, 6, 1),
            outcome=PostingOutcome.NEW_POST,
        )
    assert "sớm hơn thời gian tối thiểu 36 tháng" in caught.value.message_dict["actual_end"][0]
    posting.refresh_from_db()
    assert posting.status == PostingStatus.IN_FORCE and posting.actual_end is None
    ended = posting_end(
        actor=kit.officer,
        posting=posting,
        actual_end=datetime.date(2025, 6, 1),
        outcome=PostingOutcome.NEW_POST,
        overrides=[OverrideRequest("R-DURATION", reason="Được bầu giữ chức vụ mới")],
    )
    assert ended.status == PostingStatus.ENDED
    assert ended.overrides.get().rule_code == "R-DURATION"


def test_ending_refuses_an_end_before_the_start_and_a_missing_outcome(kit, move):
    posting = posting_create(**move)
    with pytest.raises(RuleViolation) as caught:
        posting_end(
            actor=kit.officer,
            posting=posting,
            actual_end=START - datetime.timedelta(days=1),
            outcome=PostingOutcome.OTHER,
            overrides=[OverrideRequest("R-DURATION", reason="x")],
        )
    assert "actual_end" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        posting_end(actor=kit.officer, posting=posting, actual_end=datetime.date(2026, 6, 1), outcome="")
    assert "outcome" in caught.value.message_dict


def test_update_rechecks_the_rules_and_keeps_earlier_overrides(kit, move):
    posting = posting_create(
        **{**move, "planned_months": 24, "overrides": [OverrideRequest("R-DURATION", reason="Trước đại hội")]}
    )
    # A new start keeps the planned months; the earlier override still covers R-DURATION.
    updated = posting_update(
        actor=kit.officer,
        posting=posting,
        changes={"start_date": datetime.date(2023, 7, 1)},
        reason="Sửa ngày bắt đầu theo quyết định",
    )
    assert updated.planned_end == datetime.date(2025, 7, 1)
    # Moving to a post above the origin needs its own override, with the decision reference.
    higher = kit.position("bi_thu", kit.world.provincial_committee)
    with pytest.raises(RuleViolation) as caught:
        posting_update(actor=kit.officer, posting=updated, changes={"dest_position": higher})
    assert {f.code for f in caught.value.findings} == {"R-EQUIVALENT"}
    posting.refresh_from_db()
    assert posting.dest_unit == kit.world.district_a_committee
    updated = posting_update(
        actor=kit.officer,
        posting=updated,
        changes={"dest_position": higher},
        overrides=[OverrideRequest("R-EQUIVALENT", "Nổi trội", "20-QĐ/TW")],
    )
    assert (updated.dest_unit, updated.dest_unit_name, updated.dest_title_name) == (
        kit.world.provincial_committee,
        "Tỉnh ủy Thử",
        "Bí thư (thử)",
    )
    assert updated.direction == Direction.SECTOR_TO_SECTOR
    assert set(updated.overrides.values_list("rule_code", flat=True)) == {"R-DURATION", "R-EQUIVALENT"}


def test_update_refuses_status_changes_and_unknown_fields(kit, move):
    posting = posting_create(**move)
    with pytest.raises(ValidationError):
        posting_update(actor=kit.officer, posting=posting, changes={"status": PostingStatus.CANCELLED})


def test_cancel_needs_a_reason_and_deletes_nothing(kit, move):
    posting = posting_create(**move)
    with pytest.raises(ValidationError) as caught:
        posting_cancel(actor=kit.officer, posting=posting, reason=" ")
    assert "lý do" in caught.value.message_dict["cancel_reason"][0]
    cancelled = posting_cancel(actor=kit.officer, posting=posting, reason="Nhập trùng")
    cancelled.refresh_from_db()
    assert (cancelled.status, cancelled.cancel_reason) == (PostingStatus.CANCELLED, "Nhập trùng")
    assert Posting.objects.filter(pk=posting.pk).exists()
    # A cancelled posting no longer holds the cadre's time.
    posting_create(**move)
    with pytest.raises(ValidationError):
        posting_cancel(actor=kit.officer, posting=cancelled, reason="Lần nữa")
