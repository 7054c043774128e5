"""Importing cadres: dry-run preview, all-or-nothing commit, and a second import that changes nothing."""

from __future__ import annotations

import datetime
import io

import pghistory.models
import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cadres.models import Cadre, ManagementCategory, ProfessionalLevel, Sex
from imports.models import BatchStatus, ImportBatch, RowStatus
from tests.factories import CadreFactory
from tests.imports import audit_count, commit, csv_bytes, result_of, uploaded_batch, xlsx

ROWS = [
    {
        "personal_id": "LS-10001",
        "full_name": "Hoàng Văn Thái",
        "date_of_birth": "12/04/1978",
        "sex": "Nam",
        "ethnicity": "Tày",
        "professional_level": "Thạc sĩ",
        "management_category": "BTV Huyện ủy",
        "party_entry_date": "19/03/2002",
        "unit": "Huyện ủy An",
    },
    {
        "full_name": "Lý Thị Hoa",
        "date_of_birth": "03/09/1985",
        "sex": "Nữ",
        "ethnicity": "Nùng",
        "unit": "Đảng ủy xã An Một, Huyện An",
    },
    {
        "personal_id": "LS-10003",
        "full_name": "Trần  Văn   Bình",  # extra spaces: stored with single spaces
        "date_of_birth": "31/02/1980",  # no such day: the bad row (sheet row 4)
        "sex": "nam",
        "unit": "Tỉnh ủy Thử",
    },
]


def fixed_rows():
    rows = [dict(row) for row in ROWS]
    rows[2]["date_of_birth"] = "28/02/1980"
    return rows


@pytest.fixture
def officer_client(client, board_officer, place):
    client.force_login(board_officer)
    return client


def test_a_bad_row_is_shown_at_its_row_and_column_and_nothing_is_written(officer_client):
    cadres, events = Cadre.objects.count(), audit_count()

    batch = uploaded_batch(officer_client, "cadres", "can-bo.xlsx", xlsx("cadres", ROWS))

    assert batch.status == BatchStatus.CHECKED
    assert batch.summary[RowStatus.NEW] == 2 and batch.summary[RowStatus.ERROR] == 1
    bad = result_of(batch, 4)
    assert bad["status"] == RowStatus.ERROR
    assert bad["messages"][0]["column"] == "Ngày sinh"
    assert "“31/02/1980” không phải ngày có thật" in bad["messages"][0]["text"]
    page = officer_client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "Dòng 4, cột “Ngày sinh”: “31/02/1980” không phải ngày có thật" in page
    assert "Ghi vào sổ</button>" not in page
    # The dry run wrote nothing, and a commit is refused while a row is wrong.
    response = commit(officer_client, batch)
    assert response.status_code == 302
    assert (Cadre.objects.count(), audit_count()) == (cadres, events)
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.CHECKED


def test_the_fixed_file_commits_everything_and_importing_it_again_changes_nothing(officer_client, place):
    first = uploaded_batch(officer_client, "cadres", "can-bo.xlsx", xlsx("cadres", fixed_rows()))
    assert first.summary[RowStatus.NEW] == 3 and first.can_commit

    response = commit(officer_client, first)

    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == BatchStatus.COMMITTED
    thai = Cadre.objects.get(personal_id="LS-10001")
    assert (thai.full_name, thai.date_of_birth, thai.sex, thai.ethnicity) == (
        "Hoàng Văn Thái",
        datetime.date(1978, 4, 12),
        Sex.MALE,
        "Tày",
    )
    assert (thai.professional_level, thai.management_category) == (ProfessionalLevel.THAC_SI, ManagementCategory.BTV_HU)
    assert thai.unit == place.district_a_committee
    hoa = Cadre.objects.get(full_name="Lý Thị Hoa")
    assert (hoa.personal_id, hoa.sex, hoa.unit) == ("", Sex.FEMALE, place.commune_a1_committee)
    assert Cadre.objects.get(personal_id="LS-10003").full_name == "Trần Văn Bình"
    # Audited, with the actor and the file name as the reason.
    event = pghistory.models.Events.objects.filter(pgh_obj_model="cadres.Cadre", pgh_obj_id=str(thai.pk)).get()
    assert event.pgh_context["reason"] == "Nhập từ tệp can-bo.xlsx"
    assert event.pgh_context["user"] == first.created_by_id
    counts = (Cadre.objects.count(), audit_count())

    again = uploaded_batch(officer_client, "cadres", "can-bo.xlsx", xlsx("cadres", fixed_rows()))
    assert again.summary[RowStatus.UNCHANGED] == 3
    assert {r["status"] for r in again.results} == {RowStatus.UNCHANGED}
    commit(officer_client, again)

    again.refresh_from_db()
    assert again.status == BatchStatus.COMMITTED
    assert (Cadre.objects.count(), audit_count()) == counts


