from django.contrib import admin

from cadres.models import Cadre, Evaluation, PlanningRecord
from cadres.services import CADRE_FIELDS
from rotation_registry.common.admin import AccentFreeSearchMixin, RegistryAdmin, RegistryInline


class PlanningInline(RegistryInline):
    model = PlanningRecord
    autocomplete_fields = ["target_title", "target_unit"]


class EvaluationInline(RegistryInline):
    model = Evaluation


@admin.register(Cadre)
class CadreAdmin(AccentFreeSearchMixin, RegistryAdmin):
    list_display = ["full_name", "date_of_birth", "sex", "ethnicity", "unit", "management_category"]
    list_filter = ["sex", "management_category", "professional_level", "political_theory", "ethnicity"]
    list_select_related = ["unit"]
    search_fields = ["personal_id"]
    autocomplete_fields = ["unit", "birthplace_unit", "home_town_unit"]
    inlines = [PlanningInline, EvaluationInline]
    fields = CADRE_FIELDS


@admin.register(PlanningRecord)
class PlanningRecordAdmin(AccentFreeSearchMixin, RegistryAdmin):
    search_key_fields = ["cadre__search_key"]
    list_display = ["cadre", "target_title", "target_unit", "term", "valid_from", "valid_to"]
    list_filter = ["term", "target_title"]
    list_select_related = ["cadre", "target_title", "target_unit", "term"]
    autocomplete_fields = ["cadre", "target_title", "target_unit"]
    search_fields = ["cadre__personal_id"]


@admin.register(Evaluation)
class EvaluationAdmin(AccentFreeSearchMixin, RegistryAdmin):
    search_key_fields = ["cadre__search_key"]
    list_display = ["cadre", "year", "quarter", "level", "score"]
    list_filter = ["year", "level"]
    list_select_related = ["cadre"]
    autocomplete_fields = ["cadre"]
    search_fields = ["cadre__personal_id"]
