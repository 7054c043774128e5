"""Every rule, passing and failing, under each of the three rule sets (NQ 11/KL 24, QĐ 98, QĐ 65).

"Failing" under a rule set where the rule is off means: not flagged.
"""

from __future__ import annotations

import datetime
import re

import pytest

from cadres.models import PlanningRecord, Sex
from postings.directions import Direction
from postings.models import Decision, PostingPurpose, RuleSet, RuleSetting
from postings.rules import RULES, evaluate_posting, rule_set_for
from tests.factories import UnitFactory
from tests.postings import RULE_SET_DAYS, SET_CODES, kit_fixture  # noqa: F401  (the `kit` fixture)
from units.models import Level, Term, UnitKind

E, W, OFF = "E", "W", None

# The kind each rule has under each rule set, as postings/migrations/0003_rule_sets.py sets it.
EXPECTED_KIND = {
    "R-DATES": {"NQ11_KL24": E, "QD98": E, "QD65": E},
    "R-UNIT-EXISTS": {"NQ11_KL24": E, "QD98": E, "QD65": E},
    "R-DIRECTION": {"NQ11_KL24": E, "QD98": E, "QD65": E},
    "R-OVERLAP": {"NQ11_KL24": E, "QD98": E, "QD65": E},
    "R-DOCNUMBER": {"NQ11_KL24": E, "QD98": E, "QD65": E},
    "R-DURATION": {"NQ11_KL24": W, "QD98": W, "QD65": W},
    "R-REMAINING": {"NQ11_KL24": OFF, "QD98": W, "QD65": W},
    "R-PLANNING": {"NQ11_KL24": W, "QD98": W, "QD65": W},
    "R-EQUIVALENT": {"NQ11_KL24": OFF, "QD98": W, "QD65": W},
    "R-QUOTA": {"NQ11_KL24": OFF, "QD98": OFF, "QD65": W},
    "R-NONLOCAL": {"NQ11_KL24": W, "QD98": W, "QD65": W},
    "R-TWO-TERMS": {"NQ11_KL24": W, "QD98": W, "QD65": W},
}
SET_NAMES = {
    "NQ11_KL24": "Nghị quyết 11-NQ/TW và Kết luận 24-KL/TW",
    "QD98": "Quy định 98-QĐ/TW",
    "QD65": "Quy định 65-QĐ/TW",
}


def findings_for(posting, code):
    return [finding for finding in evaluate_posting(posting) if finding.code == code]


def assert_passes(posting, code):
    assert findings_for(posting, code) == []


def assert_fails(posting, code, set_code, *, field=None):
    """Flagged with the kind of the rule set (or not at all when the rule is off there)."""
    found = findings_for(posting, code)
    expected = EXPECTED_KIND[code][set_code]
    if expected is OFF:
        assert found == []
        return []
    assert found, f"{code} not flagged under {set_code}"
    assert {finding.kind for finding in found} == {expected}
    if field is not None:
        assert field in {finding.field for finding in found}
    for finding in found:
        assert finding.message.endswith(".")
        if expected == W:  # policy messages cite the rule set in force on the decision date
            assert f"({SET_NAMES[set_code]})." in finding.message
    return found


# --- Rule sets and the engine ---


def test_every_rule_of_the_design_is_implemented_and_configured_in_each_set(kit):
    assert set(RULES) == set(EXPECTED_KIND)
    for code in SET_CODES:
        settings = {s.rule_code: s for s in RuleSet.objects.get(code=code).settings.all()}
        assert set(settings) == set(EXPECTED_KIND)
        for rule_code, kinds in EXPECTED_KIND.items():
            assert settings[rule_code].kind == (kinds[code] or "off"), (code, rule_code)


