"""The global audit log for board staff: every write, newest first, with filters."""

from __future__ import annotations

import datetime

import pghistory.models
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rotation_registry.common.lists import paginate

# The audited models a board officer looks for, by the label pghistory stores.
MODELS = [
    ("cadres.Cadre", _("Cán bộ")),
    ("postings.Posting", _("Luân chuyển, bố trí")),
    ("postings.Decision", _("Quyết định")),
    ("postings.PostingOverride", _("Trường hợp đặc biệt")),
    ("cadres.PlanningRecord", _("Quy hoạch")),
    ("cadres.Evaluation", _("Đánh giá")),
    ("units.Unit", _("Đơn vị")),
    ("units.UnitLineage", _("Kế thừa đơn vị")),
    ("units.Position", _("Vị trí")),
    ("plans.Plan", _("Kế hoạch")),
    ("reports.QuarterlyReport", _("Báo cáo quý")),
    ("accounts.User", _("Người dùng")),
    ("accounts.ScopeAssignment", _("Phạm vi truy cập")),
]


class AuditFilterForm(forms.Form):
    model = forms.ChoiceField(label=_("Loại bản ghi"), choices=[("", _("Tất cả")), *MODELS], required=False)
    action = forms.ChoiceField(
        label=_("Thao tác"),
        choices=[("", _("Tất cả")), ("insert", _("Tạo mới")), ("update", _("Sửa")), ("delete", _("Xóa"))],
        required=False,
    )
    username = forms.CharField(label=_("Người thực hiện (tên đăng nhập)"), required=False)
    date_from = forms.DateField(label=_("Từ ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Đến ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Lý do có chứa"), required=False)


@login_required
def audit_log(request):
    if not request.user.can_edit_registry:
        raise PermissionDenied(gettext("Nhật ký thay đổi chỉ dành cho cán bộ Ban Tổ chức."))
    form = AuditFilterForm(request.GET or None)
    events = pghistory.models.Events.objects.all().order_by("-pgh_created_at", "-pgh_id")
    notice = ""
    if form.is_bound and not form.is_valid():
        notice = gettext("Một số điều kiện lọc không hợp lệ nên đã bỏ qua.")
    elif form.is_bound:
        data = form.cleaned_data
        if data["model"]:
            events = events.filter(pgh_obj_model=data["model"])
        if data["action"]:
            events = events.filter(pgh_label=data["action"])
        if data["username"]:
            events = events.filter(pgh_context__username=data["username"].strip())
        if data["date_from"]:
            events = events.filter(pgh_created_at__date__gte=data["date_from"])
        if data["date_to"]:
            events = events.filter(pgh_created_at__date__lte=data["date_to"] or datetime.date.max)
        if data["reason"]:
            events = events.filter(pgh_context__reason__icontains=data["reason"].strip())
    page = paginate(events, request.GET)
    labels = dict(MODELS)
    for event in page.rows:
        event.model_label = labels.get(event.pgh_obj_model, event.pgh_obj_model)
    return render(request, "audit/audit_log.html", {"form": form, "page": page, "notice": notice})
