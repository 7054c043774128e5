"""Who may import, whose batches they see, and the template download."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from imports.columns import COLUMNS, REPORT_COLUMN
from imports.models import ImportBatch
from tests.factories import UserFactory
from tests.imports import uploaded_batch, xlsx

CADRE = {"full_name": "Hoàng Văn Thái", "date_of_birth": "12/04/1978", "sex": "Nam"}


@pytest.fixture
def batch(client, board_officer, place):
    client.force_login(board_officer)
    made = uploaded_batch(client, "cadres", "cua-toi.xlsx", xlsx("cadres", [CADRE]))
    client.logout()
    return made


def batch_urls(pk: int) -> list[tuple[str, str]]:
    return [
        ("get", reverse("imports:detail", args=[pk])),
        ("get", reverse("imports:progress", args=[pk])),
        ("get", reverse("imports:report", args=[pk])),
        ("post", reverse("imports:commit", args=[pk])),
    ]


def test_another_officers_batch_answers_404_on_every_url(client, batch, world):
    colleague = UserFactory(username="bantochuc2", role="board_staff", scope=world.province)
    client.force_login(colleague)
    for method, url in batch_urls(batch.pk):
        assert getattr(client, method)(url).status_code == 404, url
    assert ImportBatch.objects.visible_to(colleague).count() == 0
    assert "cua-toi.xlsx" not in client.get(reverse("imports:start")).content.decode()


def test_the_creator_and_an_administrator_see_the_batch(client, batch, board_officer, admin_user):
    for user in (board_officer, admin_user):
        client.force_login(user)
        assert client.get(reverse("imports:detail", args=[batch.pk])).status_code == 200
        assert list(ImportBatch.objects.visible_to(user)) == [batch]


@pytest.mark.parametrize("persona", ["office_a", "leader"])
def test_only_board_staff_may_import(client, batch, persona, request):
    client.force_login(request.getfixturevalue(persona))
    urls = [("get", reverse("imports:start")), ("post", reverse("imports:start"))]
    urls += [("get", reverse("imports:template", args=["cadres"]))] + batch_urls(batch.pk)
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 403, url
    assert "Chỉ cán bộ Ban Tổ chức được nhập dữ liệu" in client.get(reverse("imports:start")).content.decode()


def test_anonymous_users_are_sent_to_the_login_page(client, batch):
    response = client.get(reverse("imports:start"))
    assert response.status_code == 302 and "login" in response.url


@pytest.mark.parametrize("kind", ["cadres", "decisions"])
def test_the_template_has_the_headers_an_instructions_sheet_and_examples(client, board_officer, kind):
    client.force_login(board_officer)

    response = client.get(reverse("imports:template", args=[kind]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="mau-nhap-')
    workbook = load_workbook(io.BytesIO(response.content))
    data = workbook.worksheets[0]
    headers = [cell.value for cell in data[1]]
    assert headers == [c.header for c in COLUMNS[kind]]
    assert REPORT_COLUMN not in headers
    assert data.max_row == 1 or all(cell.value is None for row in data.iter_rows(min_row=2) for cell in row)
    instructions = workbook["Hướng dẫn"]
    text = "\n".join(str(c.value) for row in instructions.iter_rows() for c in row if c.value)
    assert "ngày/tháng/năm" in text and "Xã Chi Lăng, Huyện Tràng Định" in text
    for column in COLUMNS[kind]:
        assert column.header in text and column.meaning in text
    examples = [[c.value for c in row] for row in workbook["Ví dụ"].iter_rows(min_row=2)]
    assert examples and all(row[headers.index("Họ và tên")] for row in examples)
    assert any("Nông Minh Cường" in row for row in examples)
    assert workbook["Danh mục"].sheet_state == "hidden"


def test_the_upload_page_offers_both_templates(client, board_officer):
    client.force_login(board_officer)
    page = client.get(reverse("imports:start")).content.decode()
    assert reverse("imports:template", args=["cadres"]) in page
    assert reverse("imports:template", args=["decisions"]) in page
    assert client.get(reverse("imports:template", args=["khac"])).status_code == 404
