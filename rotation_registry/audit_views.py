"""The global audit log for board staff: every write, newest first, with filters."""

from __future__ import annotations

import datetime

import pghistory.models
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from rotation_registry.common.lists import paginate

# The audited models a board officer looks for, by the label pghistory stores.
MODELS = [
    ("cadres.Cadre", "Cán bộ"),
    ("postings.Posting", "Luân chuyển, bố trí"),
    ("postings.Decision", "Quyết định"),
    ("postings.PostingOverride", "Trường hợp đặc biệt"),
    ("cadres.PlanningRecord", "Quy hoạch"),
    ("cadres.Evaluation", "Đánh giá"),
    ("units.Unit", "Đơn vị"),
    ("units.UnitLineage", "Kế thừa đơn vị"),
    ("units.Position", "Vị trí"),
    ("plans.Plan", "Kế hoạch"),
    ("reports.QuarterlyReport", "Báo cáo quý"),
    ("accounts.User", "Người dùng"),
    ("accounts.ScopeAssignment", "Phạm vi truy cập"),
]


class AuditFilterForm(forms.Form):
    model = forms.ChoiceField(label="Loại bản ghi", choices=[("", "Tất cả"), *MODELS], required=False)
    action = forms.ChoiceField(
        label="Thao tác",
        choices=[("", "Tất cả"), ("insert", "Tạo mới"), ("update", "Sửa"), ("delete", "Xóa")],
        required=False,
    )
    username = forms.CharField(label="Người thực hiện (tên đăng nhập)", required=False)
    date_from = forms.DateField(label="Từ ngày", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="Đến ngày", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="Lý do có chứa", required=False)


@login_required
def audit_log(request):
    if not request.user.can_edit_registry:
        raise PermissionDenied("Nhật ký thay đổi chỉ dành cho cán bộ Ban Tổ chức.")
    form = AuditFilterForm(request.GET or None)
    events = pghistory.models.Events.objects.all().order_by("-pgh_created_at", "-pgh_id")
    notice = ""
    if form.is_bound and not form.is_valid():
        notice = "Một số điều kiện lọc không hợp lệ nên đã bỏ qua."
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