@pytest.mark.parametrize(
    ("day", "code"),
    [
        (datetime.date(2002, 1, 25), "NQ11_KL24"),
        (datetime.date(2017, 8, 23), "NQ11_KL24"),
        (datetime.date(2017, 10, 6), "NQ11_KL24"),
        (datetime.date(2017, 10, 7), "QD98"),
        (datetime.date(2022, 4, 27), "QD98"),
        (datetime.date(2022, 4, 28), "QD65"),
        (datetime.date(2026, 1, 9), "QD65"),
    ],
)
def test_the_rule_set_is_the_one_in_force_on_the_day(kit, day, code):
    assert rule_set_for(day).code == code


def test_decision_references_are_required_for_the_exceptional_posts_under_qd98_and_qd65(kit):
    needing = set(
        RuleSetting.objects.filter(requires_decision_reference=True).values_list("rule_set__code", "rule_code")
    )
    assert needing == {(s, r) for s in ("QD98", "QD65") for r in ("R-EQUIVALENT", "R-NONLOCAL", "R-TWO-TERMS")} | {
        ("QD65", "R-QUOTA")
    }


def test_kinds_and_thresholds_come_from_the_data(kit):
    day = RULE_SET_DAYS["QD65"]
    short = kit.posting(day=day, months=30)
    setting = RuleSetting.objects.get(rule_set__code="QD65", rule_code="R-DURATION")
    setting.kind = "E"
    setting.save()
    assert [f.kind for f in findings_for(short, "R-DURATION")] == ["E"]
    setting.params = {**setting.params, "min_months": 24}
    setting.save()
    assert findings_for(short, "R-DURATION") == []
    setting.kind = "off"
    setting.params = {**setting.params, "min_months": 48}
    setting.save()
    assert findings_for(short, "R-DURATION") == []


def test_a_default_posting_passes_every_rule_under_each_set(kit):
    for day in RULE_SET_DAYS.values():
        assert evaluate_posting(kit.posting(day=day)) == []


# --- Data integrity rules (E everywhere) ---


@pytest.mark.parametrize("set_code", SET_CODES)
def test_r_dates(kit, set_code):
    day = RULE_SET_DAYS[set_code]
    assert_passes(kit.posting(day=day, start=day), "R-DATES")
    [finding] = assert_fails(
        kit.posting(day=day, start=day - datetime.timedelta(days=1)), "R-DATES", set_code, field="start_date"
    )
    assert "trước ngày ký quyết định" in finding.message
    start = day + datetime.timedelta(days=5)
    assert_fails(kit.posting(day=day, start=start, planned_end=start), "R-DATES", set_code, field="planned_end")
    assert_fails(
        kit.posting(day=day, start=start, actual_end=start - datetime.timedelta(days=1)),
        "R-DATES",
        set_code,
        field="actual_end",
    )


@pytest.mark.parametrize("set_code", SET_CODES)
def test_r_unit_exists(kit, set_code):
    day = RULE_SET_DAYS[set_code]
    assert_passes(kit.posting(day=day), "R-UNIT-EXISTS")
    # Đảng ủy xã Hợp Nhất exists only from 1/7/2025.
    later_unit = kit.position("pho_bi_thu", kit.world.merged_commune_committee)
    [finding] = assert_fails(kit.posting(day=day, dest=later_unit), "R-UNIT-EXISTS", set_code, field="dest_unit")
    assert "Đảng ủy xã Hợp Nhất" in finding.message and "không tồn tại" in finding.message


def test_r_unit_exists_refuses_district_units_from_july_2025(kit):
    day = datetime.date(2025, 8, 1)
    origin = kit.position("pho_truong_ban", kit.world.provincial_committee)
    # The world's districts end on 30/6/2025 ...
    ended = kit.position("pho_bi_thu", kit.world.district_a_committee)
    [finding] = findings_for(kit.posting(day=day, origin=origin, dest=ended), "R-UNIT-EXISTS")
    assert finding.field == "dest_unit" and "30/6/2025" in finding.message
    # ... and a district recorded without an end date is still impossible.
    open_district = UnitFactory(kind=UnitKind.DISTRICT, name="Huyện Chưa Đóng", parent=kit.world.province)
    committee = UnitFactory(kind=UnitKind.PARTY_COMMITTEE, name="Huyện ủy Chưa Đóng", parent=open_district)
    assert committee.level == Level.DISTRICT
    found = findings_for(
        kit.posting(day=day, origin=origin, dest=kit.position("pho_bi_thu", committee)), "R-UNIT-EXISTS"
    )
    assert [f.field for f in found] == ["dest_unit"]
    assert "không còn cấp huyện" in found[0].message


