"""Admin for users: a town official's town is edited beside their groups.

Roles are handed out on the app's user page (accounts), where each change is recorded. In the
admin, only a superuser (made from the command line) may touch superuser status, groups, raw
permissions or staff status, and nobody else may edit a superuser's account at all: otherwise
an administrator could make itself superuser or finance and defeat two-person approval.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from zichuan_heating.models import Notification, RoleChange, User
from zichuan_heating.read_only_admin import ReadOnlyAdmin

PRIVILEGE_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions", "town")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (_("所属单位"), {"fields": ("town",)}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, (_("所属单位"), {"fields": ("town",)}))
    list_display = ["username", "last_name", "first_name", "town", "is_active"]
    list_filter = ["groups", "town", "is_active"]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return readonly
        return (*readonly, *PRIVILEGE_FIELDS, "last_login", "date_joined")

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def has_add_permission(self, request):
        # New users get their one role on the user page, where the change is recorded.
        return request.user.is_superuser and super().has_add_permission(request)


@admin.register(RoleChange)
class RoleChangeAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["changed_at", "user", "from_role", "to_role", "changed_by"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "created_at", "read_at"]
    list_filter = ["read_at"]
