"""The recording forms of the web pages: a decision with several postings, one posting, end, cancel, edit.

The forms only parse and check the input; every write goes through postings.services, which runs
the rules of the decision date. A refusal comes back as a RuleViolation: its errors are shown next
to the field each finding names, its warnings in a box per rule where the user may grant the
special case (tick, reason and, where the rule asks, the special decision's reference) and submit
again. The admin keeps its own ModelForms in postings/forms.py.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.forms import BoundField
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cadres.models import Cadre
from postings import selectors, services
from postings.forms import OVERRIDABLE_RULES, posting_arguments
from postings.models import Decision, DecisionStatus, Posting, PostingKind, PostingOutcome, PostingPurpose
from postings.rules import Finding
from postings.validators import validate_pdf_scan
from rotation_registry.common.concurrency import lock_if_unchanged, row_version
from rotation_registry.common.formatting import format_date
from rotation_registry.common.forms import add_service_errors
from rotation_registry.common.widgets import AutocompleteWidget
from units.models import Position, Unit

OVERRIDE_TITLES = dict(OVERRIDABLE_RULES)
ROWS_PREFIX = "rows"
MAX_ROWS = 100

# Where a service's complaint about a model field belongs on these forms.
POSTING_ERROR_ALIASES = {
    "planned_end": "planned_months",
    "is_primary": "concurrent",
    "direction": "dest_unit",
    "overrides": NON_FIELD_ERRORS,
    "status": NON_FIELD_ERRORS,
}


def date_input() -> forms.DateInput:
    """A browser date picker; the value travels as YYYY-MM-DD and 23/8/2017 typed by hand is accepted too."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def name_fields_in_errors(form: forms.BaseForm) -> None:
    """Every input error names its field, in Vietnamese: "Ngày bắt đầu: ngày không hợp lệ …".

    The label goes in with str.format ({label}), because the validators fill the %(…)s placeholders later.
    """
    for name, field in form.fields.items():
        label = str(field.label or name)
        messages = {
            "required": gettext("{label}: chưa nhập (bắt buộc)."),
            "invalid": gettext("{label}: giá trị không hợp lệ."),
            "invalid_choice": gettext("{label}: lựa chọn không hợp lệ hoặc nằm ngoài phạm vi anh/chị được làm việc."),
            "max_length": gettext("{label}: dài quá %(limit_value)d ký tự (đang có %(show_value)d)."),
            "min_value": gettext("{label}: phải từ %(limit_value)s trở lên."),
            "max_value": gettext("{label}: không được quá %(limit_value)s."),
        }
        if isinstance(field, forms.DateField):
            messages["invalid"] = gettext(
                "{label}: ngày không hợp lệ (chọn trên lịch hoặc gõ ngày/tháng/năm, như 23/8/2017)."
            )
        elif isinstance(field, forms.IntegerField):
            messages["invalid"] = gettext("{label}: phải là một số nguyên.")
        field.error_messages.update({key: message.format(label=label) for key, message in messages.items()})


def visible_units(user):
    return Unit.objects.visible_to(user)


def visible_positions(user):
    return Position.objects.filter(unit__in=Unit.objects.visible_to(user)).select_related("title", "unit")


# --- Overrides: one box per warning ---


def _slug(code: str) -> str:
    return code.lower().replace("-", "_")


@dataclass
class OverrideBox:
    """What the template shows for one rule: the warning(s), a tick box, the reason and the reference."""

    code: str
    title: str
    messages: list[str]
    requires_reference: bool
    checkbox: BoundField
    reason: BoundField
    reference: BoundField


