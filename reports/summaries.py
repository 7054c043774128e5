"""The leaders' summary (PDF, built by a Celery job) and Biểu 11-BTCTW as PDF (docs/documents.md).

Both are printed from a done statistics run's stored results: nothing is computed while a request
waits. The Biểu 11 PDF renders in the request (one or two landscape pages); the summary — headline
figures, the Biểu 11 table on a landscape page, the dashboard's SVG charts, top units, plan against
actual and the list of cadres on rotation — renders in `build_summary_job`, is stored as a file
(`SummaryDocument.file`), and is reused while the registry's data version is the one its run was
computed from.

Memory: WeasyPrint holds the laid-out document until it is written; a 50-page summary peaks at a
few hundred MB in the worker (bench/summaries.py measures it), so the job runs alone in its prefork
child and the page and row limits of render_pdf bound the rest.
"""

from __future__ import annotations

import datetime
import logging
import re
import time
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from reports.form11_layout import committee_header, layout
from reports.models import RunStatus, StatisticsRun, SummaryDocument
from reports.runs import (
    BROKER_ERRORS,
    _check_scope,
    _create_or_reuse,
    compute_run_job,
    current_fingerprint,
    latest_done,
    normalise,
    parameters_key,
)
from rotation_registry.common.formatting import document_date_line, format_date, format_number
from rotation_registry.common.pdf import DOCUMENT_BASE_URL, render_pdf

logger = logging.getLogger(__name__)

# Biểu 11 renders in the request (one or two pages); the summary in its job.
FORM11_PDF_TIME_LIMIT = 15.0
SUMMARY_TIME_LIMIT = 60.0
# A job whose document is still "queued" after this long lost its message.
QUEUED_STALE_AFTER = datetime.timedelta(minutes=15)
RUNNING_STALE_AFTER = datetime.timedelta(minutes=10)
TOP_UNITS = 10
# Cadres listed in the summary's annex (about 25 a landscape page): beyond that the annex says how many more
# there are and points to the list. The rest of the largest summary takes about 36 pages, so 300 names keep it
# within issue 5's 50 pages (800 made 68: bench/summaries.py, docs/performance.md).
MAX_CADRES_LISTED = 300


# --- Shared bits ---


def _svg_for_pdf(svg: str) -> str:
    """A dashboard chart for print: no links (they would point nowhere), the document's embedded font."""
    svg = re.sub(r"</?a\b[^>]*>", "", str(svg))
    return re.sub(r'font-family="[^"]*"', 'font-family="Liberation Serif"', svg)


def _province_name(results: dict) -> str:
    """The name of the province the figures belong to (the top unit of the scope's path)."""
    from units.models import Unit, UnitKind

    unit = (results.get("scope") or {}).get("unit") or {}
    path = unit.get("path") or ""
    top_id = path.strip("/").split("/")[0] if path else ""
    province = Unit.objects.filter(pk=int(top_id)).first() if top_id.isdigit() else None
    if province is None:
        province = Unit.objects.filter(parent__isnull=True, kind=UnitKind.PROVINCE).order_by("sort_key").first()
    return province.name if province else unit.get("name", "")


def form11_filename(results: dict, extension: str) -> str:
    parameters = results["parameters"]
    return f"bieu-11-btctw-{parameters['start']}-{parameters['end']}.{extension}"


def pdf_page_count(pdf: bytes) -> int | None:
    """The number of pages of a PDF written by WeasyPrint: its page tree's /Count (maybe in a compressed stream)."""
    import zlib

    found = re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)|/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf)
    for match in re.finditer(rb"stream\r?\n", pdf):
        end = pdf.find(b"endstream", match.end())
        try:
            data = zlib.decompressobj().decompress(pdf[match.end() : end])
        except zlib.error:
            continue
        if b"/Pages" in data:
            found += re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)|/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", data)
    counts = [int(a or b) for a, b in found]
    return max(counts) if counts else None


# --- Biểu 11 as PDF ---


def form11_document_html(results: dict) -> str:
    with translation.override("vi"):
        return render_to_string("reports/form11_document.html", {"form11": layout(results)})


def form11_pdf(results: dict) -> bytes:
    """Biểu 11-BTCTW in the paper form's layout (A4 landscape) from a run's stored results."""
    return render_pdf(form11_document_html(results), base_url=DOCUMENT_BASE_URL, time_limit=FORM11_PDF_TIME_LIMIT)


# --- The summary's content ---


@dataclass
class SummaryValues:
    """What templates/reports/summary_document.html prints besides `doc` (base_document's header and closing)."""

    type_name: str
    symbol: str
    superior_body: str
    issuing_body: str
    date_line: str
    subject: str
    subject_lines: list[str]
    recipients: list[str]
    signing_authority: str
    signer_title: str
    signer_name: str
    is_draft: bool = False


def _subject_lines(scope_label: str, period: str) -> list[str]:
    from rotation_registry.common.pdf import SUBJECT_WIDTH, balanced_lines

    return balanced_lines(f"tình hình luân chuyển cán bộ {scope_label}, {period}", width=SUBJECT_WIDTH)


