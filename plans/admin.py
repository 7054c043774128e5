from django.contrib import admin

from plans.models import Plan, PlanEntry, PlanTarget
from rotation_registry.common.admin import RegistryAdmin, RegistryInline


class ReadOnlyInline(RegistryInline):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TargetInline(ReadOnlyInline):
    model = PlanTarget


class EntryInline(ReadOnlyInline):
    model = PlanEntry


@admin.register(Plan)
class PlanAdmin(RegistryAdmin):
    """Read only: plans are written on the plan pages, through plans.services (number register, issue, freeze)."""

    list_display = ["symbol", "date", "title", "issuing_unit", "period", "version", "status"]
    list_filter = ["status", "period", "doc_type"]
    list_select_related = ["issuing_unit", "period"]
    search_fields = ["symbol", "title"]
    inlines = [TargetInline, EntryInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
