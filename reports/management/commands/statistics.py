"""Print statistics as JSON, for automation: the same figures as the dashboard, in the same words."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reports.runs import latest_done, normalise, parameters_key, run_is_stale
from reports.statistics.engine import SECTIONS, compute
from rotation_registry.common.vietnamese import search_key
from units.models import Term, Unit

HELP = """In số liệu thống kê luân chuyển dạng JSON (UTF-8) ra đầu ra chuẩn.

Ví dụ:
  manage.py statistics --unit "Tỉnh Lạng Sơn" --term 2016–2020
  manage.py statistics --unit 12 --start 2016-01-01 --end 2020-12-31 --section form11 --section evaluations
  manage.py statistics --unit "Tỉnh Lạng Sơn" --term 2016–2020 --stored

Kết quả: một đối tượng JSON {"parameters", "scope", "total", "sections": {...}} như docs/statistics.md
mô tả; với --section chỉ có các mục đã chọn; với --stored có thêm "run" (mã, thời điểm tính,
"data_changed_since"). Mỗi con số kèm "drill": chuỗi truy vấn của danh sách cho ra đúng các dòng
đó. Lỗi tham số: thông báo tiếng Việt ra stderr, mã thoát 1."""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        from argparse import RawDescriptionHelpFormatter

        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser):
        parser.add_argument("--unit", help="đơn vị: mã số hoặc tên đầy đủ (gồm đơn vị trực thuộc); bỏ trống: toàn bộ")
        parser.add_argument("--term", help="nhiệm kỳ, giai đoạn: mã số hoặc tên (ví dụ 2016–2020 hoặc 2016-2020)")
        parser.add_argument("--start", help="ngày bắt đầu kỳ, dạng NNNN-TT-NN (thay cho --term)")
        parser.add_argument("--end", help="ngày kết thúc kỳ, dạng NNNN-TT-NN (thay cho --term)")
        parser.add_argument(
            "--structure",
            choices=["period", "current"],
            default="period",
            help="nhóm theo đơn vị như trong kỳ (period, mặc định) hoặc theo cơ cấu hiện nay (current)",
        )
        parser.add_argument("--cutoff", help="ngày chốt tính tuổi (mặc định: ngày kết thúc kỳ)")
        parser.add_argument(
            "--section",
            action="append",
            choices=sorted(SECTIONS),
            help="chỉ in mục này (lặp lại để in nhiều mục); mặc định: mọi mục",
        )
        parser.add_argument(
            "--stored",
            action="store_true",
            help="đọc lần tính đã lưu gần nhất (như trang thống kê) thay vì tính ngay",
        )
        parser.add_argument("--indent", type=int, default=1, help="số dấu cách thụt lề JSON (0: một dòng)")

    def handle(self, *args, **options):
        raw = {
            "unit": _unit(options["unit"]),
            "start": options["start"],
            "end": options["end"],
            "structure": options["structure"],
            "cutoff": options["cutoff"],
        }
        if options["term"]:
            term = _term(options["term"])
            raw["start"], raw["end"] = raw["start"] or term.start, raw["end"] or term.end
        try:
            parameters = normalise(raw)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if options["stored"]:
            run = latest_done(parameters_key(parameters))
            if run is None:
                raise CommandError(_("Chưa có lần tính nào được lưu cho các tham số này; bỏ --stored để tính ngay."))
            results = dict(run.results)
            results["run"] = {
                "id": run.pk,
                "finished_at": run.finished_at.isoformat(),
                "data_changed_since": run_is_stale(run),
            }
        else:
            results = compute(parameters)
        if options["section"]:
            results["sections"] = {name: results["sections"][name] for name in options["section"]}
        indent = options["indent"] or None
        self.stdout.write(json.dumps(results, ensure_ascii=False, indent=indent, sort_keys=True))


def _unit(value: str | None) -> int | None:
    if not value:
        return None
    if value.strip().isdigit():
        return int(value)
    key = search_key(value)
    matches = list(Unit.objects.filter(name_key=key).values_list("pk", "name", "valid_to")[:5])
    if not matches:  # "Bình Gia" for "Huyện Bình Gia", when only one unit's name contains it
        matches = list(Unit.objects.filter(name_key__contains=key).values_list("pk", "name", "valid_to")[:5])
    if not matches:
        raise CommandError(_("Không có đơn vị tên «%(name)s» (--unit).") % {"name": value})
    if len(matches) > 1:
        names = "; ".join(
            f"{pk}: {name}" + (" (" + _("đến %(date)s") % {"date": end.strftime("%d/%m/%Y")} + ")" if end else "")
            for pk, name, end in matches
        )
        raise CommandError(
            _("Có nhiều đơn vị tên «%(name)s» (--unit); hãy ghi mã số: %(units)s.") % {"name": value, "units": names}
        )
    return matches[0][0]


def _term(value: str) -> Term:
    if value.strip().isdigit():
        term = Term.objects.filter(pk=int(value)).first()
    else:
        name = value.strip().replace("-", "–")
        found = list(Term.objects.filter(name=name).order_by("-kind"))  # a plan period before a congress term
        term = found[0] if found else None
    if term is None:
        raise CommandError(_("Không có nhiệm kỳ, giai đoạn «%(name)s» (--term).") % {"name": value})
    return term
