"""Admin for programmes, towns, villages and quotas."""

from django.contrib import admin

from .models import Programme, Quota, Town, Village


class QuotaInline(admin.TabularInline):
    model = Quota
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["year", "name", "plan_due", "construction_due", "acceptance_due", "is_active"]
    inlines = [QuotaInline]


@admin.register(Town)
class TownAdmin(admin.ModelAdmin):
    list_display = ["order", "code", "name", "kind"]
    list_display_links = ["code", "name"]
    ordering = ["order"]


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ["name", "town"]
    list_filter = ["town"]
    search_fields = ["name"]


@admin.register(Quota)
class QuotaAdmin(admin.ModelAdmin):
    list_display = ["programme", "town", "households"]
    list_filter = ["programme"]


# Reminder log and report jobs: read-mostly records of what the Celery jobs did.
from .models import ReminderLog, ReportJob  # noqa: E402


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["day", "milestone", "town", "subject", "sent_at"]
    list_filter = ["milestone", "town"]
    date_hierarchy = "day"


@admin.register(ReportJob)
class ReportJobAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "programme", "town", "state", "requested_by", "created_at"]
    list_filter = ["kind", "state"]
    readonly_fields = ["file_path", "attempts", "error", "started_at", "finished_at"]
