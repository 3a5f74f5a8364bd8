"""Admin for programmes, towns, villages, quotas, the equipment catalogue and contractors."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from tasks.models import Contractor, EquipmentModel, IdNumberView, Programme, Quota, Town, Village
from tasks.resources import (
    CONTRACTOR_FIELDS,
    EQUIPMENT_FIELDS,
    ContractorResource,
    EquipmentModelResource,
)
from zichuan_heating.read_only_admin import ReadOnlyAdmin


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


# --- Catalogue: equipment and contractors, loadable from a spreadsheet ----------------------


@admin.display(description=_("示例数据"), boolean=True)
def example_flag(obj) -> bool:
    return obj.is_example


@admin.register(EquipmentModel)
class EquipmentModelAdmin(ImportExportModelAdmin):
    resource_classes = [EquipmentModelResource]
    list_display = [*EQUIPMENT_FIELDS[:-1], example_flag]
    list_filter = ["route", "is_active", "is_example", "tender_batch"]
    search_fields = ["brand", "model", "kind"]


@admin.register(Contractor)
class ContractorAdmin(ImportExportModelAdmin):
    resource_classes = [ContractorResource]
    list_display = [*CONTRACTOR_FIELDS[:-1], example_flag]
    list_filter = ["kind", "is_example"]
    search_fields = ["name", "contact_person"]


@admin.register(IdNumberView)
class IdNumberViewAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only audit trail of full ID views and exports (the district's page is
    `ledger:id_number_audit`)."""

    list_display = ["viewed_at", "viewed_by", "context", "town", "household", "row_count"]
    list_filter = ["context", "town"]
    list_select_related = ["viewed_by", "town", "household__village"]
    raw_id_fields = ["household", "viewed_by", "town"]
    readonly_fields = ["filters"]
    date_hierarchy = "viewed_at"


# Plans and supervision register their own admin classes.
# Reminder log and report jobs: read-mostly records of what the Celery jobs did.
from tasks.models import ReminderLog, ReportJob  # noqa: E402
from tasks.plans import admin as plans_admin  # noqa: E402, F401


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