class OverridesMixin:
    """Adds, per overridable rule, `ov_<code>` (tick), `ov_<code>_reason` and `ov_<code>_reference`."""

    override_codes: tuple[str, ...] = tuple(OVERRIDE_TITLES)

    def _add_override_fields(self) -> None:
        self.warnings: list[Finding] = []
        for code in self.override_codes:
            slug = _slug(code)
            self.fields[f"ov_{slug}"] = forms.BooleanField(
                label=gettext("Vượt quy định (trường hợp đặc biệt) — %(code)s") % {"code": code}, required=False
            )
            self.fields[f"ov_{slug}_reason"] = forms.CharField(
                label=gettext("Lý do trường hợp đặc biệt (%(code)s)") % {"code": code},
                required=False,
                max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"ov_{slug}_reference"] = forms.CharField(
                label=gettext("Số, ký hiệu quyết định cho phép (%(code)s)") % {"code": code},
                required=False,
                max_length=80,
            )

    def _override_field_names(self) -> set[str]:
        names = set()
        for code in self.override_codes:
            slug = _slug(code)
            names |= {f"ov_{slug}", f"ov_{slug}_reason", f"ov_{slug}_reference"}
        return names

    def _clean_overrides(self) -> None:
        data = self.cleaned_data
        for code in self.override_codes:
            slug = _slug(code)
            if data.get(f"ov_{slug}") and not (data.get(f"ov_{slug}_reason") or "").strip():
                self.add_error(
                    f"ov_{slug}_reason",
                    gettext("Lý do trường hợp đặc biệt (%(code)s): phải ghi lý do khi đánh dấu vượt quy định.")
                    % {"code": code},
                )

    def overrides(self) -> list[services.OverrideRequest]:
        data = getattr(self, "cleaned_data", {})
        requests = []
        for code in self.override_codes:
            slug = _slug(code)
            if data.get(f"ov_{slug}"):
                requests.append(
                    services.OverrideRequest(
                        code, (data.get(f"ov_{slug}_reason") or "").strip(), (data.get(f"ov_{slug}_reference") or "")
                    )
                )
        return requests

    def add_warning(self, finding: Finding) -> None:
        """A warning left without a valid override: list it, and say what is missing in the box."""
        if finding.code not in self.override_codes:
            self.add_error(None, finding.message)
            return
        self.warnings.append(finding)
        slug = _slug(finding.code)
        ticked = bool(self[f"ov_{slug}"].value())
        reason = (self[f"ov_{slug}_reason"].value() or "").strip()
        reference = (self[f"ov_{slug}_reference"].value() or "").strip()
        if not ticked and reason:
            self.add_error(
                f"ov_{slug}",
                gettext("Hãy đánh dấu ô này nếu muốn vượt quy định %(code)s với lý do đã ghi.")
                % {"code": finding.code},
            )
        elif ticked and reason and finding.requires_decision_reference and not reference:
            self.add_error(
                f"ov_{slug}_reference",
                gettext(
                    "Số, ký hiệu quyết định cho phép (%(code)s): quy định này chỉ được vượt khi có quyết định "
                    "cho phép trường hợp đặc biệt; phải ghi số, ký hiệu quyết định đó."
                )
                % {"code": finding.code},
            )

    def override_boxes(self) -> list[OverrideBox]:
        """Boxes for the warnings of the last attempt, and for overrides already ticked (kept on re-submit)."""
        by_code: dict[str, list[Finding]] = {}
        for finding in self.warnings:
            by_code.setdefault(finding.code, []).append(finding)
        boxes = []
        for code in self.override_codes:
            slug = _slug(code)
            findings = by_code.get(code, [])
            if not findings and not self[f"ov_{slug}"].value():
                continue
            boxes.append(
                OverrideBox(
                    code=code,
                    title=OVERRIDE_TITLES.get(code, code),
                    messages=[finding.message for finding in findings],
                    requires_reference=any(finding.requires_decision_reference for finding in findings),
                    checkbox=self[f"ov_{slug}"],
                    reason=self[f"ov_{slug}_reason"],
                    reference=self[f"ov_{slug}_reference"],
                )
            )
        return boxes


def show_refusal(form: forms.BaseForm, exc: ValidationError, aliases: dict[str, str] | None = None) -> None:
    """A service's refusal on the form: errors next to their fields, warnings in override boxes."""
    aliases = POSTING_ERROR_ALIASES if aliases is None else aliases
    if isinstance(exc, services.RuleViolation) and exc.findings:
        for finding in exc.findings:
            if finding.is_error or not hasattr(form, "add_warning"):
                field = aliases.get(finding.field, finding.field)
                form.add_error(field if field in form.fields else None, finding.message)
            else:
                form.add_warning(finding)
        return
    add_service_errors(form, exc, aliases)


# --- Decisions ---


