"""The quarterly report pages' forms: the report (sections, adjustments, document details), review, periods.

The forms parse and check what a form can check alone (an adjustment row needs its figure, a non-zero
number and an explanation); what needs the registry or the report's state is checked by
reports.quarterly.services, whose refusals the views place next to the field they concern.
"""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from postings.web_forms import date_input
from reports.quarterly import services

SECTION_HELP = _("Mỗi đoạn một dòng; dòng bắt đầu bằng “1.”, “a)”, “-” được in như vậy.")
ADJUSTMENTS_PREFIX = "adjustments"
ROW_LIMIT = services.MAX_ADJUSTMENTS


def _section(label, rows: int = 6, help_text=SECTION_HELP) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, widget=forms.Textarea(attrs={"rows": rows}), help_text=help_text
    )


class ReportForm(forms.Form):
    results = _section(_("I- Kết quả thực hiện trong quý"), rows=8)
    strengths = _section(_("II.1- Ưu điểm"))
    weaknesses = _section(_("II.2- Hạn chế"))
    causes = _section(_("II.3- Nguyên nhân (của hạn chế)"))
    next_quarter = _section(_("III- Phương hướng, nhiệm vụ quý tới"))
    proposals = _section(
        _("IV- Đề xuất, kiến nghị"), help_text=_("Không bắt buộc. Mỗi đề xuất một dòng, ghi rõ gửi cơ quan nào.")
    )
    document_number = forms.CharField(
        label=_("Số, ký hiệu"),
        max_length=40,
        required=False,
        help_text=_("Số trong sổ văn bản của cấp ủy, ví dụ 123-BC/HU hoặc 05-BC/ĐU. Bắt buộc khi nộp."),
    )
    document_date = forms.DateField(label=_("Ngày ký"), required=False, widget=date_input())
    signer_title = forms.ChoiceField(
        label=_("Chức vụ người ký (T/M Ban Thường vụ)"),
        required=False,
        choices=[("", _("— chọn —")), *((title, title) for title in services.SIGNER_TITLES)],
    )
    signer_name = forms.CharField(label=_("Họ tên người ký"), max_length=120, required=False)
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, report=None, version: str = services.NEW_REPORT, **kwargs):
        initial = kwargs.setdefault("initial", {})
        if report is not None:
            for name in (*services.SECTION_FIELDS, *services.SUBMISSION_FIELDS):
                initial[name] = getattr(report, name)
        if not initial.get("document_date"):
            initial["document_date"] = timezone.localdate()
        initial["version"] = version
        super().__init__(*args, **kwargs)

    def report_data(self) -> dict:
        data = self.cleaned_data
        values = {name: data.get(name) or "" for name in (*services.SECTION_FIELDS, *services.SUBMISSION_FIELDS)}
        values["document_date"] = data.get("document_date")
        return values


