"""Numbers and dates the Vietnamese way: 4.200, 92,03%, 23/8/2017, 'Lạng Sơn, ngày 23 tháng 8 năm 2017'."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal


def format_number(value: int | float | Decimal, decimals: int = 0) -> str:
    """Thousands with '.', decimals with ',': 4200 -> '4.200', 1234.5 -> '1.234,5'."""
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_percent(numerator: int, denominator: int, decimals: int = 2) -> str:
    """A share as Vietnamese text, trailing zeros dropped: 231/251 -> '92,03%', 197/200 -> '98,5%'."""
    if not denominator:
        return "—"
    share = (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    text = format_number(share, decimals)
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return f"{text}%"


def format_date(day: datetime.date | None) -> str:
    """23/8/2017: no zero padding, as in running text; a missing date is a dash."""
    return f"{day.day}/{day.month}/{day.year}" if day else "—"


def document_date_line(place: str, day: datetime.date) -> str:
    """The date line of a Party document: the day is zero-padded below 10, the month only for 01 and 02."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"