def test_r_unit_exists_checks_that_a_position_belongs_to_its_unit(kit):
    day = RULE_SET_DAYS["QD65"]
    posting = kit.posting(day=day, dest_unit=kit.district_b_committee)
    assert "dest_position" in {f.field for f in findings_for(posting, "R-UNIT-EXISTS")}


@pytest.mark.parametrize("set_code", SET_CODES)
def test_r_direction(kit, set_code):
    day = RULE_SET_DAYS[set_code]
    good = kit.posting(day=day)
    assert good.direction == Direction.PROVINCE_TO_DISTRICT
    assert_passes(good, "R-DIRECTION")
    [finding] = assert_fails(
        kit.posting(day=day, direction=Direction.COMMUNE_TO_COMMUNE),
        "R-DIRECTION",
        set_code,
        field="dest_unit",
    )
    assert "Tỉnh về huyện" in finding.message


def test_r_direction_refuses_district_directions_from_july_2025(kit):
    open_district = UnitFactory(kind=UnitKind.DISTRICT, name="Huyện Chưa Đóng", parent=kit.world.province)
    dest = kit.position("pho_bi_thu", open_district)
    [finding] = findings_for(kit.posting(day=datetime.date(2025, 8, 1), dest=dest), "R-DIRECTION")
    assert "không còn cấp huyện" in finding.message


@pytest.mark.parametrize("set_code", SET_CODES)
def test_r_overlap(kit, set_code):
    day = RULE_SET_DAYS[set_code]
    cadre = kit.cadre()
    elsewhere = kit.position("pho_chu_tich", kit.world.commune_b1)
    earlier = day - datetime.timedelta(days=700)
    # A concurrent post (kiêm nhiệm) held at the same time does not count.
    kit.held(cadre=cadre, dest=elsewhere, start=earlier, end=None, is_primary=False)
    assert_passes(kit.posting(day=day, cadre=cadre), "R-OVERLAP")
    # A primary post ended on the day this one starts does not overlap ([start, end) ranges).
    start = day + datetime.timedelta(days=30)
    ended = kit.held(
        cadre=cadre,
        dest=kit.position("pho_truong_ban", kit.world.provincial_committee),
        start=earlier,
        end=start,
    )
    assert_passes(kit.posting(day=day, cadre=cadre, start=start), "R-OVERLAP")
    # Still open: overlaps.
    ended.actual_end = None
    ended.status = "in_force"
    ended.save()
    [finding] = assert_fails(kit.posting(day=day, cadre=cadre, start=start), "R-OVERLAP", set_code, field="start_date")
    assert "chưa kết thúc" in finding.message and "kiêm nhiệm" in finding.message
    # The new posting as a concurrent post is fine.
    assert_passes(kit.posting(day=day, cadre=cadre, start=start, is_primary=False), "R-OVERLAP")


@pytest.mark.parametrize("set_code", SET_CODES)
def test_r_docnumber(kit, set_code):
    day = RULE_SET_DAYS[set_code]
    existing = kit.decision(day, symbol="125-QĐ/TU")
    assert_passes(kit.posting(day=day, decision=existing), "R-DOCNUMBER")
    # The same number again in the same congress term (unsaved: the database would refuse it).
    duplicate = Decision(
        symbol="125-QĐ/TU", date=day + datetime.timedelta(days=3), issuing_unit=kit.world.provincial_committee
    )
    [finding] = assert_fails(kit.posting(day=day, decision=duplicate), "R-DOCNUMBER", set_code, field="decision")
    assert "đã được dùng" in finding.message
    malformed = Decision(symbol="QĐ-125/TU", date=day, issuing_unit=kit.world.provincial_committee)
    [finding] = assert_fails(kit.posting(day=day, decision=malformed), "R-DOCNUMBER", set_code, field="decision")
    assert "không đúng mẫu" in finding.message


