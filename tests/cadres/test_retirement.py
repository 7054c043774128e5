"""Retirement dates under Nghị định 135/2020/NĐ-CP (Phụ lục I by year, Phụ lục II by month of birth)."""

from __future__ import annotations

import datetime

import pytest

from cadres.models import Sex
from cadres.retirement import (
    RETIREMENT_AGE_SCHEDULE,
    add_months,
    format_months,
    retirement_age,
    retirement_age_in,
    retirement_date,
    whole_months_between,
    working_time_left,
)

M, F = Sex.MALE, Sex.FEMALE


def ym(years: int, months: int = 0) -> int:
    return years * 12 + months


@pytest.mark.parametrize(
    ("born", "sex", "age", "retires"),
    [
        # Before 2021: 60 for men, 55 for women.
        (datetime.date(1955, 6, 20), M, ym(60), datetime.date(2015, 6, 30)),
        (datetime.date(1960, 1, 1), M, ym(60), datetime.date(2020, 1, 31)),
        (datetime.date(1960, 12, 15), M, ym(60), datetime.date(2020, 12, 31)),
        (datetime.date(1965, 12, 1), F, ym(55), datetime.date(2020, 12, 31)),
        (datetime.date(1962, 3, 8), F, ym(55), datetime.date(2017, 3, 31)),
        # The ramp, men: T1–T9/1961 -> 60y3m; T10/1961–T6/1962 -> 60y6m; ...
        (datetime.date(1961, 1, 1), M, ym(60, 3), datetime.date(2021, 4, 30)),
        (datetime.date(1961, 9, 30), M, ym(60, 3), datetime.date(2021, 12, 31)),
        (datetime.date(1961, 10, 1), M, ym(60, 6), datetime.date(2022, 4, 30)),
        (datetime.date(1962, 6, 15), M, ym(60, 6), datetime.date(2022, 12, 31)),
        (datetime.date(1962, 7, 1), M, ym(60, 9), datetime.date(2023, 4, 30)),
        (datetime.date(1964, 1, 1), M, ym(61, 3), datetime.date(2025, 4, 30)),
        (datetime.date(1965, 1, 1), M, ym(61, 6), datetime.date(2026, 7, 31)),
        (datetime.date(1966, 1, 1), M, ym(61, 9), datetime.date(2027, 10, 31)),
        (datetime.date(1966, 3, 31), M, ym(61, 9), datetime.date(2027, 12, 31)),
        # ... and from T4/1966 on: 62 (reached in 4/2028).
        (datetime.date(1966, 4, 1), M, ym(62), datetime.date(2028, 4, 30)),
        (datetime.date(1968, 1, 1), M, ym(62), datetime.date(2030, 1, 31)),
        (datetime.date(1980, 5, 17), M, ym(62), datetime.date(2042, 5, 31)),
        # The ramp, women: T1–T8/1966 -> 55y4m; T9/1966–T4/1967 -> 55y8m; ...
        (datetime.date(1966, 1, 1), F, ym(55, 4), datetime.date(2021, 5, 31)),
        (datetime.date(1966, 8, 31), F, ym(55, 4), datetime.date(2021, 12, 31)),
        (datetime.date(1966, 9, 1), F, ym(55, 8), datetime.date(2022, 5, 31)),
        (datetime.date(1966, 12, 1), F, ym(55, 8), datetime.date(2022, 8, 31)),
        (datetime.date(1967, 4, 1), F, ym(55, 8), datetime.date(2022, 12, 31)),
        (datetime.date(1967, 5, 1), F, ym(56), datetime.date(2023, 5, 31)),
        (datetime.date(1973, 1, 10), F, ym(58, 8), datetime.date(2031, 9, 30)),
        (datetime.date(1975, 4, 1), F, ym(59, 8), datetime.date(2034, 12, 31)),
        # ... and from T5/1975 on: 60 (reached in 5/2035).
        (datetime.date(1975, 5, 1), F, ym(60), datetime.date(2035, 5, 31)),
        (datetime.date(1980, 5, 17), F, ym(60), datetime.date(2040, 5, 31)),
    ],
)
def test_retirement_date_follows_the_decree(born, sex, age, retires):
    assert retirement_age(date_of_birth=born, sex=sex) == age
    assert retirement_date(date_of_birth=born, sex=sex) == retires


def test_the_age_table_is_the_decrees_annex_one():
    assert retirement_age_in(2020, M) == ym(60) and retirement_age_in(2020, F) == ym(55)
    assert [retirement_age_in(year, M) for year in range(2021, 2030)] == [
        ym(60, 3),
        ym(60, 6),
        ym(60, 9),
        ym(61),
        ym(61, 3),
        ym(61, 6),
        ym(61, 9),
        ym(62),
        ym(62),
    ]
    assert retirement_age_in(2021, F) == ym(55, 4)
    assert retirement_age_in(2034, F) == ym(59, 8)
    assert retirement_age_in(2035, F) == ym(60) == retirement_age_in(2050, F)
    assert len(RETIREMENT_AGE_SCHEDULE[F]) == 15  # 2021 … 2035, +4 months a year


@pytest.mark.parametrize("sex", [M, F])
def test_everyone_retires_at_the_age_of_the_year_they_reach_it_and_later_births_never_retire_earlier(sex):
    previous = None
    for year in range(1950, 1990):
        for month in range(1, 13):
            born = datetime.date(year, month, 15)
            retires = retirement_date(date_of_birth=born, sex=sex)
            age = retirement_age(date_of_birth=born, sex=sex)
            assert age == retirement_age_in(retires.year, sex)
            assert whole_months_between(born, retires) == age
            if previous is not None:
                assert retires > previous
            previous = retires


def test_working_time_left_counts_whole_months_to_the_retirement_date():
    born = datetime.date(1980, 5, 17)  # a man: retires 31/5/2042
    assert working_time_left(date_of_birth=born, sex=M, on=datetime.date(2023, 5, 31)) == ym(19)
    assert working_time_left(date_of_birth=born, sex=M, on=datetime.date(2023, 6, 1)) == ym(18, 11)
    assert working_time_left(date_of_birth=born, sex=M, on=datetime.date(2043, 1, 1)) == -7
    assert format_months(ym(19)) == "19 năm"
    assert format_months(ym(4, 7)) == "4 năm 7 tháng"
    assert format_months(5) == "5 tháng"
    assert format_months(-7) == "âm 7 tháng"


def test_month_arithmetic_clamps_to_the_end_of_short_months():
    assert add_months(datetime.date(2023, 1, 31), 1) == datetime.date(2023, 2, 28)
    assert add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert add_months(datetime.date(2023, 5, 31), 36) == datetime.date(2026, 5, 31)
    assert whole_months_between(datetime.date(2023, 5, 31), datetime.date(2026, 5, 30)) == 35
    assert whole_months_between(datetime.date(2023, 5, 15), datetime.date(2023, 4, 20)) == 0
