"""The statistics of rotations: one entry point, `compute(parameters) -> results`, pure and deterministic.

Parameters (JSON, canonical after `normalise_parameters`; every key always present)::

    {"unit": 12 | None,            # a Unit id: that unit and everything under it; None: everything
     "start": "2016-01-01",        # the period, both days included (or give "term": <Term id> instead)
     "end": "2020-12-31",
     "structure": "period",        # "period": units as they were; "current": today's units via the lineage
     "cutoff": "2020-12-31",       # the day ages are computed on (default: end)
     "as_of": "2020-12-31",        # the day of "on rotation / ending within 90 days / overdue" and of
                                   # the composition (default: end)
     "compare": "2016-01-01"}      # the earlier day the composition is compared with (default: start)

Results (only str/int/float/bool/list/dict/None; dates as ISO strings; same data -> identical output)::

    {"version": 1,
     "parameters": {...canonical parameters...},
     "scope": {"unit": {"id", "name", "qualified_name", "path"} | None, "structure", "label"},
     "total": {"value": 132, "drill": "<posting list querystring>", "drill_list": "postings:list"},
     "sections": {
        "form11":        Biểu 11 — see form11.py: columns (versioned by date), rows, values, drill per cell,
        "by_kind", "by_purpose", "by_post_group", "by_origin_unit", "by_dest_unit":
                         {"title", "explanation", "drill_list", "items": [{"key", "label", "value", "drill"}],
                          "total": {"value", "drill"}},
        "plan_vs_actual":{"title", "explanation", "drill_list", "items": [{plan, target, done, drill, ...}]},
        "on_rotation":   {"title", "explanation", "drill_list", "as_of", "items": [current, ending_90_days, overdue]},
        "composition":   {"title", "explanation", "drill_list", "group": {...}, "dates": [...], "professional": ...,
                          "theory": ...},
        "evaluations":   {"title", "explanation", "drill_list", "items": [{"year", "rated", "good_or_better",
                          "share", "drill": {"rated", "good_or_better"}}]}}}

Every "drill" is the querystring (without "?") of the list named by the section's "drill_list"
(a URL name: "postings:list" or "cadres:list") that shows exactly the rows behind the number.
docs/statistics.md gives the counting rules and a full example.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from postings.models import PostingKind
from reports.statistics.breakdowns import (
    by_dest_unit,
    by_kind,
    by_origin_unit,
    by_post_group,
    by_purpose,
    departments_to_key_posts,
)
from reports.statistics.composition import composition
from reports.statistics.context import CURRENT, PERIOD, Context
from reports.statistics.drill import POSTING_LIST, plain, query
from reports.statistics.evaluations import evaluations
from reports.statistics.facts import by
from reports.statistics.form11 import form11
from reports.statistics.on_rotation import on_rotation
from reports.statistics.plans import plan_vs_actual
from units.models import Term, Unit

RESULTS_VERSION = 1
ROTATION = PostingKind.ROTATION.value
STRUCTURES = (PERIOD, CURRENT)
DATE_FIELDS = {
    "start": "ngày bắt đầu kỳ",
    "end": "ngày kết thúc kỳ",
    "cutoff": "ngày chốt tính tuổi",
    "as_of": "ngày tính tình trạng luân chuyển",
    "compare": "ngày so sánh",
}
EARLIEST = datetime.date(1945, 9, 2)


def _date(raw: dict, name: str, errors: dict) -> datetime.date | None:
    value = raw.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        day = value
    else:
        try:
            day = datetime.date.fromisoformat(str(value).strip())
        except ValueError:
            errors[name] = f"Trường «{DATE_FIELDS[name]}» phải là ngày dạng NNNN-TT-NN (ví dụ 2020-12-31)."
            return None
    if day < EARLIEST or day.year > 2100:
        errors[name] = f"Trường «{DATE_FIELDS[name]}» nằm ngoài khoảng thời gian hợp lệ."
        return None
    return day


def _unit(raw: dict, errors: dict) -> int | None:
    value = raw.get("unit")
    if value in (None, "", 0, "0"):
        return None
    if isinstance(value, Unit):
        return value.pk
    try:
        pk = int(str(value).strip())
    except ValueError:
        errors["unit"] = "Trường «đơn vị» phải là mã số của một đơn vị."
        return None
    if not Unit.objects.filter(pk=pk).exists():
        errors["unit"] = "Không có đơn vị này (trường «đơn vị»)."
        return None
    return pk


def normalise_parameters(raw: dict) -> dict:
    """Check the parameters and fill the defaults: two equivalent requests give the same dict.

    A term ("term": id) is replaced by its dates; unknown keys are dropped. Raises ValidationError
    with a Vietnamese message per field.
    """
    raw = dict(raw or {})
    errors: dict[str, str] = {}
    unit = _unit(raw, errors)
    start, end = _date(raw, "start", errors), _date(raw, "end", errors)
    if raw.get("term") not in (None, ""):
        try:
            term = Term.objects.get(pk=int(str(raw["term"]).strip()))
        except (ValueError, Term.DoesNotExist):
            errors["term"] = "Không có nhiệm kỳ, giai đoạn này (trường «nhiệm kỳ»)."
        else:
            if start is None and end is None:
                start, end = term.start, term.end
            elif (start, end) != (term.start, term.end):
                errors["term"] = "Đã chọn nhiệm kỳ thì không ghi ngày bắt đầu, ngày kết thúc khác với nhiệm kỳ."
    for name, day in (("start", start), ("end", end)):
        if day is None and name not in errors and "term" not in errors:
            errors[name] = f"Chưa có «{DATE_FIELDS[name]}» (hoặc chọn một nhiệm kỳ, giai đoạn)."
    if start and end and start > end:
        errors["end"] = "Ngày kết thúc kỳ phải từ ngày bắt đầu kỳ trở về sau."
    structure = raw.get("structure") or PERIOD
    if structure not in STRUCTURES:
        errors["structure"] = (
            "Trường «cơ cấu đơn vị» chỉ nhận «period» (theo đơn vị thời kỳ đó) hoặc «current» (hiện nay)."
        )
    cutoff = _date(raw, "cutoff", errors) or end
    as_of = _date(raw, "as_of", errors) or end
    compare = _date(raw, "compare", errors) or start
    if compare and as_of and compare > as_of:
        errors["compare"] = "Ngày so sánh phải trước hoặc bằng ngày tính tình trạng luân chuyển."
    if errors:
        raise ValidationError(errors)
    return {
        "unit": unit,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "structure": structure,
        "cutoff": cutoff.isoformat(),
        "as_of": as_of.isoformat(),
        "compare": compare.isoformat(),
    }


def context_for(parameters: dict) -> Context:
    params = normalise_parameters(parameters)
    day = datetime.date.fromisoformat
    return Context(
        params=params,
        unit=Unit.objects.select_related("parent").get(pk=params["unit"]) if params["unit"] else None,
        start=day(params["start"]),
        end=day(params["end"]),
        structure=params["structure"],
        cutoff=day(params["cutoff"]),
        as_of=day(params["as_of"]),
        compare=day(params["compare"]),
    )


def _scope(ctx: Context) -> dict:
    if ctx.unit is None:
        return {"unit": None, "structure": ctx.structure, "label": "Toàn bộ"}
    unit = ctx.unit
    label = unit.qualified_name()
    if ctx.lineage:
        label += " (theo cơ cấu hiện nay, gồm các đơn vị tiền thân)"
    return {
        "unit": {"id": unit.pk, "name": unit.name, "qualified_name": unit.qualified_name(), "path": unit.path},
        "structure": ctx.structure,
        "label": label,
    }


SECTIONS = {
    "form11": form11,
    "by_kind": by_kind,
    "by_purpose": by_purpose,
    "by_post_group": by_post_group,
    "by_origin_unit": by_origin_unit,
    "by_dest_unit": by_dest_unit,
    "departments_to_key_posts": departments_to_key_posts,
    "plan_vs_actual": plan_vs_actual,
    "on_rotation": on_rotation,
    "composition": composition,
    "evaluations": evaluations,
}


def compute(parameters: dict, *, sections: list[str] | None = None) -> dict:
    """All the figures for the parameters (see the module docstring for both shapes).

    `sections` limits the work to some sections (the others are left out of the result).
    """
    # One language for every run (labels are translatable): same data, same output, whoever asks.
    with translation.override(settings.LANGUAGE_CODE):
        return plain(_compute(parameters, sections))


def _compute(parameters: dict, sections: list[str] | None) -> dict:
    ctx = context_for(parameters)
    form = form11(ctx) if sections is None or "form11" in sections else None
    results = {}
    for name, section in SECTIONS.items():
        if sections is not None and name not in sections:
            continue
        results[name] = form if name == "form11" else section(ctx)
    total = by(ctx, "kind", ROTATION).get(ROTATION, {}).get("n", 0)
    return {
        "version": RESULTS_VERSION,
        "parameters": ctx.params,
        "scope": _scope(ctx),
        "total": {
            "label": "Tổng số lượt cán bộ luân chuyển",
            "value": total,
            "drill": query(ctx.rotation_filter),
            "drill_list": POSTING_LIST,
        },
        "sections": results,
    }
