from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cadres.models import Cadre
from postings import selectors, services, web_forms
from postings.models import Decision, DecisionStatus, PostingStatus
from rotation_registry.common.export import Column
from rotation_registry.common.page_cache import cached_page
from rotation_registry.common.views import history_page, list_page

POSTING_COLUMNS = [
    Column(gettext_lazy("Họ và tên"), lambda p: p.cadre.full_name),
    Column(gettext_lazy("Ngày sinh"), lambda p: p.cadre.date_of_birth),
    Column(gettext_lazy("Hình thức"), lambda p: p.get_kind_display()),
    Column(gettext_lazy("Chức vụ nơi đi"), lambda p: p.origin_title_name),
    Column(gettext_lazy("Đơn vị nơi đi"), lambda p: p.origin_unit_name),
    Column(gettext_lazy("Chức vụ nơi đến"), lambda p: p.dest_title_name),
    Column(gettext_lazy("Đơn vị nơi đến"), lambda p: p.dest_unit_name),
    Column(gettext_lazy("Hướng luân chuyển"), lambda p: p.get_direction_display()),
    Column(gettext_lazy("Quyết định"), lambda p: p.decision.symbol),
    Column(gettext_lazy("Ngày quyết định"), lambda p: p.decision.date),
    Column(gettext_lazy("Ngày bắt đầu"), lambda p: p.start_date),
    Column(gettext_lazy("Kết thúc dự kiến"), lambda p: p.planned_end),
    Column(gettext_lazy("Kết thúc thực tế"), lambda p: p.actual_end),
    Column(gettext_lazy("Trạng thái"), lambda p: p.get_status_display()),
]
DECISION_COLUMNS = [
    Column(gettext_lazy("Số, ký hiệu"), lambda d: d.symbol),
    Column(gettext_lazy("Ngày ký"), lambda d: d.date),
    Column(gettext_lazy("Cơ quan ban hành"), lambda d: d.issuing_unit.name),
    Column(gettext_lazy("Trích yếu"), lambda d: d.summary),
    Column(gettext_lazy("Người ký"), lambda d: d.signer),
    Column(gettext_lazy("Trạng thái"), lambda d: d.get_status_display()),
]


@login_required
@cached_page
def posting_list(request):
    return list_page(
        request,
        selector=selectors.posting_list,
        columns=POSTING_COLUMNS,
        filename="luan-chuyen",
        template="postings/posting_list.html",
    )


@login_required
@cached_page
def posting_detail(request, pk: int):
    posting = selectors.posting_page_for_user(user=request.user, pk=pk)
    return render(request, "postings/posting_detail.html", {"posting": posting, "overrides": posting.overrides.all()})


@login_required
def posting_history(request, pk: int):
    return history_page(request, selectors.posting_get_for_user(user=request.user, pk=pk))


@login_required
@cached_page
def decision_list(request):
    return list_page(
        request,
        selector=selectors.decision_list,
        columns=DECISION_COLUMNS,
        filename="quyet-dinh",
        template="postings/decision_list.html",
    )


@login_required
@cached_page
def decision_detail(request, pk: int):
    decision = selectors.decision_get_for_user(user=request.user, pk=pk)
    postings = selectors.decision_postings(user=request.user, decision=decision)
    return render(request, "postings/decision_detail.html", {"decision": decision, "postings": postings})


@login_required
def decision_scan(request, pk: int):
    """The signed decision's PDF, for those who may see the decision (media files are not served publicly)."""
    decision = selectors.decision_get_for_user(user=request.user, pk=pk)
    if not decision.scan:
        raise Http404(_("Quyết định này chưa có bản chụp."))
    filename = f"{decision.symbol.replace('/', '-')}.pdf"
    return FileResponse(decision.scan.open("rb"), content_type="application/pdf", filename=filename)


@login_required
def decision_history(request, pk: int):
    return history_page(request, selectors.decision_get_for_user(user=request.user, pk=pk))


# --- Recording (board staff only; every write goes through postings.services) ---


