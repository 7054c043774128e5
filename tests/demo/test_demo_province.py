"""The demo province reproduces the seed articles' figures, computed from the database.

Loading it takes seconds, so one test loads it once and checks everything in turn.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from accounts.models import User
from cadres.models import GOOD_OR_BETTER, Cadre, Evaluation
from postings.models import Posting, PostingKind
from rotation_registry.common.formatting import format_percent
from rotation_registry.demo.province import DemoAlreadyLoaded, load_demo
from units.models import Level, Term, TermKind, Unit, UnitKind

D = datetime.date
DEPARTMENT_KINDS = [UnitKind.BOARD, UnitKind.AGENCY, UnitKind.MASS_ORGANISATION]


def district(name: str) -> Unit:
    return Unit.objects.get(kind=UnitKind.DISTRICT, name=name, scheme="legacy")


def rotations_in(term_kind: str, term_name: str):
    term = Term.objects.get(kind=term_kind, name=term_name)
    return Posting.objects.rotations().filter(start_date__gte=term.start, start_date__lte=term.end)


def good_or_better_share(unit: Unit, year: int) -> str:
    rated = Evaluation.objects.filter(year=year, quarter__isnull=True, cadre__unit__path__startswith=unit.path)
    return format_percent(rated.filter(level__in=GOOD_OR_BETTER).count(), rated.count())


@pytest.mark.django_db
def test_the_demo_province_reproduces_the_seed_articles(capsys):
    call_command("load_demo")
    assert "Đã nạp tỉnh mẫu Lạng Sơn" in capsys.readouterr().out

    # "giai đoạn 2016 – 2020, toàn tỉnh luân chuyển được 132 lượt cán bộ, trong đó, từ tỉnh về huyện
    # và ngược lại là 11 lượt" (the article's 127 district -> commune cannot also hold: 11 + 127 > 132).
    period = rotations_in(TermKind.PLAN, "2016–2020")
    assert period.count() == 132
    assert period.filter(direction__in=["tinh_huyen", "huyen_tinh"]).count() == 11
    assert period.filter(direction="huyen_xa").count() == 120
    assert period.filter(direction="xa_huyen").count() == 1

    # Bình Gia: "Từ năm 2016 đến nay, huyện thực hiện luân chuyển 14 cán bộ tại các phòng, ban của huyện
    # giữ các chức vụ chủ chốt ở cơ sở" (article of 28/11/2021).
    binh_gia = district("Huyện Bình Gia")
    from_departments = Posting.objects.rotations().filter(
        start_date__range=(D(2016, 1, 1), D(2021, 11, 28)),
        origin_unit__path__startswith=binh_gia.path,
        origin_unit__kind__in=DEPARTMENT_KINDS,
        dest_unit__level=Level.COMMUNE,
        dest_position__title__is_key=True,
    )
    assert from_departments.count() == 14

    # Thành phố Lạng Sơn: "trong nhiệm kỳ 2015 – 2020, 26 đồng chí lãnh đạo quản lý cấp phòng, ban được
    # điều động, luân chuyển đảm nhiệm chức danh chủ chốt của các phường, xã".
    city = district("Thành phố Lạng Sơn")
    heads = rotations_in(TermKind.CONGRESS, "2015–2020").filter(
        origin_unit__path__startswith=city.path,
        origin_unit__kind__in=DEPARTMENT_KINDS,
        origin_position__title__is_head=True,
        dest_unit__level=Level.COMMUNE,
        dest_position__title__is_key=True,
    )
    assert heads.count() == 26

    # Bình Gia: "Năm 2016 ... hoàn thành tốt nhiệm vụ trở lên đạt 92,03%, đến năm 2020 ... 98,5%".
    assert good_or_better_share(binh_gia, 2016) == "92,03%"
    assert good_or_better_share(binh_gia, 2020) == "98,5%"

    # The people the articles name, with the moves they describe.
    def moves_of(name):
        return list(
            Posting.objects.filter(cadre__full_name=name)
            .order_by("start_date")
            .values_list("origin_title_name", "origin_unit_name", "dest_title_name", "dest_unit_name")
        )

    assert moves_of("Nông Minh Cường") == [
        ("Trưởng phòng", "Phòng Lao động, Thương binh, Xã hội – Dân tộc huyện Lộc Bình", "Bí thư", "Đảng ủy xã Tú Đoạn")
    ]
    assert moves_of("Lý Hoàng Long") == [
        ("Phó Trưởng ban", "Ban Tổ chức Huyện ủy Hữu Lũng", "Bí thư", "Đảng ủy xã Hòa Sơn")
    ]
    assert moves_of("Nguyễn Công Trưởng") == [
        ("Phó Chủ tịch UBND", "UBND tỉnh Lạng Sơn", "Bí thư", "Thành ủy Lạng Sơn")
    ]
    tlt = Posting.objects.filter(cadre__full_name="Trần Lệnh Trưởng").order_by("start_date")
    assert [(p.dest_title_name, p.dest_unit_name, p.start_date.strftime("%m/%Y"), p.is_primary) for p in tlt] == [
        ("Bí thư", "Đảng ủy phường Chi Lăng", "07/2017", True),
        ("Chủ tịch UBND", "UBND phường Chi Lăng", "06/2018", False),
    ]
    duy = Posting.objects.filter(cadre__full_name="Nông Ngọc Duy").order_by("start_date")
    assert [
        (p.origin_title_name, p.origin_unit_name, p.dest_title_name, p.dest_unit_name, p.start_date.strftime("%m/%Y"))
        for p in duy
    ] == [
        ("Bí thư Đoàn", "Huyện đoàn Bình Gia", "Bí thư", "Đảng ủy xã Thiện Thuật", "02/2017"),
        ("Bí thư", "Đảng ủy xã Thiện Thuật", "Phó Trưởng ban", "Ban Tổ chức Huyện ủy Bình Gia", "12/2018"),
    ]
    assert [p.direction for p in duy] == ["huyen_xa", "xa_huyen"]
    # His first rotation ended after 22 months: the early end is recorded as an override with its reason.
    assert duy[0].overrides.get().rule_code == "R-DURATION"
    assert all(p.kind == PostingKind.ROTATION for p in duy)

    # The demo accounts see what their office should see.
    def visible(username):
        return Cadre.objects.visible_to(User.objects.get(username=username))

    everyone = Cadre.objects.count()
    assert visible("demo_board").count() == visible("demo_leader").count() == everyone
    binh_gia_people = visible("demo_binhgia")
    assert binh_gia_people.filter(full_name="Nông Ngọc Duy").exists()
    assert not binh_gia_people.filter(full_name="Nông Minh Cường").exists()
    assert not visible("demo_caoloc").filter(full_name="Nông Ngọc Duy").exists()
    # Xã Thất Khê (since 1/7/2025) sees the history of the former Thị trấn Thất Khê through the lineage.
    that_khe = Posting.objects.visible_to(User.objects.get(username="demo_thatkhe"))
    assert that_khe.filter(dest_unit__name="Đảng ủy thị trấn Thất Khê", start_date__lt=D(2021, 1, 1)).exists()
    assert that_khe.filter(dest_unit__name="Đảng ủy xã Thất Khê", direction="tinh_xa").exists()
    assert that_khe.count() < Posting.objects.count() / 10

    # Loading twice changes nothing and says so.
    postings_before = Posting.objects.count()
    with pytest.raises(DemoAlreadyLoaded, match="đã được nạp trước đó"):
        load_demo()
    call_command("load_demo")
    assert "đã được nạp trước đó" in capsys.readouterr().out
    assert Posting.objects.count() == postings_before
