"""compute() on the demo province reproduces the seed articles, and each figure's list shows that many rows.

Loading the demo takes a while, so one test loads it once (as tests/demo/test_demo_province.py does)
and checks every figure in turn, through the real list pages as the demo's board officer.
"""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command

from accounts.models import User
from reports.statistics.engine import compute
from tests.statistics.conftest import shown
from units.models import Term, TermKind, Unit, UnitKind


def district(name: str) -> Unit:
    return Unit.objects.get(kind=UnitKind.DISTRICT, name=name, scheme="legacy")


def total_row(result) -> dict:
    return next(r for r in result["sections"]["form11"]["rows"] if r["key"] == "total")


@pytest.mark.django_db
def test_the_demo_figures_and_their_drill_downs(client, capsys):
    call_command("load_demo")
    capsys.readouterr()
    client.force_login(User.objects.get(username="demo_board"))
    province = Unit.objects.get(kind=UnitKind.PROVINCE, official_code="20", valid_to__isnull=True)
    plan_period = Term.objects.get(kind=TermKind.PLAN, name="2016–2020")

    # "giai đoạn 2016 – 2020, toàn tỉnh luân chuyển được 132 lượt cán bộ, trong đó, từ tỉnh về huyện và
    # ngược lại là 11 lượt" (the article's 127 district -> commune cannot also hold: 11 + 127 > 132).
    result = compute({"unit": province.pk, "term": plan_period.pk})
    assert result["parameters"]["start"] == plan_period.start.isoformat()
    total = total_row(result)
    values, drill = total["values"], total["drill"]
    assert result["total"]["value"] == values["_total"] == 132
    assert values["tinh_huyen"] + values["huyen_tinh"] == 11
    assert values["huyen_xa"] == 120
    assert values["xa_huyen"] == 1
    assert shown(client, "postings:list", result["total"]["drill"]) == 132
    for key in ("tinh_huyen", "huyen_tinh", "huyen_xa", "xa_huyen", "_other"):
        assert shown(client, "postings:list", drill[key]) == values[key], key
    assert values["_other"] == 132 - sum(values[c["key"]] for c in result["sections"]["form11"]["columns"])
    # The same with no unit (everything): the demo's rotations all concern Lạng Sơn.
    assert compute({"unit": None, "term": plan_period.pk})["total"]["value"] == 132

    # Bình Gia: "Từ năm 2016 đến nay, huyện thực hiện luân chuyển 14 cán bộ tại các phòng, ban của huyện
    # giữ các chức vụ chủ chốt ở cơ sở" (article of 28/11/2021).
    binh_gia = district("Huyện Bình Gia")
    result = compute({"unit": binh_gia.pk, "start": "2016-01-01", "end": "2021-11-28"})
    moves = result["sections"]["departments_to_key_posts"]["items"][0]
    assert moves["value"] == 14
    assert shown(client, "postings:list", moves["drill"]) == 14

    # Thành phố Lạng Sơn: "trong nhiệm kỳ 2015 – 2020, 26 đồng chí lãnh đạo quản lý cấp phòng, ban được
    # điều động, luân chuyển đảm nhiệm chức danh chủ chốt của các phường, xã" (the rotations among them).
    congress = Term.objects.get(kind=TermKind.CONGRESS, name="2015–2020")
    result = compute({"unit": district("Thành phố Lạng Sơn").pk, "term": congress.pk})
    heads = result["sections"]["departments_to_key_posts"]["items"][1]
    assert heads["value"] == 26
    assert shown(client, "postings:list", heads["drill"]) == 26

    # Bình Gia: "Năm 2016 ... hoàn thành tốt nhiệm vụ trở lên đạt 92,03%, đến năm 2020 ... 98,5%".
    result = compute({"unit": binh_gia.pk, "start": "2016-01-01", "end": "2020-12-31"})
    by_year = {i["year"]: i for i in result["sections"]["evaluations"]["items"]}
    assert (by_year[2016]["rated"], by_year[2016]["good_or_better"], by_year[2016]["share"]) == (251, 231, 92.03)
    assert (by_year[2020]["rated"], by_year[2020]["good_or_better"], by_year[2020]["share"]) == (200, 197, 98.5)
    for year in (2016, 2020):
        for figure in ("rated", "good_or_better"):
            assert shown(client, "cadres:list", by_year[year]["drill"][figure]) == by_year[year][figure]

    # Every figure of the province's results drills down to exactly its rows (posting-list sections).
    result = compute({"unit": province.pk, "term": plan_period.pk})
    sections = result["sections"]
    for name in ("by_kind", "by_purpose", "by_post_group", "by_origin_unit", "by_dest_unit", "on_rotation"):
        for item in sections[name]["items"]:
            assert shown(client, "postings:list", item["drill"]) == item["value"], (name, item["key"])
    group = sections["composition"]["group"]
    assert shown(client, "cadres:list", group["drill"]) == group["size"]
    # Districts of the time: the seed articles' "Bình Gia, Chi Lăng, Lộc Bình, thành phố Lạng Sơn".
    dest_labels = [i["label"] for i in sections["by_dest_unit"]["items"]]
    assert "Huyện Bình Gia" in dest_labels and "Thành phố Lạng Sơn" in dest_labels

    # A province's full recompute takes at most 2 s (the best of three runs, on a shared machine).
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        compute({"unit": province.pk, "term": plan_period.pk})
        timings.append(time.perf_counter() - started)
    with capsys.disabled():
        print(f"\ncompute() for the demo province: {', '.join(f'{t:.3f}' for t in timings)} s")
    assert min(timings) <= 2.0