AUTOCOMPLETE_LIMIT = 15


def require_editor(user) -> None:
    if not user.can_edit_registry:
        raise PermissionDenied(_("Chỉ cán bộ Ban Tổ chức được ghi, sửa quyết định và luân chuyển."))


def _visible_or_none(queryset, pk: str | None):
    """An object named in the query string, if the user may see it; anything else is ignored."""
    return queryset.filter(pk=pk).first() if pk and pk.isdigit() else None


@login_required
def decision_create(request):
    """A decision and the postings it carries, saved together or not at all."""
    require_editor(request.user)
    adding_row = "add_row" in request.POST
    data = web_forms.with_one_more_row(request.POST) if adding_row else (request.POST or None)
    form = web_forms.DecisionForm(data, request.FILES or None, user=request.user)
    rows = web_forms.PostingRowFormSet(data, prefix=web_forms.ROWS_PREFIX, form_kwargs={"user": request.user})
    if request.method == "POST" and not adding_row:
        decision = web_forms.record_decision(actor=request.user, form=form, rows=rows)
        if decision is not None:
            count = decision.postings.count()
            message = ngettext(
                "Đã ghi quyết định số %(symbol)s với %(count)d lượt luân chuyển, bố trí.",
                "Đã ghi quyết định số %(symbol)s với %(count)d lượt luân chuyển, bố trí.",
                count,
            )
            messages.success(request, message % {"symbol": decision.symbol, "count": count})
            return redirect(decision)
    context = {"form": form, "rows": rows, "quiet": adding_row, "title": _("Ghi quyết định luân chuyển, bố trí cán bộ")}
    if request.method == "POST" and not adding_row:
        context.update(web_forms.refusal_summary([form, *rows.forms]))
    return render(request, "postings/decision_form.html", context)


@login_required
def decision_edit(request, pk: int):
    decision = selectors.decision_get_for_user(user=request.user, pk=pk)
    require_editor(request.user)
    form = web_forms.DecisionForm(request.POST or None, request.FILES or None, user=request.user, decision=decision)
    if request.method == "POST" and form.is_valid():
        saved = web_forms.decision_update_checked(actor=request.user, decision=decision, form=form)
        if saved is not None:
            messages.success(request, _("Đã lưu thay đổi của quyết định số %(symbol)s.") % {"symbol": saved.symbol})
            return redirect(saved)
    context = {
        "form": form,
        "decision": decision,
        "title": _("Sửa quyết định số %(symbol)s") % {"symbol": decision.symbol},
    }
    return render(request, "postings/decision_form.html", context)


@login_required
def decision_autocomplete(request):
    """Matches for a decision search box: in-force decisions the user may see, by number or summary."""
    field = request.GET.get("field", "decision")
    text = request.GET.get(f"{field}__search", "").strip()
    decisions = []
    if text:
        # unaccent is bilateral: "qd/tu" finds 125-QĐ/TU, "luan chuyen" finds "luân chuyển" in the summary.
        decisions = (
            Decision.objects.visible_to(request.user)
            .filter(status=DecisionStatus.IN_FORCE)
            .filter(Q(symbol__unaccent__icontains=text) | Q(summary__unaccent__icontains=text))
            .select_related("issuing_unit")
            .order_by("-date", "-id")[:AUTOCOMPLETE_LIMIT]
        )
    choices = [
        {"pk": d.pk, "label": f"{d} — {d.issuing_unit.name}: {d.summary}"[:160]}  # str(d): "Số … ngày …"
        for d in decisions
    ]
    return render(request, "includes/autocomplete_choices.html", {"choices": choices})


