"""A small hand-built registry in the shared `world` whose figures are written out in the tests.

Units (tests/conftest.py), plus a central body C:

    C  Ban Tổ chức Trung ương (thử)            central, top level
    Tỉnh Thử ── Tỉnh ủy Thử (TU)
             ├─ Huyện An (to 30/6/2025) ── Huyện ủy An (HUA), Phòng Nội vụ huyện An (DEP_A)
             │                          └─ Xã An Một (to 30/6/2025) ── Đảng ủy xã An Một (DU_A1)
             ├─ Huyện Bình (to 30/6/2025) ── Xã Bình Một (B1)
             └─ Xã Hợp Nhất (from 1/7/2025; Xã An Một merged into it) ── Đảng ủy xã Hợp Nhất (DU_M)

Postings (direction from the units' levels):

    P1  c1  luân chuyển  TU → HUA        2017-03-01  ended 2020-03-01       tinh_huyen
    P2  c2  luân chuyển  HUA → TU        2018-05-01  in force, to 2021-05-01 huyen_tinh
    P3  c3  luân chuyển  DEP_A → DU_A1   2019-02-01  ended 2022-02-01       huyen_xa, Trưởng phòng → Bí thư,
                                                                           tăng thêm chức danh
    P4  c4  luân chuyển  HUA → B1        2020-07-01  in force, to 2021-02-15 huyen_xa (tăng cường cơ sở)
    P5  c5  luân chuyển  TU → DU_M       2025-08-01  in force               tinh_xa (after the reorganisation)
    P6  c6  luân chuyển  DU_A1 → B1      2024-01-01  in force               xa_xa
    P7  c7  luân chuyển  DU_A1 → TU      2018-09-01  ended 2021-09-01       xa_tinh (no 2021 column; purpose khác)
    P8  c8  luân chuyển  (none) → TU     2021-03-01  in force, to 2024-03-01 khac (never a column)
    P9  c9  luân chuyển  TU → HUA        2019-01-01  CANCELLED              never counted
    P10 c3  luân chuyển  (none) → DU_A1  2019-06-01  concurrent post        never counted (kiêm nhiệm)
    P11 c9  luân chuyển  TU → DU_M       2025-09-01  DRAFT                  never counted
    P12 c9  điều động    TU → HUA        2017-06-01  ended 2019-06-01       tinh_huyen: in "by kind" only
    P13 c2  luân chuyển  C → TU          2016-05-01  ended 2018-05-01       tw_tinh
    P14 c10 luân chuyển  DU_M → TU       2025-10-01  in force               xa_tinh (a 2025 column)
    P15 c1  luân chuyển  TU → HUA        2015-06-01  ended 2017-03-01       before every period tested
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import connection
from django.http import QueryDict
from django.urls import reverse

from cadres.models import Evaluation, EvaluationLevel, Sex
from cadres.retirement import add_months
from cadres.selectors import cadre_list
from plans.models import Plan, PlanEntry, PlanTarget
from postings.directions import derive_direction
from postings.models import Posting, PostingKind, PostingPurpose, PostingStatus
from postings.selectors import posting_list
from tests.factories import CadreFactory, DecisionFactory, PositionFactory, TermFactory, UnitFactory
from units.models import PositionTitle, TermKind, UnitKind

D = datetime.date


@dataclass
class Registry:
    world: object
    central: object
    cadres: dict = field(default_factory=dict)
    postings: dict = field(default_factory=dict)
    titles: dict = field(default_factory=dict)
    plan: object = None
    targets: dict = field(default_factory=dict)


def _title(name: str, **flags) -> PositionTitle:
    values = {"is_key": False, "is_head": False, "rank": 0, **flags}
    return PositionTitle.objects.update_or_create(name=name, defaults=values)[0]


def backdate_levels(cadre, day: datetime.date, **levels) -> None:
    """Add an audit snapshot of the cadre saved on `day` with these levels (the audit is append-only,
    so the row is inserted as the trigger would have, with the date set)."""
    model = apps.get_model("cadres", "CadreEvent")
    columns = [f.column for f in model._meta.concrete_fields if f.column != "pgh_id"]
    selected = []
    params: list = []
    for column in columns:
        if column == "pgh_created_at":
            selected.append("%s")
            params.append(datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC))
        elif column in levels:
            selected.append("%s")
            params.append(levels[column])
        else:
            selected.append(f'"{column}"')
    params.append(cadre.pk)
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(f'"{c}"' for c in columns)}) "
        f"SELECT {', '.join(selected)} FROM {model._meta.db_table} WHERE pgh_obj_id = %s ORDER BY pgh_id LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def registry(world) -> Registry:
    w = world
    central = UnitFactory(kind=UnitKind.CENTRAL_BODY, level="central", name="Ban Tổ chức Trung ương (thử)")
    titles = {
        "bt": _title("Bí thư (thống kê)", is_key=True, is_head=True, rank=90),
        "pct": _title("Phó Chủ tịch UBND (thống kê)", is_key=True, rank=60),
        "tp": _title("Trưởng phòng (thống kê)", is_head=True, rank=40),
        "cv": _title("Chuyên viên (thống kê)", rank=10),
    }
    pos = {
        "cv_tu": PositionFactory(title=titles["cv"], unit=w.provincial_committee),
        "tp_hua": PositionFactory(title=titles["tp"], unit=w.district_a_committee),
        "tp_dep_a": PositionFactory(title=titles["tp"], unit=w.district_a_department),
        "bt_du_a1": PositionFactory(title=titles["bt"], unit=w.commune_a1_committee),
        "pct_du_a1": PositionFactory(title=titles["pct"], unit=w.commune_a1_committee),
        "bt_b1": PositionFactory(title=titles["bt"], unit=w.commune_b1),
        "bt_du_m": PositionFactory(title=titles["bt"], unit=w.merged_commune_committee),
        "cv_c": PositionFactory(title=titles["cv"], unit=central),
    }
    people = {
        "c1": dict(sex=Sex.FEMALE, ethnicity="Kinh", born=D(1975, 6, 1), pro="dai_hoc", pol="cao_cap", unit="tu"),
        "c2": dict(ethnicity="Tày", religion="Phật giáo", born=D(1985, 1, 10), pro="thac_si", pol="cu_nhan", unit="tu"),
        "c3": dict(ethnicity="Nùng", born=D(1990, 3, 3), pro="trung_cap", pol="trung_cap", unit="du_a1"),
        "c4": dict(sex=Sex.FEMALE, ethnicity="Tày", born=D(1968, 2, 2), pro="cao_dang", pol="so_cap", unit="hua"),
        "c5": dict(sex=Sex.FEMALE, ethnicity="Kinh", religion="Công giáo", born=D(1980, 12, 31), pro="dai_hoc",
                   unit="du_m"),
        "c6": dict(ethnicity="Kinh", born=D(1972, 7, 7), unit="b1"),
        "c7": dict(ethnicity="Dao", born=D(1983, 4, 4), pro="dai_hoc", pol="trung_cap", unit="tu"),
        "c8": dict(ethnicity="Kinh", born=D(1979, 9, 9), pro="tien_si", pol="cao_cap", unit="tu"),
        "c9": dict(ethnicity="Kinh", born=D(1980, 1, 1), pro="dai_hoc", unit=None),
        "c10": dict(ethnicity="Kinh", born=D(1995, 5, 5), pro="dai_hoc", unit="du_m"),
    }  # fmt: skip
    units = {
        "tu": w.provincial_committee,
        "hua": w.district_a_committee,
        "du_a1": w.commune_a1_committee,
        "b1": w.commune_b1,
        "du_m": w.merged_commune_committee,
    }
    cadres = {}
    for key, p in people.items():
        cadres[key] = CadreFactory(
            full_name=f"Cán Bộ Thống Kê {key}",
            sex=p.get("sex", Sex.MALE),
            ethnicity=p["ethnicity"],
            religion=p.get("religion", ""),
            date_of_birth=p["born"],
            professional_level=p.get("pro", ""),
            political_theory=p.get("pol", ""),
            unit=units.get(p["unit"]),
        )
    decision = DecisionFactory(date=D(2015, 1, 5), issuing_unit=w.provincial_committee)

    def posting(key, cadre, origin, dest, start, *, end=None, planned_end=None, **fields):
        origin_unit = origin.unit if hasattr(origin, "unit") else origin
        dest_unit = dest.unit if hasattr(dest, "unit") else dest
        values = dict(
            cadre=cadres[cadre],
            decision=decision,
            kind=PostingKind.ROTATION,
            purpose=PostingPurpose.TRAINING,
            origin_position=origin if hasattr(origin, "unit") else None,
            origin_unit=origin_unit,
            origin_unit_name=origin_unit.name if origin_unit else "",
            origin_title_name=origin.title.name if hasattr(origin, "title") else "",
            dest_position=dest,
            dest_unit=dest_unit,
            dest_unit_name=dest_unit.name,
            dest_title_name=dest.title.name,
            start_date=start,
            planned_months=36,
            planned_end=planned_end or add_months(start, 36),
            actual_end=end,
            status=PostingStatus.ENDED if end else PostingStatus.IN_FORCE,
        )
        values.update(fields)
        p = Posting(**values)
        p.direction = derive_direction(p.origin_unit, p.dest_unit)
        p.save()
        return p

    cancelled = {"status": PostingStatus.CANCELLED, "cancel_reason": "Quyết định bị thu hồi"}
    ps = {
        "P1": posting("P1", "c1", pos["cv_tu"], pos["tp_hua"], D(2017, 3, 1), end=D(2020, 3, 1)),
        "P2": posting("P2", "c2", pos["tp_hua"], pos["cv_tu"], D(2018, 5, 1)),
        "P3": posting("P3", "c3", pos["tp_dep_a"], pos["bt_du_a1"], D(2019, 2, 1), end=D(2022, 2, 1), adds_title=True),
        "P4": posting("P4", "c4", w.district_a_committee, pos["bt_b1"], D(2020, 7, 1), planned_end=D(2021, 2, 15),
                      purpose=PostingPurpose.GRASSROOTS),
        "P5": posting("P5", "c5", pos["cv_tu"], pos["bt_du_m"], D(2025, 8, 1)),
        "P6": posting("P6", "c6", pos["bt_du_a1"], pos["bt_b1"], D(2024, 1, 1)),
        "P7": posting("P7", "c7", w.commune_a1_committee, pos["cv_tu"], D(2018, 9, 1), end=D(2021, 9, 1),
                      purpose=PostingPurpose.OTHER),
        "P8": posting("P8", "c8", None, pos["cv_tu"], D(2021, 3, 1)),
        "P9": posting("P9", "c9", pos["cv_tu"], pos["tp_hua"], D(2019, 1, 1), **cancelled),
        "P10": posting("P10", "c3", None, pos["pct_du_a1"], D(2019, 6, 1), is_primary=False),
        "P11": posting("P11", "c9", pos["cv_tu"], pos["bt_du_m"], D(2025, 9, 1), status=PostingStatus.DRAFT),
        "P12": posting("P12", "c9", pos["cv_tu"], pos["tp_hua"], D(2017, 6, 1), end=D(2019, 6, 1),
                       kind=PostingKind.TRANSFER),
        "P13": posting("P13", "c2", pos["cv_c"], pos["cv_tu"], D(2016, 5, 1), end=D(2018, 5, 1)),
        "P14": posting("P14", "c10", w.merged_commune_committee, pos["cv_tu"], D(2025, 10, 1)),
        "P15": posting("P15", "c1", pos["cv_tu"], pos["tp_hua"], D(2015, 6, 1), end=D(2017, 3, 1)),
    }  # fmt: skip

    # Yearly evaluations (a quarterly one would need a year from 2026).
    ratings = [
        ("c1", 2016, EvaluationLevel.EXCELLENT),
        ("c3", 2016, EvaluationLevel.GOOD),
        ("c4", 2016, EvaluationLevel.COMPLETED),
        ("c9", 2016, EvaluationLevel.EXCELLENT),  # no unit: only in the figures for everything
        ("c2", 2020, EvaluationLevel.GOOD),
        ("c3", 2020, EvaluationLevel.EXCELLENT),
        ("c4", 2020, EvaluationLevel.GOOD),
        ("c6", 2020, EvaluationLevel.NOT_COMPLETED),
    ]
    Evaluation.objects.bulk_create([Evaluation(cadre=cadres[c], year=y, level=lv) for c, y, lv in ratings])

    # c3 was recorded in 2015 with "trung cấp" and got a university degree recorded in June 2019.
    backdate_levels(cadres["c3"], D(2015, 1, 1))
    backdate_levels(cadres["c3"], D(2019, 6, 1), professional_level="dai_hoc")
    cadres["c3"].professional_level = "dai_hoc"
    cadres["c3"].save()

    period = TermFactory(kind=TermKind.PLAN, name="2016–2020 (thử)", start=D(2016, 1, 1), end=D(2020, 12, 31))
    plan = Plan.objects.create(
        symbol="42-KH/TU", date=D(2017, 1, 10), issuing_unit=w.provincial_committee, title="Luân chuyển cán bộ",
        period=period,
    )  # fmt: skip
    targets = {
        "T1": PlanTarget.objects.create(plan=plan, direction="tinh_huyen", count=3),
        "T2": PlanTarget.objects.create(plan=plan, dest_title=titles["bt"], count=2),
        "T3": PlanTarget.objects.create(plan=plan, dest_unit=w.district_a, count=4),
    }
    for cadre, posting_key in (("c1", "P1"), ("c3", "P3"), ("c4", "P4"), ("c9", "P9"), ("c7", None)):
        PlanEntry.objects.create(plan=plan, cadre=cadres[cadre], posting=ps.get(posting_key))
    return Registry(world=w, central=central, cadres=cadres, postings=ps, titles=titles, plan=plan, targets=targets)


# --- Drill-downs: what the lists show for a figure's querystring ---


def listed(user, list_name: str, querystring: str) -> int:
    """Rows of the posting or cadre list (its selector, as the view calls it) for the querystring."""
    selector = posting_list if list_name == "postings:list" else cadre_list
    _filterset, queryset, notice, _sort = selector(user=user, params=QueryDict(querystring))
    assert notice == "", f"{querystring}: {notice}"
    return queryset.count()


def shown(client, list_name: str, querystring: str) -> int:
    """The total the list page itself displays for the querystring (through the view)."""
    response = client.get(f"{reverse(list_name)}?{querystring}")
    assert response.status_code == 200
    assert response.context["notice"] == "", response.context["notice"]
    return int(response.context["page"].total_text.replace(".", ""))
