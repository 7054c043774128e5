"""The plan pages' forms: the plan with its targets and planned cadres, issue, amend, link a posting.

The forms only parse and check the input; every write goes through plans.services. Cadres and units
are chosen with search boxes (AutocompleteWidget), never a <select> over a large table.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cadres.models import Cadre
from plans import services
from plans.models import Plan, PlanEntry, PlanTarget
from postings.directions import Direction
from postings.models import Posting
from postings.web_forms import date_input, name_fields_in_errors
from rotation_registry.common.pdf import document_html_to_text
from rotation_registry.common.widgets import AutocompleteWidget
from units.models import PositionTitle, Term, TermKind, Unit

SIGNING_AUTHORITIES = ["T/M BAN THƯỜNG VỤ", "T/M BAN CHẤP HÀNH", "K/T TRƯỞNG BAN", "T/L BAN THƯỜNG VỤ"]
SIGNER_TITLES = ["BÍ THƯ", "PHÓ BÍ THƯ", "PHÓ BÍ THƯ THƯỜNG TRỰC", "TRƯỞNG BAN", "PHÓ TRƯỞNG BAN"]
SECTION_HELP = _(
    "Mỗi đoạn một dòng; dòng bắt đầu bằng “1.”, “a)”, “-” được in như vậy. In đậm: **chữ**; in nghiêng: *chữ*. "
    "Chỉ giữ đoạn văn, in đậm, in nghiêng, danh sách; định dạng khác bị bỏ."
)
ROW_LIMIT = 200  # targets or planned cadres per save: a plan has a handful


def _choices(values: list[str], current: str) -> list[tuple[str, str]]:
    """Fixed choices, plus the stored value if it is another (entered before, or in the admin)."""
    choices = [(value, value) for value in values]
    if current and current not in values:
        choices.append((current, current))
    return choices


class PlanForm(forms.Form):
    symbol = forms.CharField(
        label=_("Số, ký hiệu"),
        max_length=40,
        required=False,
        help_text=_("Để trống để hệ thống cấp số tiếp theo trong sổ của cơ quan (ví dụ 05-KH/TU)."),
    )
    date = forms.DateField(label=_("Ngày ban hành"), widget=date_input())
    issuing_unit = forms.ModelChoiceField(
        label=_("Cơ quan ban hành"), queryset=Unit.objects.none(), widget=AutocompleteWidget("units:autocomplete", Unit)
    )
    period = forms.ModelChoiceField(
        label=_("Giai đoạn"), queryset=Term.objects.filter(kind=TermKind.PLAN), required=False
    )
    title = forms.CharField(
        label=_("Trích yếu"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bắt đầu bằng chữ thường, ví dụ: luân chuyển, đào tạo, bồi dưỡng cán bộ lãnh đạo, quản lý …"),
    )
    superior_body = forms.CharField(
        label=_("Cơ quan cấp trên (dòng đầu bên trái)"),
        max_length=200,
        required=False,
        help_text=_("Để trống với Tỉnh ủy. Ví dụ: ĐẢNG BỘ TỈNH LẠNG SƠN (trên Huyện ủy)."),
    )
    issuing_body = forms.CharField(
        label=_("Tên cơ quan ban hành in trên văn bản"),
        max_length=200,
        required=False,
        help_text=_("Để trống thì lấy theo cơ quan ban hành, ví dụ TỈNH ỦY LẠNG SƠN."),
    )
    place = forms.CharField(
        label=_("Địa danh"), max_length=80, required=False, help_text=_("Ví dụ: Lạng Sơn (dòng “Lạng Sơn, ngày …”).")
    )
    legal_bases = forms.CharField(
        label=_("Căn cứ"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Mỗi dòng một căn cứ, ví dụ: Căn cứ Điều lệ Đảng. Dấu “-” và dấu câu cuối dòng do hệ thống thêm."),
    )
    preamble = forms.CharField(
        label=_("Câu dẫn"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Ví dụ: Ban Thường vụ Tỉnh ủy xây dựng Kế hoạch … như sau:"),
    )
    purpose_section = forms.CharField(
        label=_("I- Mục đích, yêu cầu"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=SECTION_HELP,
    )
    content_section = forms.CharField(
        label=_("II- Nội dung"), required=False, widget=forms.Textarea(attrs={"rows": 12}), help_text=SECTION_HELP
    )
    organisation_section = forms.CharField(
        label=_("III- Tổ chức thực hiện"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=SECTION_HELP,
    )
    recipients = forms.CharField(
        label=_("Nơi nhận"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Mỗi dòng một nơi nhận; dòng cuối là nơi lưu, ví dụ: Lưu Văn phòng Tỉnh ủy."),
    )
    signing_authority = forms.ChoiceField(label=_("Thẩm quyền ký"), choices=[])
    signer_title = forms.ChoiceField(label=_("Chức vụ người ký"), choices=[], required=False)
    signer_name = forms.CharField(label=_("Họ tên người ký"), max_length=120, required=False)
    reason = forms.CharField(label=_("Lý do (ghi vào nhật ký)"), max_length=500, required=False)
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    TEXT_SECTIONS = ("purpose_section", "content_section", "organisation_section")

    def __init__(self, *args, user, plan: Plan | None = None, **kwargs):
        initial = kwargs.setdefault("initial", {})
        if plan is not None:
            initial.update({name: getattr(plan, name) for name in services.PLAN_FIELDS})
            for name in self.TEXT_SECTIONS:
                initial[name] = document_html_to_text(getattr(plan, name))
            initial["version"] = services.plan_version(plan)
        else:
            initial.setdefault("signing_authority", SIGNING_AUTHORITIES[0])
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["issuing_unit"].queryset = Unit.objects.visible_to(user)
        self.fields["signing_authority"].choices = _choices(SIGNING_AUTHORITIES, initial.get("signing_authority", ""))
        self.fields["signer_title"].choices = [
            ("", _("— Chọn —")),
            *_choices(SIGNER_TITLES, initial.get("signer_title", "")),
        ]
        name_fields_in_errors(self)

    def plan_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in services.PLAN_FIELDS if name in self.cleaned_data}


# --- Targets and planned cadres (formsets) ---


class TargetForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    direction = forms.ChoiceField(
        label=_("Hướng luân chuyển"), choices=[("", _("— Mọi hướng —")), *Direction.choices], required=False
    )
    dest_title = forms.ModelChoiceField(
        label=_("Chức danh nơi đến"), queryset=PositionTitle.objects.order_by("-rank", "name"), required=False
    )
    dest_unit = forms.ModelChoiceField(
        label=_("Đơn vị nơi đến (gồm đơn vị trực thuộc)"),
        queryset=Unit.objects.none(),
        widget=AutocompleteWidget("units:autocomplete", Unit),
        required=False,
    )
    count = forms.IntegerField(label=_("Số lượt"), min_value=1, max_value=100_000)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dest_unit"].queryset = Unit.objects.visible_to(user)
        name_fields_in_errors(self)

    def row(self) -> services.TargetRow:
        data = self.cleaned_data
        return services.TargetRow(
            id=data.get("id"),
            direction=data.get("direction") or "",
            dest_unit=data.get("dest_unit"),
            dest_title=data.get("dest_title"),
            count=data.get("count") or 0,
            delete=bool(data.get("DELETE")),
        )


class EntryForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    cadre = forms.ModelChoiceField(
        label=_("Cán bộ"), queryset=Cadre.objects.none(), widget=AutocompleteWidget("cadres:autocomplete", Cadre)
    )
    current_post = forms.CharField(
        label=_("Chức vụ, đơn vị hiện nay"),
        max_length=300,
        required=False,
        help_text=_("Để trống: lấy chức vụ chính vào ngày của kế hoạch."),
    )
    dest_title = forms.ModelChoiceField(
        label=_("Chức danh dự kiến"), queryset=PositionTitle.objects.order_by("-rank", "name"), required=False
    )
    dest_unit = forms.ModelChoiceField(
        label=_("Nơi đến dự kiến"),
        queryset=Unit.objects.none(),
        widget=AutocompleteWidget("units:autocomplete", Unit),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = Cadre.objects.visible_to(user)
        self.fields["dest_unit"].queryset = Unit.objects.visible_to(user)
        name_fields_in_errors(self)

    def row(self) -> services.EntryRow:
        data = self.cleaned_data
        return services.EntryRow(
            id=data.get("id"),
            cadre=data.get("cadre"),
            current_post=data.get("current_post") or "",
            dest_unit=data.get("dest_unit"),
            dest_title=data.get("dest_title"),
            delete=bool(data.get("DELETE")),
        )


TargetFormSet = forms.formset_factory(TargetForm, extra=2, can_delete=True, max_num=ROW_LIMIT, validate_max=True)
EntryFormSet = forms.formset_factory(EntryForm, extra=3, can_delete=True, max_num=ROW_LIMIT, validate_max=True)
TARGETS_PREFIX, ENTRIES_PREFIX = "targets", "entries"


def target_formset(data, *, user, plan: Plan | None) -> forms.BaseFormSet:
    initial = []
    if plan is not None:
        for target in PlanTarget.objects.filter(plan=plan).order_by("id"):
            initial.append(
                {
                    "id": target.pk,
                    "direction": target.direction,
                    "dest_title": target.dest_title_id,
                    "dest_unit": target.dest_unit_id,
                    "count": target.count,
                }
            )
    return TargetFormSet(data, initial=initial, prefix=TARGETS_PREFIX, form_kwargs={"user": user})


def entry_formset(data, *, user, plan: Plan | None) -> forms.BaseFormSet:
    initial = []
    if plan is not None:
        for entry in PlanEntry.objects.filter(plan=plan).order_by("id"):
            initial.append(
                {
                    "id": entry.pk,
                    "cadre": entry.cadre_id,
                    "current_post": entry.current_post,
                    "dest_title": entry.dest_title_id,
                    "dest_unit": entry.dest_unit_id,
                }
            )
    return EntryFormSet(data, initial=initial, prefix=ENTRIES_PREFIX, form_kwargs={"user": user})


def filled_rows(formset: forms.BaseFormSet) -> list:
    """The rows of a valid formset the user filled in (blank extra rows are skipped)."""
    return [form.row() for form in formset.forms if form.has_changed() or form.cleaned_data.get("id")]


def with_more_rows(data, prefix: str, count: int = 3):
    """The submitted data with `count` more empty rows of a formset (the "Thêm dòng" buttons)."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        total = int(data.get(key, "0"))
    except ValueError:
        total = 0
    data[key] = str(min(max(total, 0) + count, ROW_LIMIT))
    return data