def _on_rotation_postings(results: dict) -> tuple[list, int]:
    """The cadres on rotation on the run's "as of" day, within the run's unit (the posting list's own filter)."""
    from postings.filters import PostingFilterSet
    from postings.models import Posting

    section = results["sections"]["on_rotation"]
    current = next((item for item in section["items"] if item.get("key") == "current"), section["items"][0])
    base = Posting.objects.select_related("cadre")
    queryset = PostingFilterSet(QueryDict(current["drill"]), queryset=base).qs.order_by(
        "start_date", "cadre__sort_key", "id"
    )
    total = queryset.count()
    return list(queryset[:MAX_CADRES_LISTED]), total


def summary_context(results: dict, *, today: datetime.date | None = None) -> dict:
    today = today or timezone.localdate()
    sections = results["sections"]
    form = sections["form11"]
    total_row = next(row for row in form["rows"] if row["key"] == "total")
    directions = [
        {"label": column["label"], "group": column["group"], "value": total_row["values"].get(column["key"], 0)}
        for column in form["columns"]
    ]
    other = total_row["values"].get(form["other_column"]["key"], 0)
    if other:
        directions.append({"label": form["other_column"]["label"], "group": "", "value": other})
    from reports.charts import dashboard_charts

    charts = {name: _svg_for_pdf(svg) for name, svg in dashboard_charts(results).items()}

    def top(section: dict) -> list[dict]:
        items = [item for item in section["items"] if item["value"]]
        return sorted(items, key=lambda item: -item["value"])[:TOP_UNITS]

    postings, on_rotation_total = _on_rotation_postings(results)
    grid = layout(results)
    province = _province_name(results)
    place = province.removeprefix("Tỉnh ").removeprefix("Thành phố ")
    scope_label = (results.get("scope") or {}).get("unit", {}) or {}
    scope_name = scope_label.get("qualified_name") or scope_label.get("name") or "toàn bộ đơn vị"
    doc = SummaryValues(
        type_name="BÁO CÁO TÓM TẮT",
        symbol="\u00a0\u00a0\u00a0\u00a0\u00a0-BC/BTCTU",
        superior_body=committee_header(province),
        issuing_body="BAN TỔ CHỨC",
        date_line=document_date_line(place, today),
        subject="",
        subject_lines=_subject_lines(scope_name, grid.period.lower()),
        recipients=["- Thường trực Tỉnh ủy (để báo cáo),", "- Lưu Ban Tổ chức."],
        signing_authority="TRƯỞNG BAN",
        signer_title="",
        signer_name="",
    )
    as_of = datetime.date.fromisoformat(sections["on_rotation"]["as_of"])
    return {
        "doc": doc,
        "results": results,
        "total": results["total"]["value"],
        "directions": directions,
        "charts": charts,
        "form11": grid,
        "scope_name": scope_name,
        "top_origin": top(sections["by_origin_unit"]),
        "top_dest": top(sections["by_dest_unit"]),
        "origin_title": sections["by_origin_unit"]["title"],
        "dest_title": sections["by_dest_unit"]["title"],
        "plans": sections["plan_vs_actual"],
        "on_rotation": sections["on_rotation"],
        "as_of": format_date(as_of),
        "postings": postings,
        "postings_total": on_rotation_total,
        "postings_more": max(on_rotation_total - len(postings), 0),
        "format_number": format_number,
    }


def summary_html(results: dict, *, today: datetime.date | None = None) -> str:
    with translation.override("vi"):
        return render_to_string("reports/summary_document.html", summary_context(results, today=today))


def summary_filename(doc: SummaryDocument) -> str:
    parameters = doc.parameters
    return f"bao-cao-tom-tat-{parameters['start']}-{parameters['end']}.pdf"


# --- Requesting a summary ---


def _enqueue(doc: SummaryDocument) -> bool:
    from reports.tasks import build_summary

    try:
        build_summary.apply_async(args=[doc.pk], task_id=doc.task_id or None, retry=False)
    except BROKER_ERRORS as exc:
        logger.warning("Summary %s not enqueued, the broker is unreachable: %s", doc.pk, exc)
        SummaryDocument.objects.filter(pk=doc.pk, status=RunStatus.QUEUED).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            error=_("Không gửi được yêu cầu vào hàng đợi (Redis): %(error)s") % {"error": exc},
        )
        doc.status = RunStatus.FAILED
        return False
    return True


def _reusable(key: str, fingerprint: int) -> SummaryDocument | None:
    """A done document built from the current data, else one being built (not lost) for these parameters."""
    now = timezone.now()
    candidates = SummaryDocument.objects.filter(parameters_key=key).order_by("-requested_at", "-id")
    done = candidates.filter(status=RunStatus.DONE, fingerprint=fingerprint).first()
    if done is not None:
        return done
    pending = candidates.filter(
        status__in=[RunStatus.QUEUED, RunStatus.RUNNING], requested_at__gte=now - QUEUED_STALE_AFTER
    ).first()
    return pending


