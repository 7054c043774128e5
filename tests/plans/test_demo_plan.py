"""The demo's Kế hoạch 42-KH/TU (seed article 000): loaded with the demo, once, with figures to show.

Loading the demo province takes most of a minute, so one test loads it and checks everything in turn.
The PDF and its pages as PNG are left in test-artifacts/demo-plan/ (git-ignored) to look at.
"""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import User
from plans import selectors
from plans.documents import plan_pdf
from plans.models import Plan, PlanStatus
from tests.plans.conftest import bbox_pages, pdf_text, poppler, words

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "demo-plan"


def shown(client, url: str) -> int:
    return int(re.search(r"Tổng số: ([\d.]+)", client.get(url).text)[1].replace(".", ""))


@pytest.mark.django_db
def test_the_demo_loads_plan_42_kh_tu_once_with_its_targets_carried_out(client, capsys):
    call_command("load_demo")
    assert "Đã nạp Kế hoạch 42-KH/TU ngày 23/8/2017 (8 cán bộ)." in capsys.readouterr().out

    plan = Plan.objects.select_related("issuing_unit", "period").get()
    assert (plan.symbol, plan.date, plan.issuing_unit.name) == (
        "42-KH/TU",
        datetime.date(2017, 8, 23),
        "Tỉnh ủy Lạng Sơn",
    )
    assert plan.status == PlanStatus.ISSUED and plan.period.name == "2016–2020"
    # The seed's wording: "về luân chuyển, đào tạo, bồi dưỡng cán bộ lãnh đạo, quản lý diện BTV quản lý đến năm 2020".
    assert plan.title == (
        "luân chuyển, đào tạo, bồi dưỡng cán bộ lãnh đạo, quản lý diện Ban Thường vụ Tỉnh ủy quản lý đến năm 2020"
    )
    assert (plan.superior_body, plan.issuing_body, plan.place) == ("", "TỈNH ỦY LẠNG SƠN", "Lạng Sơn")
    # What the article says the plan requires.
    assert "yêu cầu công tác, quy hoạch cán bộ, năng lực, sở trường, chiều hướng phát triển của cán bộ" in (
        plan.purpose_section
    )
    assert "không gây sự xáo trộn lớn trong đơn vị nơi cán bộ luân chuyển đi và đến" in plan.purpose_section
    # Bases in force in August 2017: NQ 11 and KL 24; QĐ 98 came on 7/10/2017.
    assert "11-NQ/TW" in plan.legal_bases and "24-KL/TW" in plan.legal_bases and "98-QĐ/TW" not in plan.legal_bases

    entries = list(plan.entries.select_related("posting", "cadre"))
    assert len(entries) == 8 and all(e.posting is not None for e in entries)
    assert all(e.posting.start_date >= plan.date and e.posting.cadre_id == e.cadre_id for e in entries)
    assert "Nguyễn Công Trưởng" in {e.cadre.full_name for e in entries}

    # Plan against actual, for the board: each figure is the length of the list its link opens.
    board = User.objects.get(username="demo_board")
    client.force_login(board)
    response = client.get(plan.get_absolute_url())
    progress = response.context["progress"]
    assert [(r.target.label, r.target.count, r.done, r.share) for r in progress.targets] == [
        ("Tỉnh về huyện", 5, 4, "80%"),
        ("Huyện về tỉnh", 4, 4, "100%"),
        ("Bí thư", 2, 1, "50%"),
    ]
    for row in progress.targets:
        assert shown(client, row.url) == row.done
    assert (progress.planned, progress.carried_out) == (8, 8)
    assert shown(client, progress.carried_out_url) == 8
    # A district office does not see the Tỉnh ủy's plan.
    client.force_login(User.objects.get(username="demo_binhgia"))
    assert client.get(plan.get_absolute_url()).status_code == 404
    assert selectors.plan_list(user=User.objects.get(username="demo_binhgia"), params={})[1].count() == 0

    # The document: five pages (three of text, two landscape annexes), the header of the mock-up.
    pdf = plan_pdf(plan)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "ke-hoach-42-KH-TU.pdf"
    path.write_bytes(pdf)
    pages = bbox_pages(path)
    assert len(pages) == 5 and [p.width > p.height for p in pages] == [False, False, False, True, True]
    first = words(pdf_text(path, first=1, last=1, layout=True))
    assert "TỈNH ỦY LẠNG SƠN ĐẢNG CỘNG SẢN VIỆT NAM" in first
    assert "Số 42-KH/TU Lạng Sơn, ngày 23 tháng 8 năm 2017" in first
    assert "KẾ HOẠCH luân chuyển, đào tạo, bồi dưỡng cán bộ lãnh đạo, quản lý diện" in first
    last_text_page = words(pdf_text(path, first=3, last=3, layout=True))
    assert "Nơi nhận:" in last_text_page and "T/M BAN THƯỜNG VỤ" in last_text_page
    assert "Hoàng Văn Minh" in last_text_page
    if shutil.which("pdftoppm"):
        for old in ARTIFACTS.glob("*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(ARTIFACTS / "ke-hoach-42")], check=True)
    assert poppler("pdfdetach", "-list", str(path)).strip() == "0 embedded files"

    # A second load changes nothing and says nothing of the plan.
    call_command("load_demo")
    output = capsys.readouterr().out
    assert "đã được nạp trước đó" in output and "Kế hoạch" not in output
    assert Plan.objects.count() == 1 and plan.entries.count() == 8
