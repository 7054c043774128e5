from django.contrib import admin

from plans.models import Plan, PlanEntry, PlanTarget
from rotation_registry.common.admin import RegistryAdmin, RegistryInline


class TargetInline(RegistryInline):
    model = PlanTarget
    autocomplete_fields = ["dest_unit", "dest_title"]


class EntryInline(RegistryInline):
    model = PlanEntry
    autocomplete_fields = ["cadre", "dest_unit", "dest_title", "posting"]


@admin.register(Plan)
class PlanAdmin(RegistryAdmin):
    list_display = ["symbol", "date", "title", "issuing_unit", "period"]
    list_filter = ["period", "doc_type"]
    list_select_related = ["issuing_unit", "period"]
    search_fields = ["symbol", "title"]
    autocomplete_fields = ["issuing_unit"]
    inlines = [TargetInline, EntryInline]
