"""The quarterly report pages: the list (a unit's own reports, or the board's completeness board), the
periods of a quarter, a report (read, file, review, PDF), a kept submission, and the province's report.

Roles: a unit office files its own unit's reports; board staff and administrators set periods and
review; leaders read everything in their scope. Every page looks the period up in the user's scope
first (404 outside it), then checks the role (403), as the other apps do.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from reports.form11_layout import layout as form11_layout
from reports.models import ReportStatus
from reports.quarterly import documents, forms, prefill, selectors, services
from rotation_registry.common.forms import add_service_errors
from rotation_registry.common.pdf import DocumentRefused


def _is_office(user) -> bool:
    return user.role == Role.UNIT_OFFICE and not user.sees_everything


def require_board(user) -> None:
    if not user.can_edit_registry:
        raise PermissionDenied(_("Chỉ cán bộ Ban Tổ chức được giao kỳ báo cáo và duyệt báo cáo quý."))


def require_filer(user) -> None:
    if not _is_office(user):
        raise PermissionDenied(_("Chỉ văn phòng cấp ủy của đơn vị được lập và nộp báo cáo quý của đơn vị."))


def require_province_reader(user) -> None:
    if _is_office(user):
        raise PermissionDenied(_("Báo cáo chung của tỉnh dành cho Ban Tổ chức và lãnh đạo."))


def _quarter_label(year: int, quarter: int) -> str:
    from reports.models import ROMAN_QUARTERS

    return _("quý %(quarter)s năm %(year)s") % {"quarter": ROMAN_QUARTERS[quarter], "year": year}


# --- The list ---


@login_required
def index(request):
    """A unit office: its own reports. The board and leaders: the completeness board of a quarter."""
    today = timezone.localdate()
    if _is_office(request.user):
        rows = selectors.own_periods(user=request.user, today=today)
        return render(request, "reports/quarterly/own_list.html", {"rows": rows, "today": today})
    available = selectors.quarters(user=request.user)
    year, quarter = forms.quarter_from(request.GET, selectors.default_quarter(available, today))
    board = selectors.completeness(user=request.user, year=year, quarter=quarter, today=today)
    context = {
        "board": board,
        "available": available,
        "today": today,
        "quarter_label": _quarter_label(year, quarter),
        "can_set": request.user.can_edit_registry,
    }
    return render(request, "reports/quarterly/board.html", context)


# --- Periods of a quarter ---


@login_required
def periods_setup(request):
    require_board(request.user)
    today = timezone.localdate()
    source = request.POST if request.method == "POST" else request.GET
    year, quarter = forms.quarter_from(source, (today.year, (today.month - 1) // 3 + 1))
    candidates = list(services.reporting_candidates(user=request.user, year=year, quarter=quarter))
    periods = services.ReportingPeriod.objects.visible_to(request.user).filter(year=year, quarter=quarter)
    existing = {p.unit_id: p for p in periods}
    choices = [(unit.pk, unit.qualified_name()) for unit in candidates]
    deadline = next(iter(existing.values())).deadline if existing else services.default_deadline(year, quarter)
    initial = {
        "year": year,
        "quarter": quarter,
        "deadline": deadline,
        "units": [str(pk) for pk in (existing or [unit.pk for unit in candidates])],
    }
    form = forms.PeriodsForm(
        request.POST if request.method == "POST" and "save" in request.POST else None,
        initial=initial,
        unit_choices=choices,
    )
    if form.is_bound and form.is_valid():
        by_pk = {str(unit.pk): unit for unit in candidates}
        try:
            result = services.periods_set(
                actor=request.user,
                year=form.cleaned_data["year"],
                quarter=form.cleaned_data["quarter"],
                deadline=form.cleaned_data["deadline"],
                units=[by_pk[pk] for pk in form.cleaned_data["units"] if pk in by_pk],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            message = _(
                "Đã giao kỳ báo cáo %(quarter)s: thêm %(created)s đơn vị, đổi hạn %(updated)s, bỏ %(removed)s."
            ) % {
                "quarter": _quarter_label(year, quarter),
                "created": len(result.created),
                "updated": len(result.updated),
                "removed": len(result.removed),
            }
            messages.success(request, message)
            if result.kept:
                messages.warning(
                    request,
                    _("Giữ lại vì đơn vị đã lập báo cáo: %(units)s.")
                    % {"units": ", ".join(p.unit.name for p in result.kept)},
                )
            return redirect(f"{reverse('quarterly:index')}?year={year}&quarter={quarter}")
    context = {
        "form": form,
        "year": year,
        "quarter": quarter,
        "quarter_label": _quarter_label(year, quarter),
        "existing": existing,
        "default_deadline": services.default_deadline(year, quarter),
    }
    return render(request, "reports/quarterly/setup.html", context)


# --- A report ---


def _report_context(request, period):
    report = selectors.report_of(period)
    state = selectors.period_state(period=period)
    frozen = report is not None and report.status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)
    live = prefill.prefill(user=request.user, unit=period.unit, year=period.year, quarter=period.quarter)
    figures = report.figures if frozen else live
    adjustments = report.adjustments if report is not None else []
    return {
        "period": period,
        "report": report,
        "state": state,
        "frozen": frozen,
        "figures": figures,
        "table": prefill.movement_table(figures, adjustments),
        "adjustments": adjustments,
        "form11": form11_layout(figures["statistics"]),
        "changes": prefill.changes_since(report.figures, live) if frozen else None,
        "versions": selectors.versions_of(report),
        "quarter_label": _quarter_label(period.year, period.quarter),
        "is_filer": _is_office(request.user),
        "is_board": request.user.can_edit_registry,
    }


@login_required
def report_detail(request, pk: int):
    period = selectors.period_get_for_user(user=request.user, pk=pk)
    return render(request, "reports/quarterly/report_detail.html", _report_context(request, period))


@login_required
def report_edit(request, pk: int):
    """The unit office's form: sections, adjustments, document details; "Lưu dự thảo" or "Nộp báo cáo"."""
    period = selectors.period_get_for_user(user=request.user, pk=pk)
    require_filer(request.user)
    report = selectors.report_of(period)
    if report is not None and not report.is_editable:
        messages.info(request, str(services.LOCKED_MESSAGE))
        return redirect(period)
    figures = prefill.prefill(user=request.user, unit=period.unit, year=period.year, quarter=period.quarter)
    choices = prefill.figure_choices(figures)
    data = request.POST or None
    adding = bool(data and "add_adjustment" in data)
    if adding:
        data = forms.with_more_rows(data)
    form = forms.ReportForm(data, report=report, version=services.report_version(report))
    adjustments = forms.adjustment_formset(
        data, figure_choices=choices, adjustments=report.adjustments if report else []
    )
    if request.method == "POST" and not adding:
        response = _file(request, period=period, form=form, adjustments=adjustments)
        if response is not None:
            return response
    context = {
        "period": period,
        "report": report,
        "state": selectors.period_state(period=period),
        "figures": figures,
        "table": prefill.movement_table(figures, report.adjustments if report else []),
        "form11": form11_layout(figures["statistics"]),
        "form": form,
        "adjustments": adjustments,
        "quiet": adding,
        "quarter_label": _quarter_label(period.year, period.quarter),
    }
    return render(request, "reports/quarterly/report_form.html", context)


