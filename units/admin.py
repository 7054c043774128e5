from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from rotation_registry.common.admin import AccentFreeSearchMixin, RegistryAdmin, RegistryInline
from units.models import Position, PositionTitle, Term, Unit, UnitLineage


class LineageInline(RegistryInline):
    model = UnitLineage
    fk_name = "predecessor"
    autocomplete_fields = ["successor"]
    verbose_name = _("đơn vị kế thừa")
    verbose_name_plural = _("đơn vị kế thừa")


@admin.register(Unit)
class UnitAdmin(AccentFreeSearchMixin, RegistryAdmin):
    search_key_fields = ["name_key"]
    list_display = ["name", "kind", "level", "parent", "official_code", "valid_from", "valid_to"]
    list_filter = ["level", "kind", "scheme"]
    list_select_related = ["parent"]
    search_fields = ["official_code"]
    autocomplete_fields = ["parent"]
    fields = [
        "kind",
        "level",
        "parent",
        "name",
        "short_name",
        "abbreviation",
        "official_code",
        "scheme",
        "valid_from",
        "valid_to",
    ]
    inlines = [LineageInline]

    def get_search_results(self, request, queryset, search_term):
        queryset, distinct = super().get_search_results(request, queryset, search_term)
        # Autocomplete in forms: only units that existed on a date make sense, but the date is
        # not known here, so show the period beside the name instead (see Unit.__str__ users).
        return queryset.select_related("parent"), distinct


@admin.register(UnitLineage)
class UnitLineageAdmin(AccentFreeSearchMixin, RegistryAdmin):
    search_key_fields = ["predecessor__name_key", "successor__name_key"]
    list_display = ["predecessor", "successor", "event", "date", "is_default"]
    list_filter = ["event", "date"]
    list_select_related = ["predecessor", "successor"]
    autocomplete_fields = ["predecessor", "successor"]
    search_fields = ["predecessor__official_code", "successor__official_code"]


@admin.register(Term)
class TermAdmin(RegistryAdmin):
    list_display = ["name", "kind", "start", "end"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(PositionTitle)
class PositionTitleAdmin(AccentFreeSearchMixin, RegistryAdmin):
    search_key_fields = ["name_key"]
    list_display = ["name", "is_key", "is_head", "rank", "requires_non_local"]
    list_filter = ["is_key", "is_head", "requires_non_local"]
    search_fields = ["name"]


@admin.register(Position)
class PositionAdmin(AccentFreeSearchMixin, RegistryAdmin):
    search_key_fields = ["title__name_key", "unit__name_key"]
    list_display = ["title", "unit", "quota"]
    list_filter = ["title"]
    list_select_related = ["title", "unit"]
    autocomplete_fields = ["title", "unit"]
    search_fields = ["title__name"]

    def get_queryset(self, request):
        from accounts.scopes import scope_filter

        return super().get_queryset(request).filter(scope_filter(request.user, "unit__path"))
