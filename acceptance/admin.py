"""Admin for acceptance records: read-only, since every change goes through services.py."""

from django.contrib import admin

from acceptance.models import Acceptance, ChecklistResult, Inspector, Rectification
from zichuan_heating.history_admin import HistoryAdmin as SimpleHistoryAdmin
from zichuan_heating.read_only_admin import ReadOnlyAdmin


class InspectorInline(ReadOnlyAdmin, admin.TabularInline):
    model = Inspector
    extra = 0


class ChecklistInline(ReadOnlyAdmin, admin.TabularInline):
    model = ChecklistResult
    extra = 0


@admin.register(Acceptance)
class AcceptanceAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["household", "kind", "date", "result", "revoked", "recorded_by"]
    list_filter = ["kind", "result", "revoked", "household__town"]
    search_fields = ["household__head_name", "household__id_tail"]
    raw_id_fields = ["household"]
    inlines = [InspectorInline, ChecklistInline]


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["acceptance", "date", "recorded_by"]
