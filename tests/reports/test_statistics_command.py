"""`manage.py statistics` prints the figures as JSON, computed now or as stored; bad options fail in Vietnamese."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command

from postings.models import Posting, PostingStatus
from reports.models import StatisticsRun
from reports.runs import compute_run_job, normalise, parameters_key
from tests.factories import CadreFactory, DecisionFactory, TermFactory
from units.models import TermKind

D = datetime.date


@pytest.fixture
def rotation(world):
    TermFactory(kind=TermKind.PLAN, name="2016–2020", start=D(2016, 1, 1), end=D(2020, 12, 31))
    TermFactory(name="2015–2020")  # the decisions' congress term (a flushed database lacks the catalogues)
    decision = DecisionFactory(symbol="55-QĐ/TU", date=D(2018, 3, 1), issuing_unit=world.provincial_committee)
    return Posting.objects.create(
        cadre=CadreFactory(full_name="Vi Văn Lệnh", unit=world.district_a_department),
        decision=decision,
        origin_unit=world.district_a_department,
        dest_unit=world.commune_a1,
        origin_unit_name="Phòng Nội vụ huyện An",
        origin_title_name="Chuyên viên",
        dest_unit_name="Xã An Một",
        dest_title_name="Phó Chủ tịch UBND",
        start_date=D(2018, 3, 15),
        planned_end=D(2021, 3, 15),
        direction="huyen_xa",
        status=PostingStatus.IN_FORCE,
    )


def _run(*args) -> dict:
    out = io.StringIO()
    call_command("statistics", *args, stdout=out)
    return json.loads(out.getvalue())


def test_prints_the_chosen_sections_for_a_unit_named_and_a_term(world, rotation):
    results = _run("--unit", "Tỉnh Thử", "--term", "2016-2020", "--section", "form11")
    assert results["total"]["value"] == 1
    assert list(results["sections"]) == ["form11"]
    total = next(row for row in results["sections"]["form11"]["rows"] if row["key"] == "total")
    assert total["values"]["huyen_xa"] == 1
    assert results["parameters"]["start"] == "2016-01-01" and results["parameters"]["unit"] == world.province.pk


def test_stored_reads_the_latest_run_and_says_whether_data_changed(world, rotation):
    with pytest.raises(CommandError, match="Chưa có lần tính nào được lưu"):
        _run("--unit", str(world.province.pk), "--start", "2016-01-01", "--end", "2020-12-31", "--stored")
    parameters = normalise({"unit": world.province.pk, "start": "2016-01-01", "end": "2020-12-31"})
    run = StatisticsRun.objects.create(parameters=parameters, parameters_key=parameters_key(parameters))
    compute_run_job(run_id=run.pk)
    results = _run("--unit", str(world.province.pk), "--start", "2016-01-01", "--end", "2020-12-31", "--stored")
    assert results["run"]["id"] == run.pk and results["run"]["data_changed_since"] is False
    assert results["total"]["value"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit", "Không Có"], "Không có đơn vị tên «Không Có» (--unit)."),
        (["--unit", "Xã", "--term", "2016–2020"], "Có nhiều đơn vị tên «Xã»"),
        (["--term", "1999–2000"], "Không có nhiệm kỳ, giai đoạn «1999–2000» (--term)."),
        (["--start", "2020-02-30", "--end", "2020-12-31"], "ngày bắt đầu kỳ"),
        (["--start", "2021-01-01", "--end", "2020-12-31"], "Ngày kết thúc kỳ phải từ ngày bắt đầu kỳ trở về sau."),
    ],
)
def test_bad_options_fail_with_a_vietnamese_message(world, rotation, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _run(*args)


def test_help_documents_the_options_and_the_output(capsys):
    with pytest.raises(SystemExit):
        call_command("statistics", "--help")
    text = capsys.readouterr().out
    for option in ("--unit", "--term", "--start", "--end", "--structure", "--section", "--stored"):
        assert option in text
    assert '"sections"' in text and "drill" in text