# --- Policy rules (W or off) ---


@pytest.mark.parametrize("set_code", SET_CODES)
def test_r_duration(kit, set_code):
    day = RULE_SET_DAYS[set_code]
    assert_passes(kit.posting(day=day, months=36), "R-DURATION")
    found = assert_fails(kit.posting(day=day, months=24), "R-DURATION", set_code, field="planned_months")
    assert found[0].message.startswith("Thời gian luân chuyển dự kiến 24 tháng, ít hơn tối thiểu 36 tháng (")


@pytest.mark.parametrize("set_code", SET_CODES)
def test_r_duration_flags_ending_early(kit, set_code):
    day = RULE_SET_DAYS[set_code]
    start = day + datetime.timedelta(days=30)
    assert_passes(kit.posting(day=day, start=start, actual_end=start.replace(year=start.year + 3)), "R-DURATION")
    early = kit.posting(day=day, start=start, actual_end=start.replace(year=start.year + 2), status="ended")
    [finding] = assert_fails(early, "R-DURATION", set_code, field="actual_end")
    assert "sau 24 tháng" in finding.message


def test_r_duration_applies_to_rotations_only(kit):
    day = RULE_SET_DAYS["QD65"]
    assert findings_for(kit.posting(day=day, months=12, kind="dieu_dong"), "R-DURATION") == []


@pytest.mark.parametrize("set_code", SET_CODES)
def test_r_remaining(kit, set_code):
    day = RULE_SET_DAYS[set_code]
    assert_passes(kit.posting(day=day, cadre=kit.cadre(born=datetime.date(1980, 5, 17))), "R-REMAINING")
    # A man of 55 at the decision: about 6–7 years left.
    older = kit.cadre(born=day.replace(year=day.year - 55))
    found = assert_fails(kit.posting(day=day, cadre=older), "R-REMAINING", set_code, field="cadre")
    if found:
        assert "ít hơn tối thiểu 10 năm" in found[0].message
        assert "Nghị định 135/2020/NĐ-CP" in found[0].message


def test_r_remaining_needs_five_years_for_the_non_local_and_two_term_purposes(kit):
    day = RULE_SET_DAYS["QD65"]  # start 31/5/2023
    seven_left = kit.cadre(born=datetime.date(1968, 1, 10))  # a man: retires at 62 in 1/2030
    for purpose in (PostingPurpose.NON_LOCAL, PostingPurpose.TWO_TERMS):
        assert findings_for(kit.posting(day=day, cadre=seven_left, purpose=purpose), "R-REMAINING") == []
    assert findings_for(kit.posting(day=day, cadre=seven_left), "R-REMAINING")  # training: 10 years
    four_left = kit.cadre(born=datetime.date(1966, 3, 10))  # retires at 61y9m in 12/2027
    [finding] = findings_for(kit.posting(day=day, cadre=four_left, purpose=PostingPurpose.NON_LOCAL), "R-REMAINING")
    assert "tối thiểu 5 năm" in finding.message and "còn 4 năm 7 tháng" in finding.message


def test_r_remaining_uses_the_womens_schedule(kit):
    day = RULE_SET_DAYS["QD65"]  # start 31/5/2023
    # Born 1/1975: a woman reaches 59y8m in 9/2034 -> 11 years left; a man of the same age has 13.
    woman = kit.cadre(born=datetime.date(1975, 1, 10), sex=Sex.FEMALE)
    assert findings_for(kit.posting(day=day, cadre=woman), "R-REMAINING") == []
    # Born 1/1973: she reaches 58y8m in 9/2031 (the age of 2031) -> 8 years 4 months left.
    woman = kit.cadre(born=datetime.date(1973, 1, 10), sex=Sex.FEMALE)
    [finding] = findings_for(kit.posting(day=day, cadre=woman), "R-REMAINING")
    assert "còn 8 năm 4 tháng" in finding.message and "tháng 9/2031" in finding.message


