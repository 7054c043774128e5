from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import ScopeAssignment, User
from rotation_registry.common.admin import AdministratorsOnlyInline
from rotation_registry.common.audit import audit_context


class ScopeInline(AdministratorsOnlyInline):
    model = ScopeAssignment
    autocomplete_fields = ["unit"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Users are managed by administrators only."""

    list_display = ["username", "first_name", "last_name", "role", "office_unit", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    autocomplete_fields = ["office_unit"]
    inlines = [ScopeInline]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("Vai trò và phạm vi"), {"fields": ["role", "office_unit"]}),
    ]

    def _is_admin(self, request) -> bool:
        return request.user.is_active and request.user.sees_everything

    def has_module_permission(self, request):
        return self._is_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_add_permission(self, request):
        return self._is_admin(request)

    def has_change_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the audit keeps pointing at the user

    def save_model(self, request, obj, form, change):
        with audit_context(actor=request.user, reason="Quản trị người dùng"):
            super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        with audit_context(actor=request.user, reason="Quản trị phạm vi truy cập"):
            super().save_formset(request, form, formset, change)
