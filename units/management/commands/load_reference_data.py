"""manage.py load_reference_data [--province CODE ...]: administrative units from vietnam-provinces."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from units.models import UnitKind
from units.reference import ReferenceDataError, load_reference_data

# Missing conversion-table references are listed up to this many; the count is always given.
SHOWN_REFERENCES = 20


def _number(value: int) -> str:
    """Vietnamese thousands separator: 10051 -> '10.051'."""
    return f"{value:,}".replace(",", ".")


class Command(BaseCommand):
    help = (
        "Nạp tỉnh, huyện, xã trước và từ 1/7/2025 cùng quan hệ kế thừa từ gói vietnam-provinces. "
        "Chạy lại nhiều lần không tạo trùng."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--province",
            type=int,
            action="append",
            dest="provinces",
            metavar="MÃ",
            help="Chỉ nạp tỉnh có mã này (mã cũ hoặc mã mới, ví dụ 20 là Lạng Sơn); có thể lặp lại.",
        )

    def handle(self, *args, provinces: list[int] | None = None, **options):
        started = time.monotonic()
        try:
            result = load_reference_data(province_codes=set(provinces) if provinces else None)
        except ReferenceDataError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = f"{time.monotonic() - started:.1f}".replace(".", ",")

        scope = f" (tỉnh mã {', '.join(map(str, sorted(set(provinces))))})" if provinces else ""
        lines = [f"Dữ liệu đơn vị hành chính từ gói vietnam-provinces {result.version}{scope}:"]
        for kind in (UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.COMMUNE):
            created, unchanged = _number(result.created[kind]), _number(result.unchanged[kind])
            lines.append(f"  {kind.label}: tạo mới {created}, đã có {unchanged}.")
        lines.append(
            f"  Quan hệ kế thừa: tạo mới {_number(result.lineage_created)}, đã có {_number(result.lineage_unchanged)}."
        )
        if result.missing_references:
            shown = "; ".join(result.missing_references[:SHOWN_REFERENCES])
            more = "; …" if len(result.missing_references) > SHOWN_REFERENCES else ""
            lines.append(
                f"  Bỏ qua {_number(len(result.missing_references))} dòng của bảng chuyển đổi không khớp với "
                f"danh sách đơn vị của gói: {shown}{more}."
            )
        lines.append(f"Xong sau {elapsed} giây.")
        self.stdout.write("\n".join(lines))