@pytest.mark.parametrize("set_code", SET_CODES)
def test_r_planning(kit, set_code):
    day = RULE_SET_DAYS[set_code]
    assert_passes(kit.posting(day=day, cadre=kit.cadre(planned=True)), "R-PLANNING")
    unplanned = kit.cadre(planned=False)
    assert_fails(kit.posting(day=day, cadre=unplanned), "R-PLANNING", set_code, field="cadre")
    # Only rotations for training need the planning pool.
    assert_passes(kit.posting(day=day, cadre=unplanned, purpose=PostingPurpose.GRASSROOTS), "R-PLANNING")


def test_r_planning_looks_at_the_decision_date(kit):
    day = RULE_SET_DAYS["QD65"]
    cadre = kit.cadre(planned=False)
    PlanningRecord.objects.create(
        cadre=cadre,
        target_title=kit.titles["bi_thu"],
        term=Term.congress_term_on(day),
        valid_from=day + datetime.timedelta(days=1),
    )
    assert findings_for(kit.posting(day=day, cadre=cadre), "R-PLANNING")


@pytest.mark.parametrize("set_code", SET_CODES)
def test_r_equivalent(kit, set_code):
    day = RULE_SET_DAYS[set_code]
    dest = kit.position("pho_bi_thu", kit.world.district_a_committee)  # district level, rank 80
    lower_origin = kit.position("pho_truong_ban", kit.world.provincial_committee)  # province, rank 50
    assert_passes(kit.posting(day=day, origin=lower_origin, dest=dest), "R-EQUIVALENT")
    # Trưởng phòng of a district department (rank 40) -> Phó Bí thư Huyện ủy (rank 80): higher.
    department_head = kit.position("truong_phong", kit.world.district_a_department)
    found = assert_fails(
        kit.posting(day=day, origin=department_head, dest=dest),
        "R-EQUIVALENT",
        set_code,
        field="dest_position",
    )
    if found:
        assert found[0].requires_decision_reference
        assert "nổi trội" in found[0].message
    # Without an origin position there is nothing to compare.
    assert_passes(kit.posting(day=day, origin=department_head, dest=dest, origin_position=None), "R-EQUIVALENT")


@pytest.mark.parametrize("set_code", SET_CODES)
def test_r_quota(kit, set_code):
    day = RULE_SET_DAYS[set_code]
    deputy = kit.position("pho_chu_tich", kit.world.commune_b1, quota=2)
    kit.held(cadre=kit.cadre(), dest=deputy, start=day - datetime.timedelta(days=400), end=None)
    assert_passes(kit.posting(day=day, dest=deputy), "R-QUOTA")
    kit.position("pho_chu_tich", kit.world.commune_b1, quota=1)
    deputy.refresh_from_db()
    [finding] = assert_fails(kit.posting(day=day, dest=deputy), "R-QUOTA", set_code, field="dest_position") or [None]
    if finding:
        assert "vượt số lượng theo quy định 1" in finding.message and "tăng thêm chức danh" in finding.message


@pytest.mark.parametrize("set_code", SET_CODES)
def test_r_nonlocal(kit, set_code):
    day = RULE_SET_DAYS[set_code]
    secretary = kit.position("bi_thu", kit.world.district_a_committee)
    from_b = kit.cadre(home_town_unit=kit.world.commune_b1)
    assert_passes(kit.posting(day=day, cadre=from_b, dest=secretary), "R-NONLOCAL")
    born_in_a = kit.cadre(home_town_unit=kit.world.commune_b1, birthplace_unit=kit.world.commune_a1)
    [finding] = assert_fails(
        kit.posting(day=day, cadre=born_in_a, dest=secretary), "R-NONLOCAL", set_code, field="dest_position"
    )
    assert "nơi sinh" in finding.message and "Huyện An" in finding.message
    assert finding.requires_decision_reference == (set_code != "NQ11_KL24")
    # A deputy post is not one of the non-local posts.
    assert_passes(kit.posting(day=day, cadre=born_in_a), "R-NONLOCAL")


