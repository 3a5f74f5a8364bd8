"""Admin for plans and supervision notices: read-mostly, state changes go through the services."""

from django.contrib import admin

from tasks.models import (
    PlanReview,
    ScheduleSetting,
    SupervisionNotice,
    TownPlan,
    TownPlanLine,
    TownPlanSubmission,
)
from zichuan_heating.history_admin import HistoryAdmin as SimpleHistoryAdmin


class TownPlanLineInline(admin.TabularInline):
    model = TownPlanLine
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in TownPlanLine._meta.fields if f.name != "id"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TownPlan)
class TownPlanAdmin(SimpleHistoryAdmin):
    list_display = ["town", "programme", "revision", "status", "submitted_at", "approved_at"]
    list_filter = ["programme", "status", "town"]
    inlines = [TownPlanLineInline]
    # Status, approval and supersession are set by the services only.
    readonly_fields = [
        "programme",
        "town",
        "revision",
        "status",
        "based_on",
        "submitted_at",
        "submitted_by",
        "approved_at",
        "approved_by",
        "superseded_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False


class RecordAdmin(admin.ModelAdmin):
    """Submissions and reviews are records: written by the services, never in the admin."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TownPlanSubmission)
class TownPlanSubmissionAdmin(RecordAdmin):
    list_display = ["plan", "submitted_at", "submitted_by"]
    readonly_fields = ["plan", "submitted_at", "submitted_by", "snapshot"]


@admin.register(PlanReview)
class PlanReviewAdmin(RecordAdmin):
    list_display = ["plan", "decision", "reviewed_by", "reviewed_at"]
    list_filter = ["decision"]


@admin.register(SupervisionNotice)
class SupervisionNoticeAdmin(SimpleHistoryAdmin):
    list_display = ["town", "title", "deadline", "state", "issued_at"]
    list_filter = ["state", "town"]
    readonly_fields = [
        "state",
        "issued_by",
        "issued_at",
        "answered_by",
        "answered_at",
        "closed_by",
        "closed_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ScheduleSetting)
class ScheduleSettingAdmin(SimpleHistoryAdmin):
    list_display = ["programme", "behind_threshold_percent", "updated_at", "updated_by"]