class DecisionForm(forms.Form):
    symbol = forms.CharField(
        label=_("Số, ký hiệu"), max_length=40, help_text=_("Ví dụ: 125-QĐ/TU (số - loại văn bản / cơ quan ban hành).")
    )
    date = forms.DateField(label=_("Ngày ký"), widget=date_input())
    issuing_unit = forms.ModelChoiceField(
        label=_("Cơ quan ban hành"), queryset=Unit.objects.none(), widget=AutocompleteWidget("units:autocomplete", Unit)
    )
    signer = forms.CharField(label=_("Người ký"), max_length=120, required=False)
    signer_title = forms.CharField(
        label=_("Chức vụ người ký"),
        max_length=120,
        required=False,
        help_text=_("Ví dụ: T/M BAN THƯỜNG VỤ, PHÓ BÍ THƯ."),
    )
    summary = forms.CharField(
        label=_("Trích yếu"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Ví dụ: Về việc luân chuyển, điều động cán bộ."),
    )
    scan = forms.FileField(
        label=_("Bản chụp quyết định (PDF)"),
        required=False,
        validators=[validate_pdf_scan],
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        help_text=_("Không bắt buộc; tệp PDF, tối đa 20 MB."),
    )
    reason = forms.CharField(
        label=_("Lý do, căn cứ (ghi vào nhật ký)"), max_length=500, required=False, help_text=_("Không bắt buộc.")
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    EDITABLE = ("symbol", "date", "issuing_unit", "signer", "signer_title", "summary", "scan")

    def __init__(self, *args, user, decision: Decision | None = None, **kwargs):
        if decision is not None:
            kwargs.setdefault("initial", {})
            kwargs["initial"].update({name: getattr(decision, name) for name in self.EDITABLE})
            kwargs["initial"]["version"] = row_version(decision)
        super().__init__(*args, **kwargs)
        self.decision = decision
        self.fields["issuing_unit"].queryset = visible_units(user)
        name_fields_in_errors(self)

    def decision_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.EDITABLE}

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data if name in self.EDITABLE}


def save_unless_stale(obj, form: forms.BaseForm, write, *, show=add_service_errors):
    """Lock `obj`, refuse if it changed since the form was drawn (STALE_MESSAGE), else `write(current)`.

    A refusal, stale or from the service, is shown on the form and nothing is written.
    """
    try:
        with transaction.atomic():
            return write(lock_if_unchanged(obj, form.cleaned_data["version"]))
    except ValidationError as exc:
        show(form, exc)
        return None


def decision_update_checked(*, actor, decision: Decision, form: DecisionForm) -> Decision | None:
    """Save a decision's corrections unless someone changed it since the form was drawn (then: STALE_MESSAGE)."""
    reason = form.cleaned_data["reason"] or f"Sửa quyết định {decision.symbol}"
    return save_unless_stale(
        decision,
        form,
        lambda current: services.decision_update(actor=actor, decision=current, changes=form.changes(), reason=reason),
    )


# --- Postings ---


def origin_note(cadre: Cadre, day: datetime.date | None) -> str:
    """What the service will take as the origin when the form gives none: the primary posting held that day.

    Without a start date yet, today stands in for it.
    """
    # The same query the service uses, so the note says exactly what will be stored.
    previous = selectors.primary_posting_on(cadre=cadre, day=day or timezone.localdate())
    if previous is None and day:
        return gettext(
            "Nơi đi: cán bộ chưa có chức vụ chính nào trong sổ vào ngày %(date)s; nếu cần, ghi nơi đi ở mục “Nơi đi”."
        ) % {"date": format_date(day)}
    if previous is None:
        return gettext(
            "Nơi đi: cán bộ chưa có chức vụ chính nào trong sổ hiện nay; nếu cần, ghi nơi đi ở mục “Nơi đi”."
        )
    return gettext("Nơi đi: %(title)s, %(unit)s (lấy từ chức vụ chính hiện tại)") % {
        "title": previous.dest_title_name,
        "unit": previous.dest_unit_name,
    }