def test_r_nonlocal_flags_a_home_town_recorded_only_at_a_higher_level(kit):
    day = RULE_SET_DAYS["QD65"]
    cadre = kit.cadre(home_town_unit=kit.world.province)
    [finding] = findings_for(
        kit.posting(day=day, cadre=cadre, dest=kit.position("bi_thu", kit.world.district_a_committee)),
        "R-NONLOCAL",
    )
    assert "bao gồm" in finding.message


def test_r_nonlocal_applies_to_commune_secretaries_only_from_july_2025_and_follows_mergers(kit):
    from_a1 = kit.cadre(home_town_unit=kit.world.commune_a1)
    before = kit.posting(
        day=RULE_SET_DAYS["QD65"], cadre=from_a1, dest=kit.position("bi_thu", kit.world.commune_a1_committee)
    )
    assert findings_for(before, "R-NONLOCAL") == []
    # Xã An Một merged into Xã Hợp Nhất on 1/7/2025: a cadre from An Một is local there.
    origin = kit.position("pho_truong_ban", kit.world.provincial_committee)
    after = kit.posting(
        day=datetime.date(2025, 8, 1),
        cadre=from_a1,
        origin=origin,
        dest=kit.position("bi_thu", kit.world.merged_commune_committee),
    )
    [finding] = findings_for(after, "R-NONLOCAL")
    assert "nay là Xã Hợp Nhất" in finding.message


@pytest.mark.parametrize("set_code", SET_CODES)
def test_r_two_terms(kit, set_code):
    day = RULE_SET_DAYS[set_code]
    start = day + datetime.timedelta(days=30)
    secretary = kit.position("bi_thu", kit.world.district_a_committee)
    other_place = kit.position("bi_thu", kit.world.commune_a1_committee)
    cadre = kit.cadre(home_town_unit=kit.world.commune_b1)
    # Eight years as Bí thư elsewhere: a different post.
    kit.held(cadre=cadre, dest=other_place, start=start.replace(year=start.year - 8), end=start)
    assert_passes(kit.posting(day=day, cadre=cadre, dest=secretary, start=start), "R-TWO-TERMS")
    # Eight years as Bí thư of the same Huyện ủy, then again: a third (or fourth) consecutive term.
    again = kit.cadre(home_town_unit=kit.world.commune_b1)
    kit.held(cadre=again, dest=secretary, start=start.replace(year=start.year - 8), end=start)
    [finding] = assert_fails(
        kit.posting(day=day, cadre=again, dest=secretary, start=start),
        "R-TWO-TERMS",
        set_code,
        field="dest_position",
    )
    assert re.search(r" [34] nhiệm kỳ liên tiếp \(", finding.message) and "quá tối đa 2 nhiệm kỳ" in finding.message


def test_r_two_terms_counts_postings_recorded_by_title_name_only(kit):
    day = RULE_SET_DAYS["QD65"]
    start = day + datetime.timedelta(days=30)
    secretary = kit.position("bi_thu", kit.world.district_a_committee)
    cadre = kit.cadre()
    earlier = kit.held(cadre=cadre, dest=secretary, start=start.replace(year=start.year - 8), end=start)
    earlier.dest_position = None
    earlier.dest_title_name = "BÍ THƯ (thử)"
    earlier.save()
    assert findings_for(kit.posting(day=day, cadre=cadre, dest=secretary, start=start), "R-TWO-TERMS")


def test_r_two_terms_is_about_head_posts(kit):
    day = RULE_SET_DAYS["QD65"]
    start = day + datetime.timedelta(days=30)
    deputy = kit.position("pho_bi_thu", kit.world.district_a_committee)
    cadre = kit.cadre()
    kit.held(cadre=cadre, dest=deputy, start=start.replace(year=start.year - 8), end=start)
    assert findings_for(kit.posting(day=day, cadre=cadre, dest=deputy, start=start), "R-TWO-TERMS") == []
