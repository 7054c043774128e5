from django.contrib import admin

from reports.models import QuarterlyReport, ReportingPeriod, ReportStatus, StatisticsRun
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

    def has_change_permission(self, request, obj=None):
        # A submitted or accepted report is frozen (a database trigger refuses the save): read only here.
        if obj is not None and obj.status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED):
            return False
        return super().has_change_permission(request, obj)


@admin.register(StatisticsRun)
class StatisticsRunAdmin(admin.ModelAdmin):
    """Read-only: runs are written by the jobs (reports.runs); the admin shows why one failed or waits."""

    list_display = ["pk", "unit", "trigger", "status", "progress", "requested_at", "finished_at", "duration_ms"]
    list_filter = ["status", "trigger"]
    list_select_related = ["unit"]
    exclude = ["results"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user).defer("results")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