def test_derived_fields_are_those_a_normal_save_would_store(officer_client):
    batch = uploaded_batch(officer_client, "cadres", "can-bo.xlsx", xlsx("cadres", fixed_rows()))
    commit(officer_client, batch)
    for cadre in Cadre.objects.filter(personal_id__startswith="LS-100"):
        stored = (cadre.full_name, cadre.search_key, cadre.sort_key)
        cadre.save()
        cadre.refresh_from_db()
        assert (cadre.full_name, cadre.search_key, cadre.sort_key) == stored


def test_a_changed_cell_updates_the_cadre_and_an_empty_cell_keeps_the_stored_value(officer_client, place):
    cadre = CadreFactory(
        personal_id="LS-10001",
        full_name="Hoàng Văn Thái",
        date_of_birth=datetime.date(1978, 4, 12),
        ethnicity="Tày",
        religion="Phật giáo",
        unit=place.district_a_committee,
    )
    rows = [{"personal_id": "LS-10001", "full_name": "Hoàng Văn Thái", "date_of_birth": "12/04/1978", "sex": "Nam"}]
    rows[0]["ethnicity"] = "Nùng"

    batch = uploaded_batch(officer_client, "cadres", "sua.xlsx", xlsx("cadres", rows))

    row = result_of(batch, 2)
    assert row["status"] == RowStatus.UPDATE
    assert "Dân tộc: Tày → Nùng" in row["messages"][0]["text"]
    commit(officer_client, batch)
    cadre.refresh_from_db()
    assert (cadre.ethnicity, cadre.religion, cadre.unit) == ("Nùng", "Phật giáo", place.district_a_committee)
    update = pghistory.models.Events.objects.filter(pgh_obj_model="cadres.Cadre", pgh_label="update").get()
    assert update.pgh_diff == {"ethnicity": ["Tày", "Nùng"]}


def test_a_row_without_personal_id_matches_by_name_and_birth_date_and_two_such_cadres_are_an_error(
    officer_client, place
):
    born = datetime.date(1985, 9, 3)
    CadreFactory(full_name="Lý Thị Hoa", date_of_birth=born, personal_id="LS-1", unit=place.commune_a1)
    rows = [{"full_name": "lý thị  hoa", "date_of_birth": "03/09/1985", "sex": "Nữ"}]
    batch = uploaded_batch(officer_client, "cadres", "a.xlsx", xlsx("cadres", rows))
    assert result_of(batch, 2)["status"] == RowStatus.UPDATE  # the case of the name is corrected

    CadreFactory(full_name="Lý Thị Hoa", date_of_birth=born, personal_id="LS-2", unit=place.commune_a1)
    batch = uploaded_batch(officer_client, "cadres", "b.xlsx", xlsx("cadres", rows))
    row = result_of(batch, 2)
    assert row["status"] == RowStatus.ERROR
    assert row["messages"][0]["column"] == "Họ và tên"
    assert "mã LS-1" in row["messages"][0]["text"] and "mã LS-2" in row["messages"][0]["text"]


def test_the_same_person_twice_in_a_file_is_an_error_on_the_second_row(officer_client):
    rows = fixed_rows()[:1] * 2
    batch = uploaded_batch(officer_client, "cadres", "a.xlsx", xlsx("cadres", rows))
    assert result_of(batch, 2)["status"] == RowStatus.NEW
    second = result_of(batch, 3)
    assert second["status"] == RowStatus.ERROR
    assert "đã có ở dòng 2" in second["messages"][0]["text"]


def test_a_cadre_outside_the_officers_scope_is_not_changed(officer_client):
    CadreFactory(full_name="Lý Thị Hoa", date_of_birth=datetime.date(1985, 9, 3), ethnicity="Tày", unit=None)
    rows = [{"full_name": "Lý Thị Hoa", "date_of_birth": "03/09/1985", "sex": "Nữ", "ethnicity": "Nùng"}]
    batch = uploaded_batch(officer_client, "cadres", "a.xlsx", xlsx("cadres", rows))
    row = result_of(batch, 2)
    assert row["status"] == RowStatus.ERROR
    assert "ngoài phạm vi" in row["messages"][-1]["text"]


def test_unknown_values_are_errors_naming_the_allowed_ones(officer_client):
    rows = [{"full_name": "Vi Văn Lâm", "date_of_birth": "1/1/1990", "sex": "Không rõ", "unit": "Huyện ủy Không Có"}]
    batch = uploaded_batch(officer_client, "cadres", "a.xlsx", xlsx("cadres", rows))
    messages = {m["column"]: m["text"] for m in result_of(batch, 2)["messages"]}
    assert messages["Giới tính"] == "“Không rõ” không có trong danh sách; ghi một trong: Nam; Nữ."
    assert messages["Đơn vị công tác"].startswith("Không tìm thấy đơn vị công tác “Huyện ủy Không Có”")