class PostingFieldsForm(OverridesMixin, forms.Form):
    """The fields of a move shared by the decision's rows, the single-posting form and the edit form."""

    kind = forms.ChoiceField(label=_("Hình thức"), choices=PostingKind.choices, initial=PostingKind.ROTATION)
    purpose = forms.ChoiceField(label=_("Mục đích"), choices=PostingPurpose.choices, initial=PostingPurpose.TRAINING)
    dest_position = forms.ModelChoiceField(
        label=_("Vị trí nơi đến"),
        queryset=Position.objects.none(),
        required=False,
        widget=AutocompleteWidget("units:position_autocomplete", Position),
        help_text=_("Chức danh tại đơn vị; dùng để kiểm tra số lượng, tương đương, không là người địa phương."),
    )
    dest_unit = forms.ModelChoiceField(
        label=_("Đơn vị nơi đến"),
        queryset=Unit.objects.none(),
        required=False,
        widget=AutocompleteWidget("units:autocomplete", Unit),
        help_text=_("Không cần chọn nếu đã chọn vị trí nơi đến."),
    )
    dest_title_name = forms.CharField(
        label=_("Chức vụ nơi đến (như ghi trong quyết định)"),
        max_length=255,
        required=False,
        help_text=_("Để trống: lấy tên chức danh của vị trí nơi đến."),
    )
    dest_unit_name = forms.CharField(
        label=_("Đơn vị nơi đến (như ghi trong quyết định)"),
        max_length=255,
        required=False,
        help_text=_("Để trống: lấy tên đơn vị vào ngày ký quyết định."),
    )
    start_date = forms.DateField(label=_("Ngày bắt đầu"), widget=date_input())
    planned_months = forms.IntegerField(label=_("Thời gian dự kiến (tháng)"), initial=36, min_value=1, max_value=240)
    concurrent = forms.BooleanField(label=_("Kiêm nhiệm (không phải chức vụ chính)"), required=False)
    origin_position = forms.ModelChoiceField(
        label=_("Vị trí nơi đi"),
        queryset=Position.objects.none(),
        required=False,
        widget=AutocompleteWidget("units:position_autocomplete", Position),
    )
    origin_unit = forms.ModelChoiceField(
        label=_("Đơn vị nơi đi"),
        queryset=Unit.objects.none(),
        required=False,
        widget=AutocompleteWidget("units:autocomplete", Unit),
    )
    origin_title_name = forms.CharField(
        label=_("Chức vụ nơi đi (như ghi trong quyết định)"), max_length=255, required=False
    )
    origin_unit_name = forms.CharField(
        label=_("Đơn vị nơi đi (như ghi trong quyết định)"), max_length=255, required=False
    )

    ORIGIN_FIELDS = ("origin_position", "origin_unit", "origin_title_name", "origin_unit_name")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for name in ("dest_position", "origin_position"):
            self.fields[name].queryset = visible_positions(user)
        for name in ("dest_unit", "origin_unit"):
            self.fields[name].queryset = visible_units(user)
        if "cadre" in self.fields:
            self.fields["cadre"].queryset = Cadre.objects.visible_to(user)
        if "decision" in self.fields:
            self.fields["decision"].queryset = Decision.objects.visible_to(user).filter(status=DecisionStatus.IN_FORCE)
        self._add_override_fields()
        name_fields_in_errors(self)

    def clean(self):
        data = super().clean()
        if "dest_position" in data and "dest_unit" in data and not data["dest_position"] and not data["dest_unit"]:
            self.add_error("dest_unit", gettext("Đơn vị nơi đến: phải chọn vị trí nơi đến hoặc đơn vị nơi đến."))
        if "dest_position" in data and not data["dest_position"] and not (data.get("dest_title_name") or "").strip():
            self.add_error(
                "dest_title_name",
                gettext("Chức vụ nơi đến: phải ghi như trong quyết định khi không chọn vị trí nơi đến."),
            )
        self._clean_overrides()
        return data

    def fields_named(self, *names: str) -> list[BoundField]:
        return [self[name] for name in names if name in self.fields]

    def head_fields(self) -> list[BoundField]:
        return self.fields_named("decision", "cadre")

    def destination_fields(self) -> list[BoundField]:
        return self.fields_named("dest_position", "dest_unit", "dest_title_name", "dest_unit_name")

    def timing_fields(self) -> list[BoundField]:
        return self.fields_named("start_date", "planned_months", "kind", "purpose")

    def origin_fields(self) -> list[BoundField]:
        return self.fields_named(*self.ORIGIN_FIELDS)

    def origin_open(self) -> bool:
        """Open the "Nơi đi" section when something is typed in it or an error is shown there."""
        return any(self[name].value() for name in self.ORIGIN_FIELDS) or (
            self.is_bound and any(self.errors.get(name) for name in self.ORIGIN_FIELDS)
        )

    def origin_note(self) -> str:
        """The origin the service will fill in, once the cadre is known (e.g. after a first submit)."""
        if "cadre" not in self.fields:
            return ""
        if self.is_bound:
            self.is_valid()  # validates once (the result is cached), so cleaned_data is there
            data = getattr(self, "cleaned_data", {})
            cadre, day = data.get("cadre"), data.get("start_date")
            if data.get("origin_position") or data.get("origin_unit"):
                return ""
        else:
            cadre, day = self.initial.get("cadre"), None
        if not isinstance(cadre, Cadre):
            return ""
        return origin_note(cadre, day)

    def posting_kwargs(self) -> dict:
        data = self.cleaned_data
        return dict(
            posting_arguments(data),
            is_primary=not data["concurrent"],
            end_previous=data.get("end_previous", False),
            overrides=self.overrides(),
        )


