"""Every figure of compute() against the hand-built registry (conftest.py), answers written out by hand.

Each figure's drill-down querystring, applied to the posting or cadre list, gives exactly that many rows.
"""

from __future__ import annotations

import json

import pytest

from reports.statistics.engine import compute
from tests.statistics.conftest import listed, shown

pytestmark = pytest.mark.django_db

COLUMNS_2021 = [
    "tw_tinh",
    "tinh_huyen",
    "huyen_tinh",
    "huyen_huyen",
    "nganh_nganh",
    "tinh_xa",
    "huyen_xa",
    "xa_huyen",
    "xa_xa",
    "phong_phong",
]
COLUMNS_2025 = ["tw_tinh", "tinh_tw", "nganh_nganh", "tinh_xa", "xa_tinh", "xa_xa"]


def run(registry, unit="province", start="2016-01-01", end="2020-12-31", **extra):
    unit_obj = getattr(registry.world, unit) if isinstance(unit, str) else unit
    return compute({"unit": unit_obj.pk if unit_obj else None, "start": start, "end": end, **extra})


def row(result, key):
    return next(r for r in result["sections"]["form11"]["rows"] if r["key"] == key)


def assert_drills_match(user, list_name, pairs):
    """pairs: (value, querystring); each querystring lists exactly `value` rows."""
    for value, querystring in pairs:
        assert listed(user, list_name, querystring) == value, querystring


# --- Biểu 11 ---


