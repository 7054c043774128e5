from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from postings.forms import DecisionForm, PostingForm
from postings.models import Decision, Posting, PostingOverride, RuleSet, RuleSetting
from rotation_registry.common.admin import (
    AccentFreeSearchMixin,
    AdministratorsOnlyInline,
    RegistryAdmin,
    RegistryInline,
)


class ServiceFormAdmin(RegistryAdmin):
    """Admin whose form saves through a service during validation (see postings.forms.ServiceForm)."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_audited(self, request, obj, form, change):
        pass  # already saved by the service, with its audit context


class RuleSettingInline(AdministratorsOnlyInline):
    model = RuleSetting


@admin.register(RuleSet)
class RuleSetAdmin(RegistryAdmin):
    list_display = ["name", "code", "valid_from", "valid_to"]
    inlines = [RuleSettingInline]

    def has_add_permission(self, request):
        return request.user.is_active and request.user.sees_everything

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.sees_everything


class PostingInline(RegistryInline):
    model = Posting
    fields = [
        "cadre",
        "origin_title_name",
        "origin_unit_name",
        "dest_title_name",
        "dest_unit_name",
        "start_date",
        "status",
    ]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Decision)
class DecisionAdmin(ServiceFormAdmin):
    form = DecisionForm
    list_display = ["symbol", "date", "issuing_unit", "summary", "status"]
    list_filter = ["status", "doc_type", "congress_term"]
    list_select_related = ["issuing_unit"]
    search_fields = ["symbol", "summary", "signer"]
    autocomplete_fields = ["issuing_unit"]
    date_hierarchy = "date"
    fields = ["symbol", "date", "issuing_unit", "signer", "signer_title", "summary", "scan", "status", "cancel_reason"]
    inlines = [PostingInline]


class OverrideInline(RegistryInline):
    model = PostingOverride
    fields = ["rule_code", "reason", "decision_reference", "granted_by", "granted_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Posting)
class PostingAdmin(AccentFreeSearchMixin, ServiceFormAdmin):
    form = PostingForm
    search_key_fields = ["cadre__search_key"]
    list_display = ["cadre", "movement", "direction", "start_date", "status"]
    list_filter = ["status", "kind", "direction", "purpose", "is_primary", "adds_title"]
    list_select_related = ["cadre"]
    search_fields = ["dest_unit_name", "decision__symbol"]
    autocomplete_fields = ["cadre", "decision", "origin_unit", "origin_position", "dest_unit", "dest_position"]
    date_hierarchy = "start_date"
    readonly_fields = ["direction", "rule_set", "adds_title"]
    inlines = [OverrideInline]

    @admin.display(description=_("Từ → đến (theo quyết định)"))
    def movement(self, posting: Posting) -> str:
        origin = ", ".join(filter(None, [posting.origin_title_name, posting.origin_unit_name])) or "—"
        return f"{origin} → {posting.dest_title_name}, {posting.dest_unit_name}"

    fieldsets = [
        (None, {"fields": ["cadre", "decision", "kind", "purpose", "is_primary", "status"]}),
        (_("Nơi đi"), {"fields": ["origin_position", "origin_unit", "origin_title_name", "origin_unit_name"]}),
        (_("Nơi đến"), {"fields": ["dest_position", "dest_unit", "dest_title_name", "dest_unit_name"]}),
        (_("Thời gian"), {"fields": ["start_date", "planned_months", "planned_end", "actual_end", "outcome"]}),
        (
            _("Kiểm tra theo quy định"),
            {
                "fields": [
                    "direction",
                    "rule_set",
                    "adds_title",
                    "override_rules",
                    "override_reason",
                    "override_reference",
                ]
            },
        ),
        (_("Hủy"), {"fields": ["cancel_reason"], "classes": ["collapse"]}),
    ]


@admin.register(PostingOverride)
class PostingOverrideAdmin(RegistryAdmin):
    list_display = ["posting", "rule_code", "reason", "decision_reference", "granted_by", "granted_at"]
    list_filter = ["rule_code"]
    list_select_related = ["posting__cadre", "granted_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(posting__in=Posting.objects.visible_to(request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