class PreferenceField(forms.BooleanField):
    """A choice about how to save, not data: it never makes an empty extra row count as filled in."""

    def has_changed(self, initial, data) -> bool:
        return False


class EndsPreviousMixin(forms.Form):
    """A new primary post usually ends the one the cadre holds: say so once, on the new posting."""

    end_previous = PreferenceField(
        label=_("Kết thúc chức vụ chính đang giữ vào ngày trước ngày bắt đầu (bố trí chức vụ mới)"),
        required=False,
        initial=True,
        help_text=_("Bỏ chọn nếu chức vụ đang giữ đã kết thúc, hoặc sẽ ghi kết thúc riêng."),
    )


class PostingRowForm(EndsPreviousMixin, PostingFieldsForm):
    """One cadre moved by the decision being recorded."""

    cadre = forms.ModelChoiceField(
        label=_("Cán bộ"),
        queryset=Cadre.objects.none(),
        widget=AutocompleteWidget("cadres:autocomplete", Cadre),
        help_text=_("Gõ họ tên, có dấu hoặc không dấu."),
    )

    field_order = ["cadre"]


class BasePostingRowFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_few_forms": _("Phải ghi ít nhất một cán bộ được luân chuyển theo quyết định."),
        # Django fills %(num)d with max_num (MAX_ROWS).
        "too_many_forms": _("Một lần ghi tối đa %(num)d cán bộ; hãy chia quyết định thành nhiều lần ghi."),
    }


PostingRowFormSet = forms.formset_factory(
    PostingRowForm,
    formset=BasePostingRowFormSet,
    extra=1,
    min_num=1,
    validate_min=True,
    max_num=MAX_ROWS,
    validate_max=True,
    absolute_max=MAX_ROWS,
)


