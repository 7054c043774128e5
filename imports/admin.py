from django.contrib import admin

from imports.models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """Read-only: batches are written by the import itself; the rows stay out of the admin pages."""

    list_display = ["file_name", "kind", "created_by", "created_at", "row_count", "status"]
    list_filter = ["kind", "status"]
    fields = ["file_name", "kind", "created_by", "created_at", "file_format", "row_count", "status", "progress"]
    fields += ["summary", "message", "checked_at", "committed_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return ImportBatch.objects.visible_to(request.user).without_rows().select_related("created_by")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
