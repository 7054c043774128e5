"""The global audit log for board staff: every write, newest first, with filters."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rotation_registry.audit_log import AUDITED, Criteria, log_entries, log_rows, token
from rotation_registry.common.lists import paginate_rows


class AuditFilterForm(forms.Form):
    model = forms.ChoiceField(label=_("Loại bản ghi"), required=False)
    action = forms.ChoiceField(
        label=_("Thao tác"),
        choices=[("", _("Tất cả")), ("insert", _("Tạo mới")), ("update", _("Sửa")), ("delete", _("Xóa"))],
        required=False,
    )
    username = forms.CharField(label=_("Người thực hiện (tên đăng nhập)"), required=False)
    date_from = forms.DateField(label=_("Từ ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Đến ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Lý do có chứa"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", _("Tất cả")), *((audited.label, audited.name) for audited in AUDITED)]


@login_required
def audit_log(request):
    if not request.user.can_edit_registry:
        raise PermissionDenied(gettext("Nhật ký thay đổi chỉ dành cho cán bộ Ban Tổ chức."))
    form = AuditFilterForm(request.GET or None)
    criteria, notice = Criteria(), ""
    if form.is_bound and not form.is_valid():
        notice = gettext("Một số điều kiện lọc không hợp lệ nên đã bỏ qua.")
    elif form.is_bound:
        data = form.cleaned_data
        criteria = Criteria(
            model=data["model"],
            action=data["action"],
            username=data["username"].strip(),
            date_from=data["date_from"],
            date_to=data["date_to"],
            reason=data["reason"].strip(),
        )
    page = paginate_rows(
        lambda offset, limit, after: log_rows(request.user, criteria, offset=offset, limit=limit, after=after),
        request.GET,
        token,
    )
    page.rows = log_entries(page.rows)
    return render(request, "audit/audit_log.html", {"form": form, "page": page, "notice": notice})
