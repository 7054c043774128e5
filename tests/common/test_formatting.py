import datetime

import pytest

from rotation_registry.common.formatting import document_date_line, format_date, format_number, format_percent


@pytest.mark.parametrize(
    ("value", "decimals", "text"), [(4200, 0, "4.200"), (1234567, 0, "1.234.567"), (1234.5, 1, "1.234,5"), (0, 0, "0")]
)
def test_numbers_use_dots_for_thousands_and_commas_for_decimals(value, decimals, text):
    assert format_number(value, decimals) == text


def test_percentages_read_as_in_the_articles():
    assert format_percent(231, 251) == "92,03%"
    assert format_percent(197, 200) == "98,5%"
    assert format_percent(1, 1) == "100%"
    assert format_percent(1, 0) == "—"


def test_dates_in_text_and_in_document_date_lines():
    assert format_date(datetime.date(2017, 8, 23)) == "23/8/2017"
    assert document_date_line("Lạng Sơn", datetime.date(2017, 8, 23)) == "Lạng Sơn, ngày 23 tháng 8 năm 2017"
    assert document_date_line("Lạng Sơn", datetime.date(2018, 4, 3)) == "Lạng Sơn, ngày 03 tháng 4 năm 2018"
    assert document_date_line("Lạng Sơn", datetime.date(2026, 1, 9)) == "Lạng Sơn, ngày 09 tháng 01 năm 2026"
    assert document_date_line("Lạng Sơn", datetime.date(2018, 2, 20)) == "Lạng Sơn, ngày 20 tháng 02 năm 2018"


def test_templates_show_dates_and_numbers_the_vietnamese_way(settings):
    from django.template import Context, Template
    from django.utils import translation

    with translation.override("vi"):
        text = Template("{{ day }} {{ year }} {{ share }}").render(
            Context({"day": datetime.date(2017, 8, 23), "year": 2017, "share": 92.03})
        )
    assert text == "23/8/2017 2017 92,03"