def _file(request, *, period, form, adjustments):
    """Save or submit through the services; None when the page must be shown again with the errors."""
    valid = form.is_valid()
    valid = adjustments.is_valid() and valid
    if not valid:
        return None
    submit = "submit" in request.POST
    arguments = {
        "actor": request.user,
        "period": period,
        "version": form.cleaned_data["version"] or "",
        "data": form.report_data(),
        "adjustments": forms.filled_rows(adjustments),
    }
    try:
        report = services.report_submit(**arguments) if submit else services.report_save(**arguments)
    except services.AlreadySubmitted as exc:
        messages.info(request, " ".join(exc.messages))
        return redirect(period)
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "adjustments" in exc.error_dict:
            adjustments._non_form_errors = adjustments.non_form_errors() + exc.message_dict["adjustments"]
            exc = ValidationError({k: v for k, v in exc.message_dict.items() if k != "adjustments"})
        add_service_errors(form, exc)
        return None
    if submit:
        messages.success(
            request,
            _(
                "Đã nộp báo cáo %(quarter)s (lần nộp %(number)s). Số liệu đã được chốt; mã kiểm tra %(code)s. "
                "Ban Tổ chức sẽ xem xét và duyệt hoặc trả lại."
            )
            % {
                "quarter": _quarter_label(period.year, period.quarter),
                "number": report.version,
                "code": report.fingerprint[:12],
            },
        )
        return redirect(period)
    messages.success(request, _("Đã lưu dự thảo báo cáo; chưa nộp."))
    return redirect(reverse("quarterly:edit", args=[period.pk]))