def with_one_more_row(data, prefix: str = ROWS_PREFIX):
    """The submitted data with one more (empty) row: the "Thêm dòng" button."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        total = int(data.get(key, "1"))
    except ValueError:
        total = 1
    data[key] = str(min(max(total, 0) + 1, MAX_ROWS))
    return data


class _Refused(Exception):
    """Raised inside the transaction to roll every write of the submission back."""


def record_decision(*, actor, form: DecisionForm, rows: BasePostingRowFormSet) -> Decision | None:
    """Record a decision and each filled row as a posting, in one transaction: all of them or nothing.

    Every row with valid input is checked by the services even when another row is refused, so
    each row shows its own errors and warnings; then, if anything was refused, all is rolled back.
    """
    accepted = form.is_valid()
    accepted = rows.is_valid() and accepted
    if not form.is_valid():
        return None
    reason = form.cleaned_data["reason"] or f"Ghi quyết định {form.cleaned_data['symbol']}"
    try:
        with transaction.atomic():
            try:
                decision = services.decision_create(actor=actor, reason=reason, **form.decision_kwargs())
            except ValidationError as exc:
                add_service_errors(form, exc)
                raise _Refused from exc
            for row in rows.forms:
                if not row.has_changed() or row.errors:
                    continue
                try:
                    services.posting_create(actor=actor, decision=decision, reason=reason, **row.posting_kwargs())
                except ValidationError as exc:
                    show_refusal(row, exc)
                    accepted = False
            if not accepted:
                raise _Refused
    except _Refused:
        return None
    return decision


class PostingForm(EndsPreviousMixin, PostingFieldsForm):
    """One posting for a decision already recorded."""

    decision = forms.ModelChoiceField(
        label=_("Quyết định"),
        queryset=Decision.objects.none(),
        widget=AutocompleteWidget("postings:decision_autocomplete", Decision),
        help_text=_("Gõ số, ký hiệu (ví dụ 125-QĐ/TU) hoặc vài chữ của trích yếu."),
    )
    cadre = forms.ModelChoiceField(
        label=_("Cán bộ"),
        queryset=Cadre.objects.none(),
        widget=AutocompleteWidget("cadres:autocomplete", Cadre),
        help_text=_("Gõ họ tên, có dấu hoặc không dấu."),
    )
    reason = forms.CharField(label=_("Lý do, căn cứ (ghi vào nhật ký)"), max_length=500, required=False)

    field_order = ["decision", "cadre"]


# Edit-form fields and the posting attribute each one changes.
EDIT_FIELDS = {
    "decision": "decision",
    "kind": "kind",
    "purpose": "purpose",
    "dest_position": "dest_position",
    "dest_unit": "dest_unit",
    "dest_title_name": "dest_title_name",
    "dest_unit_name": "dest_unit_name",
    "start_date": "start_date",
    "planned_months": "planned_months",
    "concurrent": "is_primary",
    "origin_position": "origin_position",
    "origin_unit": "origin_unit",
    "origin_title_name": "origin_title_name",
    "origin_unit_name": "origin_unit_name",
    "actual_end": "actual_end",
    "outcome": "outcome",
}


class PostingEditForm(PostingFieldsForm):
    """Correct a recorded posting; the cadre cannot change (cancel and record again instead)."""

    decision = forms.ModelChoiceField(
        label=_("Quyết định"),
        queryset=Decision.objects.none(),
        widget=AutocompleteWidget("postings:decision_autocomplete", Decision),
    )
    actual_end = forms.DateField(label=_("Ngày kết thúc thực tế"), widget=date_input(), required=False)
    outcome = forms.ChoiceField(
        label=_("Kết quả sau luân chuyển"), choices=[("", "—"), *PostingOutcome.choices], required=False
    )
    reason = forms.CharField(label=_("Lý do sửa (ghi vào nhật ký)"), max_length=500, required=False)
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    field_order = ["decision"]

    def __init__(self, *args, posting: Posting, **kwargs):
        initial = {name: getattr(posting, attr) for name, attr in EDIT_FIELDS.items()}
        initial["concurrent"] = not posting.is_primary
        initial["version"] = row_version(posting)
        kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.posting = posting
        # Only an ended posting has an end to correct; ending one is its own form.
        if posting.actual_end is None:
            del self.fields["actual_end"]
            del self.fields["outcome"]
        # The decision may be an older one, or cancelled since: it stays a valid choice for this posting.
        in_force = Decision.objects.visible_to(self.user).filter(status=DecisionStatus.IN_FORCE)
        self.fields["decision"].queryset = in_force | Decision.objects.filter(pk=posting.decision_id)

    def timing_fields(self) -> list[BoundField]:
        return self.fields_named("start_date", "planned_months", "kind", "purpose", "actual_end", "outcome")

    def changes(self) -> dict:
        data = self.cleaned_data
        changes = {}
        for name in self.changed_data:
            if name not in EDIT_FIELDS:
                continue
            value = data[name]
            if name == "concurrent":
                value = not value
            changes[EDIT_FIELDS[name]] = value
        # A name as written that is emptied falls back to the chosen unit's or position's name.
        for side in ("origin", "dest"):
            unit = data.get(f"{side}_unit") or (data.get(f"{side}_position") and data[f"{side}_position"].unit)
            position = data.get(f"{side}_position")
            if changes.get(f"{side}_unit_name") == "" and unit is not None:
                changes[f"{side}_unit_name"] = unit.name
            if changes.get(f"{side}_title_name") == "" and position is not None:
                changes[f"{side}_title_name"] = position.title.name
        return changes


def posting_update_checked(*, actor, posting: Posting, form: PostingEditForm) -> Posting | None:
    """Save a posting's corrections unless someone changed it since the form was drawn (then: STALE_MESSAGE)."""
    reason = form.cleaned_data["reason"] or "Sửa thông tin luân chuyển"
    return save_unless_stale(
        posting,
        form,
        lambda current: services.posting_update(
            actor=actor, posting=current, changes=form.changes(), overrides=form.overrides(), reason=reason
        ),
        show=show_refusal,
    )


