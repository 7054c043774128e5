"""Admin plumbing shared by every app: scoped querysets, no hard deletes, and an audited reason."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rotation_registry.common.audit import audit_context
from rotation_registry.common.vietnamese import search_key

AUDIT_REASON_FIELD = "audit_reason"


class AuditReasonForm(forms.ModelForm):
    """Every admin form asks why the change is made; the reason lands in the audit row."""

    audit_reason = forms.CharField(
        label=_("Lý do thay đổi"),
        required=False,
        max_length=500,
        help_text=_("Ghi vào nhật ký thay đổi (ví dụ: số quyết định, văn bản đề nghị)."),
    )


class RegistryAdmin(admin.ModelAdmin):
    """Base for registry models: visibility through visible_to, edits for board staff, audited saves.

    Nothing entered through the UI is hard-deleted (history is never rewritten): postings and
    decisions are cancelled instead, so the delete permission is withheld here.
    """

    form = AuditReasonForm
    list_per_page = 50
    show_full_result_count = False  # a COUNT(*) over a large table on every page is not worth it

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if hasattr(queryset, "visible_to"):
            queryset = queryset.visible_to(request.user)
        return queryset

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if any(AUDIT_REASON_FIELD in opts.get("fields", ()) for _, opts in fieldsets):
            return fieldsets
        return [*fieldsets, (_("Nhật ký"), {"fields": [AUDIT_REASON_FIELD]})]

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != AUDIT_REASON_FIELD]
        return fields

    def has_add_permission(self, request):
        return request.user.is_active and request.user.can_edit_registry

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.can_edit_registry

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        with audit_context(actor=request.user, reason=form.cleaned_data.get(AUDIT_REASON_FIELD, "")):
            self.save_audited(request, obj, form, change)

    def save_audited(self, request, obj, form, change):
        """Override to route the save through a service; runs inside the audit context."""
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        with audit_context(actor=request.user, reason=form.cleaned_data.get(AUDIT_REASON_FIELD, "")):
            super().save_formset(request, form, formset, change)


class RegistryInline(admin.TabularInline):
    """Inline rows follow the same permissions as RegistryAdmin (roles, not Django model permissions)."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request, obj=None):
        return request.user.is_active and request.user.can_edit_registry

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.can_edit_registry

    def has_delete_permission(self, request, obj=None):
        return False


class AdministratorsOnlyInline(RegistryInline):
    """Rows only administrators change: rule settings, scope assignments."""

    def has_add_permission(self, request, obj=None):
        return request.user.is_active and request.user.sees_everything

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.sees_everything


class AccentFreeSearchMixin:
    """Admin search that ignores accents: 'nguyen cong truong' finds 'Nguyễn Công Trưởng'.

    `search_key_fields` name stored accent-free keys (see common.vietnamese.search_key); the
    ordinary `search_fields` (document numbers and the like) still match as they are written.
    """

    search_key_fields = ["search_key"]

    def get_search_results(self, request, queryset, search_term):
        if not search_term:
            return queryset, False
        key = search_key(search_term)
        condition = Q()
        for field in self.search_key_fields:
            condition |= Q(**{f"{field}__contains": key})
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": search_term.strip()})
        return queryset.filter(condition), False
