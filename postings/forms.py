"""Forms whose saves go through postings.services, so the rules and the audit apply to every write path."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from postings import services
from postings.models import Decision, Posting, PostingStatus
from rotation_registry.common.admin import AUDIT_REASON_FIELD, AuditReasonForm
from rotation_registry.common.forms import add_service_errors

# Warnings a user may override (E rules never can).
OVERRIDABLE_RULES = [
    ("R-DURATION", _("R-DURATION: thời gian luân chuyển tối thiểu")),
    ("R-REMAINING", _("R-REMAINING: thời gian công tác còn lại")),
    ("R-PLANNING", _("R-PLANNING: trong quy hoạch")),
    ("R-EQUIVALENT", _("R-EQUIVALENT: chức vụ tương đương")),
    ("R-QUOTA", _("R-QUOTA: không tăng thêm chức danh")),
    ("R-NONLOCAL", _("R-NONLOCAL: không là người địa phương")),
    ("R-TWO-TERMS", _("R-TWO-TERMS: không quá hai nhiệm kỳ")),
]


def posting_arguments(data: dict) -> dict:
    """posting_create's arguments from a posting form's cleaned data (blank names: default from the units)."""
    return dict(
        cadre=data["cadre"],
        dest_unit=data.get("dest_unit"),
        dest_position=data.get("dest_position"),
        start_date=data["start_date"],
        kind=data["kind"],
        purpose=data["purpose"],
        origin_unit=data.get("origin_unit"),
        origin_position=data.get("origin_position"),
        origin_unit_name=data.get("origin_unit_name") or None,
        origin_title_name=data.get("origin_title_name") or None,
        dest_unit_name=data.get("dest_unit_name") or None,
        dest_title_name=data.get("dest_title_name") or None,
        planned_months=data["planned_months"],
    )


class ServiceForm(AuditReasonForm):
    """A ModelForm that saves by calling a service once the model-level checks pass.

    The service runs during validation (inside the request's transaction), so a rule's refusal
    comes back as errors next to the form fields instead of after the form was accepted.
    `actor` is set by the admin before validation.
    """

    actor = None

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.errors:
            return
        try:
            self.instance = self.save_through_service()
        except ValidationError as exc:
            add_service_errors(self, exc)

    def validate_constraints(self) -> None:
        pass  # the service validates constraints and puts each message next to its field

    def save_through_service(self):
        raise NotImplementedError

    def save(self, commit: bool = True):
        return self.instance  # saved by the service during validation

    def save_m2m(self) -> None:
        pass  # these models have no many-to-many fields


class PostingForm(ServiceForm):
    override_rules = forms.MultipleChoiceField(
        label=_("Vượt quy định (trường hợp đặc biệt)"),
        choices=OVERRIDABLE_RULES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            _("Chỉ chọn khi hệ thống cảnh báo và có lý do; cảnh báo nào cần số quyết định thì ghi cả số quyết định.")
        ),
    )
    override_reason = forms.CharField(
        label=_("Lý do trường hợp đặc biệt"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    override_reference = forms.CharField(label=_("Số, ký hiệu quyết định cho phép"), required=False, max_length=80)

    class Meta:
        model = Posting
        fields = [
            "cadre",
            "decision",
            "kind",
            "purpose",
            "origin_position",
            "origin_unit",
            "origin_unit_name",
            "origin_title_name",
            "dest_position",
            "dest_unit",
            "dest_unit_name",
            "dest_title_name",
            "start_date",
            "planned_months",
            "planned_end",
            "is_primary",
            "status",
            "actual_end",
            "outcome",
            "cancel_reason",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Names as written default to the units' and titles' names, so they may be left empty.
        for name in ("origin_unit_name", "origin_title_name", "dest_unit_name", "dest_title_name", "dest_unit"):
            self.fields[name].required = False

    def overrides(self) -> list[services.OverrideRequest]:
        reason = self.cleaned_data.get("override_reason", "")
        reference = self.cleaned_data.get("override_reference", "")
        return [
            services.OverrideRequest(code, reason, reference) for code in self.cleaned_data.get("override_rules", [])
        ]

    def save_through_service(self) -> Posting:
        data = self.cleaned_data
        reason = data.get(AUDIT_REASON_FIELD, "")
        if self.instance.pk is None:
            return services.posting_create(
                actor=self.actor,
                decision=data["decision"],
                **posting_arguments(data),
                planned_end=data.get("planned_end"),
                is_primary=data["is_primary"],
                status=data["status"],
                overrides=self.overrides(),
                reason=reason,
            )
        original = Posting.objects.get(pk=self.instance.pk)
        status = data["status"]
        if status == PostingStatus.CANCELLED and original.status != PostingStatus.CANCELLED:
            return services.posting_cancel(actor=self.actor, posting=original, reason=data.get("cancel_reason", ""))
        changes = {name: data[name] for name in self.changed_data if name in services.UPDATABLE_FIELDS}
        posting = original
        if changes:
            posting = services.posting_update(
                actor=self.actor, posting=original, changes=changes, overrides=self.overrides(), reason=reason
            )
        if status == PostingStatus.ENDED and original.status == PostingStatus.IN_FORCE:
            posting = services.posting_end(
                actor=self.actor,
                posting=posting,
                actual_end=data.get("actual_end"),
                outcome=data.get("outcome", ""),
                overrides=self.overrides(),
                reason=reason,
            )
        elif status != original.status and status != PostingStatus.ENDED:
            raise ValidationError(
                {
                    "status": [
                        gettext(
                            "Chỉ chuyển được từ “Đang thực hiện” sang “Đã kết thúc” (ghi ngày "
                            "kết thúc và kết quả) hoặc sang “Đã hủy” (ghi lý do)."
                        )
                    ]
                }
            )
        return posting


class DecisionForm(ServiceForm):
    class Meta:
        model = Decision
        fields = services.DECISION_FIELDS

    def save_through_service(self) -> Decision:
        data = self.cleaned_data
        reason = data.get(AUDIT_REASON_FIELD, "")
        if self.instance.pk is None:
            decision = services.decision_create(
                actor=self.actor,
                symbol=data["symbol"],
                date=data["date"],
                issuing_unit=data["issuing_unit"],
                signer=data.get("signer", ""),
                signer_title=data.get("signer_title", ""),
                summary=data.get("summary", ""),
                reason=reason,
            )
            if data.get("scan"):
                decision.scan = data["scan"]
                decision.save(update_fields=["scan"])
            return decision
        changes = {name: data[name] for name in self.changed_data if name in services.DECISION_UPDATABLE_FIELDS}
        return services.decision_update(actor=self.actor, decision=self.instance, changes=changes, reason=reason)