@login_required
def posting_create(request):
    """One posting for a recorded decision; ?cadre= and ?decision= pre-select them."""
    require_editor(request.user)
    initial = {"cadre": _visible_or_none(Cadre.objects.visible_to(request.user), request.GET.get("cadre"))}
    initial["decision"] = _visible_or_none(Decision.objects.visible_to(request.user), request.GET.get("decision"))
    form = web_forms.PostingForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        decision = form.cleaned_data["decision"]
        reason = form.cleaned_data["reason"] or f"Ghi luân chuyển theo quyết định {decision.symbol}"
        try:
            posting = services.posting_create(
                actor=request.user, decision=decision, reason=reason, **form.posting_kwargs()
            )
        except ValidationError as exc:
            web_forms.show_refusal(form, exc)
        else:
            messages.success(request, _("Đã ghi luân chuyển của cán bộ %(name)s.") % {"name": posting.cadre.full_name})
            return redirect(posting)
    context = {"form": form, "title": _("Ghi một lượt luân chuyển, bố trí")}
    if request.method == "POST":
        context.update(web_forms.refusal_summary([form]))
    return render(request, "postings/posting_form.html", context)


@login_required
def posting_edit(request, pk: int):
    posting = selectors.posting_get_for_user(user=request.user, pk=pk)
    require_editor(request.user)
    form = web_forms.PostingEditForm(request.POST or None, user=request.user, posting=posting)
    if request.method == "POST" and form.is_valid():
        if not form.changes() and not form.overrides():
            messages.info(request, _("Không có thay đổi nào để lưu."))
            return redirect(posting)
        saved = web_forms.posting_update_checked(actor=request.user, posting=posting, form=form)
        if saved is not None:
            messages.success(
                request, _("Đã lưu thay đổi luân chuyển của cán bộ %(name)s.") % {"name": posting.cadre.full_name}
            )
            return redirect(saved)
    context = {
        "form": form,
        "posting": posting,
        "title": _("Sửa luân chuyển: %(name)s") % {"name": posting.cadre.full_name},
    }
    if request.method == "POST":
        context.update(web_forms.refusal_summary([form]))
    return render(request, "postings/posting_form.html", context)


@login_required
def posting_end(request, pk: int):
    posting = selectors.posting_get_for_user(user=request.user, pk=pk)
    require_editor(request.user)
    form = web_forms.PostingEndForm(request.POST or None, posting=posting)
    if request.method == "POST" and form.is_valid():
        saved = web_forms.posting_end_checked(actor=request.user, posting=posting, form=form)
        if saved is not None:
            messages.success(
                request, _("Đã kết thúc luân chuyển của cán bộ %(name)s.") % {"name": posting.cadre.full_name}
            )
            return redirect(saved)
    return render(request, "postings/posting_end.html", {"form": form, "posting": posting})


@login_required
def decision_cancel(request, pk: int):
    decision = selectors.decision_get_for_user(user=request.user, pk=pk)
    require_editor(request.user)
    form = web_forms.DecisionCancelForm(request.POST or None, decision=decision)
    if request.method == "POST" and form.is_valid():
        saved = web_forms.decision_cancel_checked(actor=request.user, decision=decision, form=form)
        if saved is not None:
            messages.success(
                request,
                _("Đã hủy quyết định %(symbol)s và các luân chuyển của quyết định; bản ghi vẫn được lưu.")
                % {"symbol": decision.symbol},
            )
            return redirect(saved)
    standing = decision.postings.exclude(status=PostingStatus.CANCELLED).count()
    context = {"form": form, "decision": decision, "standing": standing}
    return render(request, "postings/decision_cancel.html", context)


@login_required
def posting_cancel(request, pk: int):
    posting = selectors.posting_get_for_user(user=request.user, pk=pk)
    require_editor(request.user)
    form = web_forms.PostingCancelForm(request.POST or None, posting=posting)
    if request.method == "POST" and form.is_valid():
        saved = web_forms.posting_cancel_checked(actor=request.user, posting=posting, form=form)
        if saved is not None:
            messages.success(
                request,
                _("Đã hủy luân chuyển của cán bộ %(name)s; bản ghi vẫn được lưu.") % {"name": posting.cadre.full_name},
            )
            return redirect(saved)
    return render(request, "postings/posting_cancel.html", {"form": form, "posting": posting})