@login_required
def report_review(request, pk: int):
    """Return (with a comment) or accept a submitted report: a page with the decision form."""
    period = selectors.period_get_for_user(user=request.user, pk=pk)
    require_board(request.user)
    report = selectors.report_of(period)
    waiting = report is not None and report.status == ReportStatus.SUBMITTED
    form = forms.ReviewForm(request.POST or None, version=services.report_version(report) if waiting else "")
    if request.method == "POST" and form.is_valid():
        action = services.report_return if form.cleaned_data["action"] == "return" else services.report_accept
        try:
            action(
                actor=request.user,
                period=period,
                version=form.cleaned_data["version"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if form.cleaned_data["action"] == "return":
                messages.success(request, _("Đã trả lại báo cáo cho đơn vị kèm ý kiến."))
            else:
                messages.success(request, _("Đã duyệt báo cáo; báo cáo được khóa."))
            return redirect(period)
    context = {
        "period": period,
        "report": report,
        "waiting": waiting,
        "form": form,
        "state": selectors.period_state(period=period),
        "quarter_label": _quarter_label(period.year, period.quarter),
    }
    return render(request, "reports/quarterly/review.html", context)


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
def report_pdf(request, pk: int):
    """The report as a Báo cáo in the Party layout (the name list as an annex); a draft carries "DỰ THẢO"."""
    period = selectors.period_get_for_user(user=request.user, pk=pk)
    report = selectors.report_of(period)
    try:
        pdf = documents.report_pdf(user=request.user, period=period, report=report)
    except DocumentRefused as exc:
        messages.error(request, exc.message)
        return redirect(period)
    return _pdf_response(pdf, documents.report_pdf_filename(period, report))


@login_required
def version_detail(request, pk: int):
    """A submission as it was sent: its snapshot, adjustments, sections and the board's answer."""
    version = selectors.version_get_for_user(user=request.user, pk=pk)
    period = selectors.period_of_version(user=request.user, version=version)
    context = {
        "version": version,
        "report": version.report,
        "period": period,
        "table": prefill.movement_table(version.figures, version.adjustments),
        "figures": version.figures,
        "sections": [
            (services.SECTION_NAMES[name], version.sections.get(name, "")) for name in services.SECTION_FIELDS
        ],
        "quarter_label": _quarter_label(version.report.year, version.report.quarter),
    }
    return render(request, "reports/quarterly/version_detail.html", context)


# --- The province's report ---


def _province_quarter(request):
    today = timezone.localdate()
    available = selectors.quarters(user=request.user)
    return forms.quarter_from(request.GET, selectors.default_quarter(available, today)), available, today


@login_required
def province_report(request):
    require_province_reader(request.user)
    (year, quarter), available, today = _province_quarter(request)
    report = selectors.province_report(user=request.user, year=year, quarter=quarter, today=today)
    context = {
        "province_report": report,
        "year": year,
        "quarter": quarter,
        "available": available,
        "quarter_label": _quarter_label(year, quarter),
        "columns": prefill.COLUMNS,
    }
    return render(request, "reports/quarterly/province.html", context)


@login_required
def province_pdf(request):
    require_province_reader(request.user)
    (year, quarter), _available, today = _province_quarter(request)
    report = selectors.province_report(user=request.user, year=year, quarter=quarter, today=today)
    if report is None:
        messages.error(request, _("Không có tỉnh nào trong phạm vi của anh/chị."))
        return redirect("quarterly:province")
    try:
        pdf = documents.province_pdf(report)
    except DocumentRefused as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('quarterly:province')}?year={year}&quarter={quarter}")
    return _pdf_response(pdf, documents.province_pdf_filename(report))
