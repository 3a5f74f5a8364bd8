"""Admin for acceptance records: read-only, since every change goes through services.py."""

from django.contrib import admin

from acceptance.models import Acceptance, ChecklistResult, Inspector, Rectification
from zichuan_heating.history_admin import HistoryAdmin as SimpleHistoryAdmin


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InspectorInline(ReadOnlyMixin, admin.TabularInline):
    model = Inspector
    extra = 0


class ChecklistInline(ReadOnlyMixin, admin.TabularInline):
    model = ChecklistResult
    extra = 0


@admin.register(Acceptance)
class AcceptanceAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["household", "kind", "date", "result", "revoked", "recorded_by"]
    list_filter = ["kind", "result", "revoked", "household__town"]
    search_fields = ["household__head_name", "household__id_tail"]
    raw_id_fields = ["household"]
    inlines = [InspectorInline, ChecklistInline]


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["acceptance", "date", "recorded_by"]
