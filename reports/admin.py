from django.contrib import admin

from reports.models import QuarterlyReport, ReportingPeriod
from rotation_registry.common.admin import AccentFreeSearchMixin, RegistryAdmin


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(AccentFreeSearchMixin, RegistryAdmin):
    search_key_fields = ["unit__name_key"]
    list_display = ["unit", "year", "quarter", "deadline"]
    list_filter = ["year", "quarter"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]
    search_fields = ["unit__official_code"]

    def get_queryset(self, request):
        from accounts.scopes import scope_filter

        return super().get_queryset(request).filter(scope_filter(request.user, "unit__path"))


@admin.register(QuarterlyReport)
class QuarterlyReportAdmin(AccentFreeSearchMixin, RegistryAdmin):
    search_key_fields = ["unit__name_key"]
    list_display = ["unit", "year", "quarter", "status", "submitted_at", "reviewed_at"]
    list_filter = ["status", "year", "quarter"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]
    search_fields = ["document_number"]
    readonly_fields = ["submitted_by", "submitted_at", "reviewed_by", "reviewed_at"]