def test_a_csv_with_a_byte_order_mark_and_semicolons_is_read(officer_client):
    data = csv_bytes("cadres", fixed_rows(), delimiter=";")
    batch = uploaded_batch(officer_client, "cadres", "can-bo.csv", data)
    assert (batch.file_format, batch.encoding) == ("csv", "utf-8-sig")
    assert batch.summary[RowStatus.NEW] == 3


def test_a_windows_1258_csv_is_read_when_its_headers_are_recognised(officer_client):
    data = csv_bytes("cadres", fixed_rows(), encoding="cp1258")
    batch = uploaded_batch(officer_client, "cadres", "can-bo.csv", data)
    assert batch.encoding == "windows-1258"
    assert batch.summary[RowStatus.NEW] == 3
    commit(officer_client, batch)
    assert Cadre.objects.get(personal_id="LS-10001").full_name == "Hoàng Văn Thái"  # NFC again


def test_the_error_report_marks_the_offending_cells(officer_client):
    batch = uploaded_batch(officer_client, "cadres", "can-bo.xlsx", xlsx("cadres", ROWS))

    response = officer_client.get(reverse("imports:report", args=[batch.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    headers = [cell.value for cell in ws[1]]
    assert headers[-1] == "Lỗi"
    date_column = headers.index("Ngày sinh") + 1
    bad = ws.cell(row=4, column=date_column)
    assert bad.value == "31/02/1980"
    assert bad.fill.fgColor.rgb.endswith("FFC7CE")
    assert "không phải ngày có thật" in bad.comment.text
    assert "Cột “Ngày sinh”" in ws.cell(row=4, column=len(headers)).value
    good = ws.cell(row=2, column=date_column)
    assert good.comment is None and good.fill.fgColor.rgb in (None, "00000000")
    assert ws.cell(row=2, column=len(headers)).value is None


def test_the_error_report_can_be_fixed_and_uploaded_again(officer_client):
    batch = uploaded_batch(officer_client, "cadres", "can-bo.xlsx", xlsx("cadres", ROWS))
    report = officer_client.get(reverse("imports:report", args=[batch.pk])).content
    workbook = load_workbook(io.BytesIO(report))
    ws = workbook.active
    headers = [cell.value for cell in ws[1]]
    ws.cell(row=4, column=headers.index("Ngày sinh") + 1, value="28/02/1980")
    buffer = io.BytesIO()
    workbook.save(buffer)

    again = uploaded_batch(officer_client, "cadres", "can-bo-da-sua.xlsx", buffer.getvalue())

    assert again.summary[RowStatus.NEW] == 3 and again.can_commit  # the “Lỗi” column is ignored


def test_a_clash_while_writing_writes_nothing_and_says_why(officer_client, monkeypatch):
    from imports import processing

    batch = uploaded_batch(officer_client, "cadres", "can-bo.xlsx", xlsx("cadres", fixed_rows()))
    write = processing._write_cadres

    def someone_else_first(creates, updates):
        CadreFactory(personal_id="LS-10001")  # recorded by another user between the check and the write
        write(creates, updates)

    monkeypatch.setattr(processing, "_write_cadres", someone_else_first)
    commit(officer_client, batch)

    batch.refresh_from_db()
    assert batch.status == BatchStatus.CHECKED
    assert "Mã cán bộ này đã được dùng cho người khác" in batch.message
    assert not Cadre.objects.filter(personal_id__startswith="LS-100").exists()


def test_a_personal_id_given_to_an_existing_cadre_cannot_also_go_to_a_new_one(officer_client, place):
    CadreFactory(full_name="Lý Thị Hoa", date_of_birth=datetime.date(1985, 9, 3), unit=place.commune_a1)
    rows = [
        {"personal_id": "LS-7", "full_name": "Lý Thị Hoa", "date_of_birth": "03/09/1985", "sex": "Nữ"},
        {"personal_id": "LS-7", "full_name": "Vi Văn Lâm", "date_of_birth": "01/01/1990", "sex": "Nam"},
    ]
    batch = uploaded_batch(officer_client, "cadres", "a.xlsx", xlsx("cadres", rows))
    assert result_of(batch, 2)["status"] == RowStatus.UPDATE
    second = result_of(batch, 3)
    assert second["status"] == RowStatus.ERROR
    assert "Mã cán bộ LS-7 đã có ở dòng 2" in second["messages"][0]["text"]
