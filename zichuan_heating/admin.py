"""Admin for users: a town official's town is edited beside their groups."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from zichuan_heating.models import Notification, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (_("所属单位"), {"fields": ("town",)}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, (_("所属单位"), {"fields": ("town",)}))
    list_display = ["username", "last_name", "first_name", "town", "is_active"]
    list_filter = ["groups", "town", "is_active"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "created_at", "read_at"]
    list_filter = ["read_at"]