def request_summary(parameters: dict, user) -> tuple[SummaryDocument, str]:
    """The "summary" button: reuse a document built from the current data, else queue a new one.

    Raises ValidationError for bad parameters or a unit outside the user's scope. With Redis down the
    answer comes within about a second: the new document is marked failed and the message says so.
    """
    parameters = normalise(parameters)
    _check_scope(parameters, user)
    key = parameters_key(parameters)
    fingerprint = current_fingerprint()
    existing = _reusable(key, fingerprint)
    if existing is not None and existing.status == RunStatus.DONE:
        return existing, _("Báo cáo tóm tắt đã có, dựng từ số liệu hiện hành (dữ liệu chưa thay đổi từ đó).")
    if existing is not None:
        return existing, _("Báo cáo tóm tắt đang được dựng; trang này sẽ cập nhật khi xong.")
    doc = SummaryDocument.objects.create(
        parameters=parameters,
        parameters_key=key,
        unit_id=parameters.get("unit"),
        requested_by=user,
        task_id=str(uuid.uuid4()),
    )
    if _enqueue(doc):
        return doc, _("Đã gửi yêu cầu dựng báo cáo tóm tắt; thường mất dưới một phút.")
    return doc, _("Không kết nối được hàng đợi (Redis) nên chưa dựng được báo cáo tóm tắt. Vui lòng thử lại sau.")


# --- The job ---


def _progress(doc_id: int, progress: int, step: str) -> None:
    SummaryDocument.objects.filter(pk=doc_id, status=RunStatus.RUNNING).update(progress=progress, step=step)


def _claim(doc_id: int, task_id: str) -> bool:
    changes = {"status": RunStatus.RUNNING, "started_at": timezone.now(), "progress": 5, "error": ""}
    if task_id:
        changes["task_id"] = task_id
    return bool(
        SummaryDocument.objects.filter(pk=doc_id, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).update(**changes)
    )


class SummaryNotCommittedYet(Exception):
    """The job arrived before the transaction that created its document committed."""


def _statistics_run(parameters: dict) -> StatisticsRun:
    """A done run for the parameters at the current data version, computed here when there is none."""
    from reports.models import RunTrigger

    key = parameters_key(parameters)
    run = latest_done(key)
    if run is not None and run.fingerprint == current_fingerprint():
        return run
    run, _fresh = _create_or_reuse(parameters=parameters, key=key, trigger=RunTrigger.REQUEST)
    if run.status != RunStatus.DONE:
        # Computed here, in this job (queued or stale runs are claimed the same way compute_run does it).
        run = compute_run_job(run_id=run.pk) or StatisticsRun.objects.get(pk=run.pk)
        if run.status != RunStatus.DONE:
            run = latest_done(key) or run
    if run.status != RunStatus.DONE:
        raise RuntimeError(run.error or _("Chưa tính được số liệu thống kê."))
    return run


def build_summary_job(doc_id: int, task_id: str = "") -> SummaryDocument | None:
    """Build one summary (called by reports.tasks.build_summary). Safe to run twice: one document, one file."""
    if not _claim(doc_id, task_id):
        if not SummaryDocument.objects.filter(pk=doc_id).exists():
            raise SummaryNotCommittedYet(doc_id)
        return None  # done or failed already
    doc = SummaryDocument.objects.get(pk=doc_id)
    started = time.perf_counter()
    try:
        _progress(doc_id, 10, "Lấy số liệu thống kê")
        run = _statistics_run(doc.parameters)
        _progress(doc_id, 40, "Soạn nội dung báo cáo")
        html = summary_html(run.results)
        _progress(doc_id, 60, "Dựng tệp PDF")
        pdf = render_pdf(html, base_url=DOCUMENT_BASE_URL, time_limit=SUMMARY_TIME_LIMIT)
        _progress(doc_id, 90, "Lưu tệp")
        pages = pdf_page_count(pdf)
        with transaction.atomic():
            current = SummaryDocument.objects.select_for_update().filter(pk=doc_id, status=RunStatus.RUNNING).first()
            if current is None:
                return None  # finished by another delivery of the same job
            if current.file:
                current.file.delete(save=False)
            current.file.save(summary_filename(current), ContentFile(pdf), save=False)
            current.status = RunStatus.DONE
            current.progress = 100
            current.step = ""
            current.run = run
            current.fingerprint = run.fingerprint
            current.pages = pages
            current.finished_at = timezone.now()
            current.duration_ms = int((time.perf_counter() - started) * 1000)
            current.save()
    except Exception as exc:
        message = getattr(exc, "message", None) or str(exc)
        logger.exception("Summary %s failed", doc_id)
        SummaryDocument.objects.filter(pk=doc_id, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            error=_("Không dựng được báo cáo tóm tắt: %(error)s") % {"error": message},
        )
    doc.refresh_from_db()
    return doc


def summary_get_for_user(*, user, pk: int) -> SummaryDocument:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(SummaryDocument.objects.visible_to(user).select_related("unit"), pk=pk)


__all__ = [
    "ValidationError",
    "build_summary_job",
    "form11_pdf",
    "request_summary",
    "summary_get_for_user",
]
