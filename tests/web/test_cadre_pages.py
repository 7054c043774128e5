"""The cadre list, page, forms and exports (issue 3), through the real URLs."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from cadres.models import Cadre
from postings.models import Posting
from rotation_registry.common.concurrency import row_version
from tests.factories import CadreFactory, DecisionFactory, TermFactory

D = datetime.date


@pytest.fixture
def people(world):
    TermFactory(name="2015–2020", start=D(2015, 10, 1), end=D(2020, 9, 30))
    decision = DecisionFactory(symbol="31-QĐ/HU", date=D(2018, 3, 1), issuing_unit=world.district_a_committee)
    truong = CadreFactory(full_name="Nguyễn Công Trưởng", unit=world.district_a_department, sex="male")
    lan = CadreFactory(full_name="Hoàng Thị Lan", unit=world.commune_b1, sex="female", date_of_birth=D(1990, 1, 2))
    formula = CadreFactory(full_name='=HYPERLINK("http://x")', unit=world.district_a_department)
    Posting.objects.create(
        cadre=truong,
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
    return {"truong": truong, "lan": lan, "formula": formula}


def test_accent_free_search_finds_the_cadre(client, board_officer, people):
    client.force_login(board_officer)
    response = client.get(reverse("cadres:list"), {"q": "nguyen cong truong"})
    assert [c.full_name for c in response.context["page"].rows] == ["Nguyễn Công Trưởng"]


def test_filters_combine_and_stay_in_the_url(client, board_officer, people, world):
    client.force_login(board_officer)
    response = client.get(reverse("cadres:list"), {"sex": "female", "unit": world.district_b.pk})
    assert [c.full_name for c in response.context["page"].rows] == ["Hoàng Thị Lan"]
    assert "sex=female" in response.context["page"].next_url


def test_malformed_filters_give_the_unfiltered_list_with_a_notice(client, board_officer, people):
    client.force_login(board_officer)
    response = client.get(reverse("cadres:list"), {"unit": "abc", "age_on": "31/02/2020", "page": "x", "sort": "drop"})
    assert response.status_code == 200
    assert "không hợp lệ" in response.context["notice"]
    assert len(response.context["page"].rows) == 3


def test_the_cadre_page_shows_the_career_timeline(client, board_officer, people):
    client.force_login(board_officer)
    response = client.get(people["truong"].get_absolute_url())
    assert "Đảng ủy xã An Một" in response.text and "31-QĐ/HU" in response.text


def test_an_office_outside_the_scope_gets_404(client, office_b, people):
    client.force_login(office_b)
    assert client.get(people["truong"].get_absolute_url()).status_code == 404
    assert client.get(people["lan"].get_absolute_url()).status_code == 200


def test_the_export_neutralises_formulas_and_keeps_the_filters(client, board_officer, people, world):
    client.force_login(board_officer)
    response = client.get(reverse("cadres:list"), {"unit": world.district_a.pk, "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Họ và tên"
    names = sorted(row[0] for row in rows[1:])
    assert names == sorted(["Nguyễn Công Trưởng", '\'=HYPERLINK("http://x")'])
    assert sheet.cell(1, 1).font.bold
    born = sheet.cell(2, 2)  # dates stay dates, shown the Vietnamese way
    assert isinstance(born.value, datetime.datetime) and born.number_format == "d/m/yyyy"
    csv_text = client.get(reverse("cadres:list"), {"q": "hyperlink", "export": "csv"}).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text


def test_a_cadre_is_created_and_edited_with_a_reason_and_an_office_cannot(client, board_officer, office_a, people):
    client.force_login(board_officer)
    data = {
        "unit": people["truong"].unit_id,
        "full_name": "Lương Văn Mới",
        "date_of_birth": "1985-07-01",
        "sex": "male",
        "ethnicity": "Nùng",
        "reason": "Hồ sơ 2C mới",
    }
    response = client.post(reverse("cadres:create"), data)
    cadre = Cadre.objects.get(full_name="Lương Văn Mới")
    assert response.status_code == 302
    edit = reverse("cadres:edit", args=[cadre.pk])
    version = row_version(cadre)
    assert client.post(edit, {**data, "ethnicity": "Tày", "version": version}).status_code == 302
    # A second editor with the old version is refused, never overwriting.
    response = client.post(edit, {**data, "ethnicity": "Kinh", "version": version})
    assert response.status_code == 200 and "vừa được người khác sửa" in response.text
    cadre.refresh_from_db()
    assert cadre.ethnicity == "Tày"
    client.force_login(office_a)
    assert client.get(reverse("cadres:create")).status_code == 403


def test_a_bad_date_on_the_form_is_explained_in_vietnamese(client, board_officer, people):
    client.force_login(board_officer)
    response = client.post(
        reverse("cadres:create"),
        {
            "unit": people["lan"].unit_id,
            "full_name": "A",
            "date_of_birth": "1850-01-01",
            "sex": "male",
            "ethnicity": "Kinh",
        },
    )
    assert "Ngày sinh không hợp lệ" in " ".join(response.context["form"].errors["date_of_birth"])
    assert not Cadre.objects.filter(full_name="A").exists()


def test_the_history_page_shows_who_changed_what(client, board_officer, people):
    client.force_login(board_officer)
    cadre = people["lan"]
    client.post(
        reverse("cadres:edit", args=[cadre.pk]),
        {
            "full_name": cadre.full_name,
            "unit": cadre.unit_id,
            "date_of_birth": "1990-01-02",
            "sex": "female",
            "ethnicity": "Dao",
            "version": row_version(cadre),
            "reason": "Theo hồ sơ gốc",
        },
    )
    response = client.get(reverse("cadres:history", args=[cadre.pk]))
    assert "Theo hồ sơ gốc" in response.text and "bantochuc" in response.text
    assert "Tày" in response.text and "Dao" in response.text