def refusal_summary(forms_: list[forms.BaseForm]) -> dict:
    """For the banner above a refused form: how many fields are wrong and how many warnings await an override."""
    warnings = sum(len(getattr(form, "warnings", [])) for form in forms_)
    errors = sum(len(form.errors) for form in forms_)
    return {"refused": True, "warning_count": warnings, "error_count": errors}


# --- Ending and cancelling ---


class PostingEndForm(OverridesMixin, forms.Form):
    actual_end = forms.DateField(label=_("Ngày kết thúc thực tế"), widget=date_input())
    outcome = forms.ChoiceField(
        label=_("Kết quả sau luân chuyển"), choices=[("", _("— Chọn —")), *PostingOutcome.choices]
    )
    reason = forms.CharField(label=_("Căn cứ (ghi vào nhật ký)"), max_length=500, required=False)
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    override_codes = ("R-DURATION",)

    def __init__(self, *args, posting: Posting, **kwargs):
        kwargs.setdefault("initial", {})["version"] = row_version(posting)
        super().__init__(*args, **kwargs)
        self._add_override_fields()
        name_fields_in_errors(self)

    def clean(self):
        data = super().clean()
        self._clean_overrides()
        return data


def posting_end_checked(*, actor, posting: Posting, form: PostingEndForm) -> Posting | None:
    data = form.cleaned_data
    return save_unless_stale(
        posting,
        form,
        lambda current: services.posting_end(
            actor=actor,
            posting=current,
            actual_end=data["actual_end"],
            outcome=data["outcome"],
            overrides=form.overrides(),
            reason=data["reason"] or "Kết thúc luân chuyển",
        ),
        show=lambda form_, exc: show_refusal(form_, exc, aliases={}),
    )


class PostingCancelForm(forms.Form):
    cancel_reason = forms.CharField(
        label=_("Lý do hủy"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ví dụ: nhập nhầm; quyết định đã bị thu hồi (ghi số văn bản thu hồi)."),
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, posting: Posting, **kwargs):
        kwargs.setdefault("initial", {})["version"] = row_version(posting)
        super().__init__(*args, **kwargs)
        name_fields_in_errors(self)
        self.fields["cancel_reason"].error_messages["required"] = gettext(
            "Lý do hủy: phải ghi lý do hủy luân chuyển (bản ghi không bị xóa, lý do được lưu lại)."
        )


class DecisionCancelForm(forms.Form):
    cancel_reason = forms.CharField(
        label=_("Lý do hủy"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ví dụ: quyết định đã bị thu hồi theo văn bản số …; nhập nhầm."),
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, decision: Decision, **kwargs):
        kwargs.setdefault("initial", {})["version"] = row_version(decision)
        super().__init__(*args, **kwargs)
        name_fields_in_errors(self)
        self.fields["cancel_reason"].error_messages["required"] = gettext(
            "Lý do hủy: phải ghi lý do hủy quyết định (bản ghi không bị xóa, lý do được lưu lại)."
        )


def decision_cancel_checked(*, actor, decision: Decision, form: DecisionCancelForm) -> Decision | None:
    reason = form.cleaned_data["cancel_reason"]
    return save_unless_stale(
        decision, form, lambda current: services.decision_cancel(actor=actor, decision=current, reason=reason)
    )


def posting_cancel_checked(*, actor, posting: Posting, form: PostingCancelForm) -> Posting | None:
    reason = form.cleaned_data["cancel_reason"]
    return save_unless_stale(
        posting, form, lambda current: services.posting_cancel(actor=actor, posting=current, reason=reason)
    )
