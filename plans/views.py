"""The plan pages: list (with export), detail with plan against actual, the form, issue, amend, PDF, links.

Board staff and administrators write; leaders and unit offices read within their scope; a plan
outside the scope answers 404. The writing views look the plan up in the scope first, then check
the role (as the postings pages do).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plans import documents, forms, selectors, services
from rotation_registry.common.export import Column, export_response
from rotation_registry.common.forms import add_service_errors
from rotation_registry.common.pdf import DocumentRefused
from rotation_registry.common.views import history_page, list_page

PLAN_COLUMNS = [
    Column(gettext_lazy("Số, ký hiệu"), lambda p: p.symbol),
    Column(gettext_lazy("Ngày ban hành"), lambda p: p.date),
    Column(gettext_lazy("Cơ quan ban hành"), lambda p: p.issuing_unit.name),
    Column(gettext_lazy("Trích yếu"), lambda p: p.title),
    Column(gettext_lazy("Giai đoạn"), lambda p: p.period.name if p.period_id else ""),
    Column(gettext_lazy("Phiên bản"), lambda p: p.version),
    Column(gettext_lazy("Trạng thái"), lambda p: p.get_status_display()),
]
ENTRY_COLUMNS = [
    Column(gettext_lazy("Họ và tên"), lambda e: e.cadre.full_name),
    Column(gettext_lazy("Ngày sinh"), lambda e: e.cadre.date_of_birth),
    Column(gettext_lazy("Chức vụ, đơn vị hiện nay"), lambda e: e.current_post),
    Column(gettext_lazy("Chức danh dự kiến"), lambda e: e.dest_title.name if e.dest_title_id else ""),
    Column(gettext_lazy("Nơi đến dự kiến"), lambda e: e.dest_unit.name if e.dest_unit_id else ""),
    Column(
        gettext_lazy("Đã thực hiện"),
        lambda e: f"{e.posting.dest_title_name}, {e.posting.dest_unit_name}" if e.posting_id else "",
    ),
]


def require_editor(user) -> None:
    if not user.can_edit_registry:
        raise PermissionDenied(_("Chỉ cán bộ Ban Tổ chức được lập, sửa, ban hành kế hoạch."))


@login_required
def plan_list(request):
    return list_page(
        request,
        selector=selectors.plan_list,
        columns=PLAN_COLUMNS,
        filename="ke-hoach",
        template="plans/plan_list.html",
    )


@login_required
def plan_detail(request, pk: int):
    """The plan, its targets against what was done, its planned cadres; ?export=xlsx|csv: the cadres list."""
    plan = selectors.plan_get_for_user(user=request.user, pk=pk)
    entries = selectors.plan_entries(plan=plan)
    export = request.GET.get("export")
    if export in ("xlsx", "csv"):
        name = f"ke-hoach-{plan.pk}-danh-sach-can-bo"
        return export_response(columns=ENTRY_COLUMNS, rows=entries, file_format=export, filename=name)
    targets = selectors.plan_targets(plan=plan)
    context = {
        "plan": plan,
        "entries": entries,
        "progress": selectors.plan_progress(user=request.user, plan=plan, targets=targets, entries=entries),
        "amendments": selectors.plan_amendments(user=request.user, plan=plan),
        "document": documents.plan_document_values(plan, has_targets=bool(targets), has_entries=bool(entries)),
    }
    return render(request, "plans/plan_detail.html", context)


@login_required
def plan_history(request, pk: int):
    return history_page(request, selectors.plan_get_for_user(user=request.user, pk=pk))


@login_required
def plan_pdf(request, pk: int):
    """The plan as a Party document; refused with a message (and the XLSX offered) when over a limit."""
    plan = selectors.plan_get_for_user(user=request.user, pk=pk)
    try:
        pdf = documents.plan_pdf(plan)
    except DocumentRefused as exc:
        context = {"plan": plan, "message": exc.message, "xlsx_url": f"{plan.get_absolute_url()}?export=xlsx"}
        return render(request, "plans/plan_pdf_refused.html", context, status=422)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{documents.plan_pdf_filename(plan)}"'
    return response


# --- Writing (board staff and administrators; every write goes through plans.services) ---


def _plan_form_page(request, *, plan=None):
    data = request.POST or None
    # "Thêm dòng" re-displays the form with more empty rows and saves nothing.
    adding = next((p for p in (forms.TARGETS_PREFIX, forms.ENTRIES_PREFIX) if data and f"add_{p}" in data), None)
    if adding:
        data = forms.with_more_rows(data, adding)
    form = forms.PlanForm(data, user=request.user, plan=plan)
    targets = forms.target_formset(data, user=request.user, plan=plan)
    entries = forms.entry_formset(data, user=request.user, plan=plan)
    if request.method == "POST" and not adding:
        saved = _save_plan_form(request, plan=plan, form=form, targets=targets, entries=entries)
        if saved is not None:
            if plan is None:
                message = _("Đã lập dự thảo Kế hoạch số %(symbol)s.")
            else:
                message = _("Đã lưu dự thảo Kế hoạch số %(symbol)s.")
            messages.success(request, message % {"symbol": saved.symbol})
            return redirect(saved)
    if plan is None:
        title = _("Lập kế hoạch luân chuyển cán bộ")
    else:
        title = _("Sửa dự thảo Kế hoạch số %(symbol)s") % {"symbol": plan.symbol}
    context = {
        "form": form,
        "targets": targets,
        "entries": entries,
        "plan": plan,
        "title": title,
        "quiet": bool(adding),
    }
    return render(request, "plans/plan_form.html", context)


def _save_plan_form(request, *, plan, form, targets, entries):
    """Save the plan with its rows through the services; show each refusal where it belongs."""
    valid = form.is_valid()
    valid = targets.is_valid() and valid
    valid = entries.is_valid() and valid
    if not valid:
        return None
    arguments = {
        "actor": request.user,
        "data": form.plan_data(),
        "targets": forms.filled_rows(targets),
        "entries": forms.filled_rows(entries),
        "reason": form.cleaned_data["reason"],
    }
    try:
        if plan is None:
            return services.plan_create(**arguments)
        return services.plan_update(plan=plan, version=form.cleaned_data["version"], **arguments)
    except ValidationError as exc:
        _show_plan_refusal(exc, form=form, targets=targets, entries=entries)
        return None


def _show_plan_refusal(exc: ValidationError, *, form, targets, entries) -> None:
    if hasattr(exc, "error_dict"):
        row_errors = {"targets": targets, "entries": entries}
        for name, formset in row_errors.items():
            for message in exc.message_dict.get(name, []):
                formset._non_form_errors = formset.non_form_errors() + [message]
        remaining = {k: v for k, v in exc.message_dict.items() if k not in row_errors}
        if not remaining:
            return
        exc = ValidationError(remaining)
    add_service_errors(form, exc)


@login_required
def plan_create(request):
    require_editor(request.user)
    return _plan_form_page(request)


@login_required
def plan_edit(request, pk: int):
    plan = selectors.plan_get_for_user(user=request.user, pk=pk)
    require_editor(request.user)
    if not plan.is_draft:
        messages.error(request, str(services.FROZEN_MESSAGE))
        return redirect(plan)
    return _plan_form_page(request, plan=plan)


def _confirm_page(request, *, plan, action, template: str, success: str):
    """Issue or amend: a confirmation page; the POST carries the version the user saw."""
    form = forms.ConfirmForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            saved = action(version=form.cleaned_data["version"], reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success % {"symbol": saved.symbol})
            return redirect(saved)
    return render(request, template, {"form": form, "plan": plan})


@login_required
def plan_issue(request, pk: int):
    plan = selectors.plan_get_for_user(user=request.user, pk=pk)
    require_editor(request.user)
    return _confirm_page(
        request,
        plan=plan,
        action=lambda **kw: services.plan_issue(actor=request.user, plan=plan, **kw),
        template="plans/plan_issue.html",
        success=_("Đã ban hành Kế hoạch số %(symbol)s; từ nay kế hoạch không sửa được."),
    )


@login_required
def plan_amend(request, pk: int):
    plan = selectors.plan_get_for_user(user=request.user, pk=pk)
    require_editor(request.user)
    return _confirm_page(
        request,
        plan=plan,
        action=lambda **kw: services.plan_amend(actor=request.user, plan=plan, **kw),
        template="plans/plan_amend.html",
        success=_("Đã lập dự thảo sửa đổi, bổ sung: Kế hoạch số %(symbol)s. Hãy sửa nội dung rồi ban hành."),
    )


@login_required
def entry_link(request, pk: int):
    """Record which posting carried out a planned cadre's rotation (a radio list of the cadre's postings)."""
    entry = selectors.plan_entry_get_for_user(user=request.user, pk=pk)
    require_editor(request.user)
    choices = selectors.cadre_postings_for_entry(user=request.user, entry=entry)
    form = forms.EntryLinkForm(request.POST or None, choices=choices, entry=entry)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_entry_link(
                actor=request.user,
                entry=entry,
                posting=form.cleaned_data["posting"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu việc thực hiện của cán bộ %(name)s.") % {"name": entry.cadre.full_name})
            return redirect(f"{reverse('plans:detail', args=[entry.plan_id])}#entries")
    return render(request, "plans/entry_link.html", {"form": form, "entry": entry, "choices": choices})