def test_form11_for_2016_2020_counts_each_rotation_once_by_its_direction(registry, board_officer):
    result = run(registry)
    form = result["sections"]["form11"]
    assert [c["key"] for c in form["columns"]] == COLUMNS_2021
    assert [c["number"] for c in form["columns"]] == list(range(3, 13))
    assert form["columns"][0]["group"] == "Cấp tỉnh quyết định"
    assert form["columns"][6]["group"] == "Cấp huyện quyết định"
    # P1, P2, P3, P4, P7, P13. Not P9 (cancelled), P10 (concurrent), P12 (điều động), P15 (2015).
    assert result["total"]["value"] == 6
    expected = {
        # row:            tw tinh_h huyen_t h_h ng tinh_x huyen_x x_h x_x ph  total other
        "total":           [1, 1, 1, 0, 0, 0, 2, 0, 0, 0, 6, 1],
        "women":           [0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0],
        "minority":        [1, 0, 1, 0, 0, 0, 2, 0, 0, 0, 5, 1],
        "religion":        [1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0],
        "adds_title":      [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0],
        "age_40":          [1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 4, 1],
        "age_41-50":       [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0],
        "age_51":          [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0],
        # As recorded today: c3's university degree (recorded 2019) counts (see the composition for dates).
        "qualification_trung_cap":    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        "qualification_cao_dang":     [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0],
        "qualification_dai_hoc":      [0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 3, 1],
        "qualification_tren_dai_hoc": [1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0],
        "qualification_none":         [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        "theory_so_cap":              [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0],
        "theory_trung_cap":           [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 1],
        "theory_cao_cap_cu_nhan":     [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0],
        "theory_none":                [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    }  # fmt: skip
    keys = [*COLUMNS_2021, "_total", "_other"]
    for key, numbers in expected.items():
        assert [row(result, key)["values"][k] for k in keys] == numbers, key
    # The article's "between province and district" figure: tinh_huyen + huyen_tinh.
    assert row(result, "total")["values"]["tinh_huyen"] + row(result, "total")["values"]["huyen_tinh"] == 2
    # P7 (xã về tỉnh, not a column of the 2021 form) is in the total and in no column.
    assert form["other_column"]["directions"] == ["xa_tinh"]
    headings = [r["key"] for r in form["rows"] if r["heading"]]
    assert headings == ["of_which", "age", "qualification", "theory"]
    # Every cell, zeros included, drills down to exactly its rows.
    cells = [(row(result, key)["values"][k], row(result, key)["drill"][k]) for key in expected for k in keys]
    assert_drills_match(board_officer, form["drill_list"], cells)
    assert listed(board_officer, "postings:list", result["total"]["drill"]) == 6


def test_a_period_spanning_1_july_2025_shows_both_column_sets(registry, board_officer):
    result = run(registry, end="2025-12-31")
    form = result["sections"]["form11"]
    assert [c["key"] for c in form["columns"]] == [*COLUMNS_2021, "tinh_tw", "xa_tinh"]
    assert [v["key"] for v in form["versions"]] == ["2021", "2025"]
    assert next(c for c in form["columns"] if c["key"] == "xa_xa")["versions"] == ["2021", "2025"]
    total = row(result, "total")
    # + P5 (tinh_xa), P6 (xa_xa), P8 (khác), P14 (xa_tinh); P7 (xa_tinh) now has a column.
    assert total["values"] == {
        "tw_tinh": 1,
        "tinh_huyen": 1,
        "huyen_tinh": 1,
        "huyen_huyen": 0,
        "nganh_nganh": 0,
        "tinh_xa": 1,
        "huyen_xa": 2,
        "xa_huyen": 0,
        "xa_xa": 1,
        "phong_phong": 0,
        "tinh_tw": 0,
        "xa_tinh": 2,
        "_total": 10,
        "_other": 1,
    }
    assert form["other_column"]["directions"] == ["khac"]
    assert_drills_match(
        board_officer, "postings:list", [(total["values"][k], total["drill"][k]) for k in total["values"]]
    )
    # Ages on the cut-off day 31/12/2025: ≤ 40 c2 (P2, P13), c3, c10; 41–50 c1, c5, c7, c8; > 50 c4, c6.
    assert [row(result, f"age_{band}")["values"]["_total"] for band in ("40", "41-50", "51")] == [4, 4, 2]


def test_a_period_after_the_reorganisation_has_no_district_columns(registry, board_officer):
    result = run(registry, start="2025-07-01", end="2025-12-31")
    form = result["sections"]["form11"]
    assert [c["key"] for c in form["columns"]] == COLUMNS_2025
    assert all(c["group"] == "Cấp tỉnh quyết định" for c in form["columns"])
    values = row(result, "total")["values"]
    assert (values["tinh_xa"], values["xa_tinh"], values["_total"], values["_other"]) == (1, 1, 2, 0)
    assert listed(board_officer, "postings:list", row(result, "total")["drill"]["xa_tinh"]) == 1


def test_an_age_cutoff_other_than_the_end_of_the_period(registry, board_officer):
    # On 1/1/2016 c1 (born 1975-06-01) is 40, c4 (born 1968-02-02) 47.
    result = run(registry, cutoff="2016-01-01")
    assert row(result, "age_40")["values"]["_total"] == 5
    assert row(result, "age_41-50")["values"]["_total"] == 1
    assert row(result, "age_51")["values"]["_total"] == 0
    assert listed(board_officer, "postings:list", row(result, "age_40")["drill"]["_total"]) == 5


# --- Breakdowns ---


def items(section):
    return {i["key"]: i["value"] for i in section["items"]}


def test_breakdowns_by_kind_purpose_and_destination_title(registry, board_officer):
    sections = run(registry)["sections"]
    by_kind = sections["by_kind"]
    assert items(by_kind) == {"luan_chuyen": 6, "dieu_dong": 1, "biet_phai": 0, "tang_cuong": 0, "bo_nhiem": 0}
    assert by_kind["total"]["value"] == 7
    by_purpose = sections["by_purpose"]
    assert items(by_purpose) == {
        "dao_tao": 4,
        "khong_dia_phuong": 0,
        "qua_hai_nhiem_ky": 0,
        "tang_cuong_co_so": 1,
        "khac": 1,
    }
    titles = registry.titles
    by_post = sections["by_post_group"]
    assert [(i["label"], i["value"], i["is_key"]) for i in by_post["items"]] == [
        ("Chuyên viên (thống kê)", 3, False),
        ("Bí thư (thống kê)", 2, True),
        ("Trưởng phòng (thống kê)", 1, False),
    ]
    assert by_post["items"][1]["key"] == str(titles["bt"].pk)
    for section in (by_kind, by_purpose, by_post):
        pairs = [(i["value"], i["drill"]) for i in section["items"]]
        assert_drills_match(
            board_officer, section["drill_list"], [*pairs, (section["total"]["value"], section["total"]["drill"])]
        )


def test_origin_and_destination_units_grouped_as_they_were(registry, board_officer):
    sections = run(registry)["sections"]
    origin = sections["by_origin_unit"]
    assert [(i["key"], i["label"], i["value"]) for i in origin["items"]] == [
        (str(registry.world.district_a.pk), "Huyện An", 4),  # P2, P3, P4, P7
        ("_root", "Cấp tỉnh (Tỉnh Thử)", 1),  # P1 from the Tỉnh ủy
        ("_out", "Ngoài phạm vi đơn vị", 1),  # P13 from the central body
    ]
    dest = sections["by_dest_unit"]
    assert [(i["label"], i["value"]) for i in dest["items"]] == [
        ("Huyện An", 2),
        ("Huyện Bình", 1),
        ("Cấp tỉnh (Tỉnh Thử)", 3),
    ]
    for section in (origin, dest):
        assert_drills_match(board_officer, "postings:list", [(i["value"], i["drill"]) for i in section["items"]])
    # Everything (no unit): grouped by the top-level units; P13 comes from the central body.
    origin_all = run(registry, unit=None)["sections"]["by_origin_unit"]
    assert [(i["label"], i["value"]) for i in origin_all["items"]] == [
        ("Tỉnh Thử", 5),
        ("Ban Tổ chức Trung ương (thử)", 1),
    ]
    assert_drills_match(board_officer, "postings:list", [(i["value"], i["drill"]) for i in origin_all["items"]])


def test_departments_to_key_commune_posts(registry, board_officer):
    section = run(registry)["sections"]["departments_to_key_posts"]
    # P3: Trưởng phòng of Phòng Nội vụ huyện An -> Bí thư of Đảng ủy xã An Một.
    assert items(section) == {"moves": 1, "heads": 1}
    assert_drills_match(board_officer, "postings:list", [(i["value"], i["drill"]) for i in section["items"]])
    assert items(run(registry, unit="district_b")["sections"]["departments_to_key_posts"]) == {"moves": 0, "heads": 0}


# --- The merged commune and today's structure ---


def test_a_merged_commune_as_it_was_and_through_the_lineage(registry, board_officer, office_merged):
    spanning = {"unit": "merged_commune", "end": "2025-12-31"}
    as_it_was = run(registry, **spanning)
    assert as_it_was["total"]["value"] == 2  # P5, P14: only Xã Hợp Nhất's own postings
    today = run(registry, **spanning, structure="current")
    assert today["total"]["value"] == 5  # + P3, P6, P7 of the former Xã An Một
    assert today["scope"]["label"].endswith("(theo cơ cấu hiện nay, gồm các đơn vị tiền thân)")
    total = row(today, "total")["values"]
    assert (total["huyen_xa"], total["xa_xa"], total["tinh_xa"], total["xa_tinh"], total["_other"]) == (1, 1, 1, 2, 0)
    origin = today["sections"]["by_origin_unit"]
    assert [(i["key"], i["value"]) for i in origin["items"]] == [("_root", 3), ("_out", 2)]
    # The commune's office, whose scope reaches its predecessor, lists the same rows as the board.
    for user in (board_officer, office_merged):
        assert listed(user, "postings:list", today["total"]["drill"]) == 5
        assert listed(user, "postings:list", as_it_was["total"]["drill"]) == 2
        assert_drills_match(user, "postings:list", [(i["value"], i["drill"]) for i in origin["items"]])


def test_the_province_in_todays_structure_maps_old_units_to_their_successors(registry, board_officer):
    result = run(registry, end="2025-12-31", structure="current")
    dest = result["sections"]["by_dest_unit"]
    assert [(i["key"], i["value"]) for i in dest["items"]] == [
        (str(registry.world.merged_commune.pk), 2),  # P3 (to Xã An Một, merged) and P5
        ("_root", 5),
        ("_gone", 3),  # P1 (Huyện ủy An), P4 and P6 (Xã Bình Một): no successor recorded
    ]
    assert_drills_match(board_officer, "postings:list", [(i["value"], i["drill"]) for i in dest["items"]])


# --- On rotation, plans, evaluations, composition ---


def test_on_rotation_ending_soon_and_overdue(registry, board_officer):
    section = run(registry)["sections"]["on_rotation"]
    assert section["as_of"] == "2020-12-31"
    # P2, P3, P4, P7 in force on 31/12/2020; P4 is due on 15/2/2021.
    assert items(section) == {"current": 4, "ending_90_days": 1, "overdue": 0}
    later = run(registry, as_of="2025-12-31")["sections"]["on_rotation"]
    # P2, P4, P5, P6, P8, P14; P2, P4 and P8 are past their planned end.
    assert items(later) == {"current": 6, "ending_90_days": 0, "overdue": 3}
    for figures in (section, later):
        assert_drills_match(board_officer, "postings:list", [(i["value"], i["drill"]) for i in figures["items"]])


def test_plan_targets_against_what_was_done(registry, board_officer):
    section = run(registry)["sections"]["plan_vs_actual"]
    assert [(i["plan"], i["label"], i["target"], i["done"], i["share"]) for i in section["items"]] == [
        ("42-KH/TU", "Tỉnh về huyện", 3, 1, 33.33),  # P1 (P9 was cancelled)
        ("42-KH/TU", "Bí thư (thống kê)", 2, 2, 100.0),  # P3, P4
        ("42-KH/TU", "Huyện An", 4, 2, 50.0),  # P1 (Huyện ủy An), P3 (Đảng ủy xã An Một)
    ]
    assert [(p["planned_cadres"], p["carried_out"]) for p in section["plans"]] == [(5, 3)]
    pairs = [(i["done"], i["drill"]) for i in section["items"]] + [(3, section["plans"][0]["drill"])]
    assert_drills_match(board_officer, "postings:list", pairs)
    assert run(registry, start="2021-01-01", end="2021-12-31")["sections"]["plan_vs_actual"]["items"] == []


def test_evaluations_per_year_as_a_share(registry, board_officer):
    section = run(registry)["sections"]["evaluations"]
    assert section["drill_list"] == "cadres:list"
    assert [(i["year"], i["rated"], i["good_or_better"], i["share"]) for i in section["items"]] == [
        (2016, 3, 2, 66.67),  # c1, c3, c4 (c9 has no unit)
        (2020, 4, 3, 75.0),  # c2, c3, c4, c6
    ]
    district = run(registry, unit="district_a")["sections"]["evaluations"]
    assert [(i["year"], i["rated"], i["good_or_better"], i["share"]) for i in district["items"]] == [
        (2016, 2, 1, 50.0),
        (2020, 2, 2, 100.0),
    ]
    everything = run(registry, unit=None)["sections"]["evaluations"]
    assert [(i["rated"], i["good_or_better"]) for i in everything["items"]] == [(4, 3), (4, 3)]
    merged = run(registry, unit="merged_commune", structure="current")["sections"]["evaluations"]
    assert [(i["year"], i["rated"], i["good_or_better"]) for i in merged["items"]] == [(2016, 1, 1), (2020, 1, 1)]
    for s in (section, district, everything, merged):
        pairs = [(i["rated"], i["drill"]["rated"]) for i in s["items"]]
        pairs += [(i["good_or_better"], i["drill"]["good_or_better"]) for i in s["items"]]
        assert_drills_match(board_officer, "cadres:list", pairs)


def test_composition_of_the_rotated_cadres_on_two_days(registry, board_officer):
    section = run(registry)["sections"]["composition"]
    assert section["group"]["size"] == 5  # c1, c2, c3, c4, c7 (c2 twice rotated, counted once)
    assert [(d["date"], d["size"], d["entered_after"]) for d in section["dates"]] == [
        ("2016-01-01", 5, 4),
        ("2020-12-31", 5, 4),
    ]
    professional = {i["key"]: i for i in section["professional"]["items"]}
    before, after = "2016-01-01", "2020-12-31"
    assert {k: (i["values"][before]["value"], i["values"][after]["value"]) for k, i in professional.items()} == {
        "trung_cap": (1, 0),  # c3's degree was recorded in June 2019
        "cao_dang": (1, 1),
        "dai_hoc": (2, 3),
        "tren_dai_hoc": (1, 1),
        "none": (0, 0),
    }
    assert professional["dai_hoc"]["values"][after]["share"] == 60.0
    assert professional["dai_hoc"]["change"] == {"value": 1, "share_points": 20.0}
    assert professional["trung_cap"]["change"] == {"value": -1, "share_points": -20.0}
    theory = {i["key"]: i["values"][after]["value"] for i in section["theory"]["items"]}
    assert theory == {"so_cap": 1, "trung_cap": 2, "cao_cap_cu_nhan": 2, "none": 0}
    pairs = [(section["group"]["size"], section["group"]["drill"])]
    for dimension in ("professional", "theory"):
        for item in section[dimension]["items"]:
            pairs += [(item["values"][day]["value"], item["drill"][day]) for day in (before, after)]
    assert_drills_match(board_officer, "cadres:list", pairs)


# --- The page itself, parameters, determinism ---


def test_the_list_pages_show_the_figures(registry, board_officer, client):
    client.force_login(board_officer)
    result = run(registry, end="2025-12-31")
    assert shown(client, "postings:list", result["total"]["drill"]) == 10
    assert shown(client, "postings:list", row(result, "total")["drill"]["_other"]) == 1
    assert shown(client, "postings:list", row(result, "women")["drill"]["tinh_xa"]) == 1
    evaluation = result["sections"]["evaluations"]["items"][0]
    assert shown(client, "cadres:list", evaluation["drill"]["good_or_better"]) == 2


def test_results_are_plain_json_and_the_same_every_time(registry):
    first = json.dumps(run(registry, end="2025-12-31", structure="current"), ensure_ascii=False)
    second = json.dumps(run(registry, end="2025-12-31", structure="current"), ensure_ascii=False)
    assert first == second
    assert json.loads(first)["parameters"] == {
        "unit": registry.world.province.pk,
        "start": "2016-01-01",
        "end": "2025-12-31",
        "structure": "current",
        "cutoff": "2025-12-31",
        "as_of": "2025-12-31",
        "compare": "2016-01-01",
    }


def test_the_drill_filters_refuse_bad_input_with_a_notice(registry, board_officer, client):
    client.force_login(board_officer)
    for bad in ("origin_group=abc", "dest_group=1:x:period", "direction_not=nowhere", "on_rotation=2020-13-45",
                "qualification=phd", "ending_within=-5", "plan_target=x"):  # fmt: skip
        response = client.get(f"/postings/?{bad}")
        assert response.status_code == 200, bad
        assert response.context["notice"], bad
    for bad in ("recorded_on=yesterday", "evaluated_year=12", "rotated=maybe&rotated_from=x", "theory=none2"):
        response = client.get(f"/cadres/?{bad}")
        assert response.status_code == 200, bad
    # A group on a unit that does not exist lists nothing rather than failing.
    assert listed(board_officer, "postings:list", "origin_group=999999:_root:period") == 0


def test_composition_on_a_day_from_today_on_reads_the_current_records(registry, board_officer):
    section = run(registry, as_of="2099-01-01")["sections"]["composition"]
    assert [(d["date"], d["entered_after"]) for d in section["dates"]] == [("2016-01-01", 4), ("2099-01-01", 0)]
    professional = {i["key"]: i["values"]["2099-01-01"]["value"] for i in section["professional"]["items"]}
    assert professional == {"trung_cap": 0, "cao_dang": 1, "dai_hoc": 3, "tren_dai_hoc": 1, "none": 0}
    drills = [(i["values"]["2099-01-01"]["value"], i["drill"]["2099-01-01"]) for i in section["professional"]["items"]]
    assert_drills_match(board_officer, "cadres:list", drills)


def test_everything_and_the_province_agree_when_every_posting_concerns_the_province(registry):
    # Two ways of reading the postings (one pass for a unit, one aggregate per table for everything)
    # give the same figures here, where every counted posting has an end in Tỉnh Thử.
    province, everything = run(registry, end="2025-12-31"), run(registry, unit=None, end="2025-12-31")
    for name in ("form11", "by_kind", "by_purpose", "by_post_group", "departments_to_key_posts"):
        numbers = [
            [(r["key"], r["values"]) for r in result["sections"]["form11"]["rows"]]
            if name == "form11"
            else [(i["key"], i["value"]) for i in result["sections"][name]["items"]]
            for result in (province, everything)
        ]
        assert numbers[0] == numbers[1], name
    assert everything["total"]["value"] == 10
    assert items(everything["sections"]["by_kind"])["dieu_dong"] == 1
    assert items(everything["sections"]["departments_to_key_posts"]) == {"moves": 1, "heads": 1}