class AdjustmentForm(forms.Form):
    figure = forms.ChoiceField(label=_("Chỉ tiêu điều chỉnh"), choices=[])
    delta = forms.IntegerField(
        label=_("Số điều chỉnh (+/−)"),
        min_value=-100_000,
        max_value=100_000,
        help_text=_("Cộng thêm (ví dụ 1) hoặc bớt đi (ví dụ -1) so với số trong sổ."),
    )
    explanation = forms.CharField(
        label=_("Giải trình"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Vì sao số báo cáo khác số trong sổ (ví dụ: quyết định ngày … chưa cập nhật vào sổ)."),
    )

    def __init__(self, *args, figure_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["figure"].choices = [("", _("— chọn chỉ tiêu —")), *figure_choices]
        self.fields["explanation"].error_messages["required"] = _(
            "Phải giải trình lý do điều chỉnh (điều chỉnh không có giải trình không được nhận)."
        )
        self.fields["delta"].error_messages["required"] = _("Phải ghi số điều chỉnh, ví dụ 1 hoặc -1.")
        self.fields["figure"].error_messages["required"] = _("Phải chọn chỉ tiêu được điều chỉnh.")

    def clean_delta(self):
        delta = self.cleaned_data.get("delta")
        if delta == 0:
            raise forms.ValidationError(_("Số điều chỉnh phải khác 0."))
        return delta

    def row(self) -> dict:
        return {
            "figure": self.cleaned_data["figure"],
            "delta": self.cleaned_data["delta"],
            "explanation": self.cleaned_data["explanation"],
        }


AdjustmentFormSet = forms.formset_factory(AdjustmentForm, extra=1, max_num=ROW_LIMIT, validate_max=True)


def adjustment_formset(data, *, figure_choices, adjustments: list[dict] | None = None) -> forms.BaseFormSet:
    initial = [{"figure": a["figure"], "delta": a["delta"], "explanation": a["explanation"]} for a in adjustments or []]
    return AdjustmentFormSet(
        data, initial=initial, prefix=ADJUSTMENTS_PREFIX, form_kwargs={"figure_choices": figure_choices}
    )


def filled_rows(formset: forms.BaseFormSet) -> list[dict]:
    """The rows of a valid formset the user filled in (blank rows are skipped, a cleared row removes it)."""
    return [form.row() for form in formset.forms if form.has_changed() and form.cleaned_data]


def with_more_rows(data, count: int = 1):
    """The submitted data with another empty adjustment row (the "Thêm dòng điều chỉnh" button)."""
    data = data.copy()
    key = f"{ADJUSTMENTS_PREFIX}-TOTAL_FORMS"
    try:
        total = int(data.get(key, "0"))
    except ValueError:
        total = 0
    data[key] = str(min(max(total, 0) + count, ROW_LIMIT))
    return data


class ReviewForm(forms.Form):
    """Return (with a comment) or accept; the version the reviewer saw, so a double click acts once."""

    comment = forms.CharField(
        label=_("Ý kiến của Ban Tổ chức"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Bắt buộc khi trả lại: ghi rõ đơn vị cần sửa, bổ sung gì."),
    )
    action = forms.ChoiceField(choices=[("return", _("Trả lại")), ("accept", _("Duyệt"))])
    version = forms.CharField(widget=forms.HiddenInput, required=True)

    def __init__(self, *args, version: str = "", **kwargs):
        kwargs.setdefault("initial", {})["version"] = version
        super().__init__(*args, **kwargs)
        self.fields["action"].error_messages["required"] = _("Chọn trả lại hoặc duyệt.")
        self.fields["version"].error_messages["required"] = _(
            "Trang đã cũ hoặc thiếu thông tin; hãy mở lại trang báo cáo rồi thao tác lại."
        )


class PeriodsForm(forms.Form):
    """The board sets which units report for a quarter and the deadline."""

    year = forms.IntegerField(label=_("Năm"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(label=_("Quý"), coerce=int, choices=[(1, "I"), (2, "II"), (3, "III"), (4, "IV")])
    deadline = forms.DateField(
        label=_("Hạn nộp"),
        required=False,
        widget=date_input(),
        # format_lazy: translated when shown, in the reader's language (a % here would run once, at import).
        help_text=format_lazy(_("Để trống: ngày {day} tháng cuối quý."), day=services.default_deadline(2025, 1).day),
    )
    units = forms.MultipleChoiceField(label=_("Đơn vị báo cáo"), required=False, widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(label=_("Lý do (ghi vào nhật ký)"), max_length=500, required=False)

    def __init__(self, *args, unit_choices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].choices = [(str(pk), name) for pk, name in unit_choices]

    def clean(self):
        data = super().clean()
        if data.get("year") and data.get("quarter") and not data.get("deadline"):
            data["deadline"] = services.default_deadline(data["year"], data["quarter"])
        return data


def quarter_from(params, default: tuple[int, int]) -> tuple[int, int]:
    """(year, quarter) from ?year=&quarter= when both are sensible, else `default`."""
    try:
        year, quarter = int(params.get("year", "")), int(params.get("quarter", ""))
    except (TypeError, ValueError):
        return default
    if not (2000 <= year <= 2100 and 1 <= quarter <= 4):
        return default
    return year, quarter


def today() -> datetime.date:
    return timezone.localdate()