# --- Issue, amend, link a posting ---


class ConfirmForm(forms.Form):
    """Issue or amend: the version the user saw (so nothing changed under them) and a reason for the log."""

    version = forms.CharField(widget=forms.HiddenInput, required=True)
    reason = forms.CharField(label=_("Lý do, căn cứ (ghi vào nhật ký)"), max_length=500, required=False)

    def __init__(self, *args, plan: Plan, **kwargs):
        kwargs.setdefault("initial", {})["version"] = services.plan_version(plan)
        super().__init__(*args, **kwargs)
        self.fields["version"].error_messages["required"] = _(
            "Trang đã cũ hoặc thiếu thông tin phiên bản; hãy mở lại trang kế hoạch rồi thử lại."
        )


class EntryLinkForm(forms.Form):
    posting = forms.ModelChoiceField(
        label=_("Lượt luân chuyển đã thực hiện"),
        queryset=Posting.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        empty_label=_("Chưa thực hiện (bỏ gắn)"),
    )
    reason = forms.CharField(label=_("Lý do, căn cứ (ghi vào nhật ký)"), max_length=500, required=False)
    confirm = forms.BooleanField(widget=forms.HiddenInput, required=True)

    def __init__(self, *args, choices: list[Posting], entry: PlanEntry, **kwargs):
        kwargs.setdefault("initial", {}).update({"posting": entry.posting_id, "confirm": True})
        super().__init__(*args, **kwargs)
        # The cadre's own postings (a handful): a radio list, not a search box.
        self.fields["posting"].queryset = Posting.objects.filter(pk__in=[p.pk for p in choices])
        self.fields["posting"].label_from_instance = lambda p: (
            f"{p.dest_title_name}, {p.dest_unit_name} — từ {p.start_date:%d/%m/%Y} ({p.get_status_display()}; "
            f"quyết định {p.decision.symbol})"
        )
        self.fields["confirm"].error_messages["required"] = _("Hãy chọn rồi bấm Lưu trên trang này.")
