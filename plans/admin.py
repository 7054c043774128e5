from django.contrib import admin

from plans.models import Plan, PlanEntry, PlanTarget
from rotation_registry.common.admin import RegistryAdmin


class TargetInline(admin.TabularInline):
    model = PlanTarget
    extra = 0
    autocomplete_fields = ["dest_unit", "dest_title"]
    can_delete = False


class EntryInline(admin.TabularInline):
    model = PlanEntry
    extra = 0
    autocomplete_fields = ["cadre", "dest_unit", "dest_title", "posting"]
    can_delete = False


@admin.register(Plan)
class PlanAdmin(RegistryAdmin):
    list_display = ["symbol", "date", "title", "issuing_unit", "period"]
    list_filter = ["period", "doc_type"]
    list_select_related = ["issuing_unit", "period"]
    search_fields = ["symbol", "title"]
    autocomplete_fields = ["issuing_unit"]
    inlines = [TargetInline, EntryInline]
