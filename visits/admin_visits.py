"""Admin for visits and cases: read-only, since every change goes through the services."""

from django.contrib import admin

from visits.models import Case, CaseEvent, Visit, VisitSample
from zichuan_heating.read_only_admin import ReadOnlyAdmin


@admin.register(VisitSample)
class VisitSampleAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["season", "mode", "town", "population", "size", "drawn_by", "drawn_at"]


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["household", "town", "sample", "status", "satisfaction", "visited_at"]
    list_filter = ["status", "town"]
    list_select_related = ["household", "town", "sample"]


class CaseEventInline(ReadOnlyAdmin, admin.TabularInline):
    model = CaseEvent
    extra = 0


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["title", "town", "category", "status", "deadline"]
    list_filter = ["status", "category", "town"]
    inlines = [CaseEventInline]

    def get_queryset(self, request):
        # The admin follows the same rule as the pages: sensitive cases for the district only.
        return Case.objects.for_user(request.user)
