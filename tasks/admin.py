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


# Plans and supervision register their own admin classes.
from . import plan_admin  # noqa: E402, F401
