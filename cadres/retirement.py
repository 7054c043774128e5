"""Retirement age under Bộ luật Lao động 2019 Điều 169 and Nghị định 135/2020/NĐ-CP.

The age depends on the calendar YEAR in which the person reaches it (NĐ 135 Điều 4, Phụ lục I):
a man who turns 60 years 3 months during 2021 retires then; one who would only reach 60y3m in
January 2022 falls under the 2022 age, 60y6m. Phụ lục II of the decree lists the result month by
month of birth; the tests pin its first and last rows.

The moment of retirement is the end of the last day of the month in which the age is reached
(NĐ 135 Điều 7); the pension starts the next month. `retirement_date` returns that last day.

Not modelled: the lower ages for heavy or hazardous work or disadvantaged areas (Điều 5), the
higher ages for some senior leaders and specialists (Điều 6, NĐ 83/2022), and partial dates of
birth (a 2C form always has a full date).
"""

from __future__ import annotations

import calendar
import datetime

from django.utils.translation import gettext, ngettext

from cadres.models import Sex

# Age in months by the year in which it is reached (Phụ lục I, NĐ 135/2020).
# Years before the first key use the "before" value; years after the last use the last value.
RETIREMENT_AGE_BEFORE_2021 = {Sex.MALE: 60 * 12, Sex.FEMALE: 55 * 12}
RETIREMENT_AGE_SCHEDULE: dict[str, dict[int, int]] = {
    Sex.MALE: {
        2021: 60 * 12 + 3,
        2022: 60 * 12 + 6,
        2023: 60 * 12 + 9,
        2024: 61 * 12,
        2025: 61 * 12 + 3,
        2026: 61 * 12 + 6,
        2027: 61 * 12 + 9,
        2028: 62 * 12,  # and every year after
    },
    Sex.FEMALE: {
        2021: 55 * 12 + 4,
        2022: 55 * 12 + 8,
        2023: 56 * 12,
        2024: 56 * 12 + 4,
        2025: 56 * 12 + 8,
        2026: 57 * 12,
        2027: 57 * 12 + 4,
        2028: 57 * 12 + 8,
        2029: 58 * 12,
        2030: 58 * 12 + 4,
        2031: 58 * 12 + 8,
        2032: 59 * 12,
        2033: 59 * 12 + 4,
        2034: 59 * 12 + 8,
        2035: 60 * 12,  # and every year after
    },
}


def retirement_age_in(year: int, sex: str) -> int:
    """The retirement age, in months, for someone who reaches it during `year`."""
    schedule = RETIREMENT_AGE_SCHEDULE[Sex(sex)]
    first, last = min(schedule), max(schedule)
    if year < first:
        return RETIREMENT_AGE_BEFORE_2021[Sex(sex)]
    return schedule[min(year, last)]


def _month_index(day: datetime.date) -> int:
    return day.year * 12 + day.month - 1


def _last_day_of(month_index: int) -> datetime.date:
    year, month0 = divmod(month_index, 12)
    return datetime.date(year, month0 + 1, calendar.monthrange(year, month0 + 1)[1])


def retirement_age(*, date_of_birth: datetime.date, sex: str) -> int:
    """The age, in months, at which this person retires."""
    born = _month_index(date_of_birth)
    # The age rises by at most 4 months a year, so walking the years upwards always meets the
    # first year Y in which the person reaches the age fixed for Y.
    year = date_of_birth.year + RETIREMENT_AGE_BEFORE_2021[Sex(sex)] // 12
    while True:
        age = retirement_age_in(year, sex)
        if (born + age) // 12 <= year:
            return age
        year += 1


def retirement_date(*, date_of_birth: datetime.date, sex: str) -> datetime.date:
    """The last day of the month in which the person reaches retirement age (NĐ 135/2020 Điều 7)."""
    return _last_day_of(_month_index(date_of_birth) + retirement_age(date_of_birth=date_of_birth, sex=sex))


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, clamped to the end of a shorter month (31/1 + 1 month = 28 or 29/2)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return datetime.date(year, month0 + 1, min(day.day, last))


def whole_months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole months from start to end (negative if end is earlier)."""
    months = _month_index(end) - _month_index(start)
    if months > 0 and add_months(start, months) > end:
        months -= 1
    elif months < 0 and add_months(start, months) < end:
        months += 1
    return months


def working_time_left(*, date_of_birth: datetime.date, sex: str, on: datetime.date) -> int:
    """Whole months of working time left on a day, until the retirement date (negative once past it)."""
    return whole_months_between(on, retirement_date(date_of_birth=date_of_birth, sex=sex))


def format_months(months: int) -> str:
    """'7 năm 3 tháng', '10 năm', '5 tháng'."""
    years, rest = divmod(abs(months), 12)
    parts = [ngettext("%(count)d năm", "%(count)d năm", years) % {"count": years}] if years else []
    if rest or not parts:
        parts.append(ngettext("%(count)d tháng", "%(count)d tháng", rest) % {"count": rest})
    text = " ".join(parts)
    return gettext("âm %(duration)s") % {"duration": text} if months < 0 else text
