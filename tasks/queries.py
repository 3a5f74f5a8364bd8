"""Read-side queries of the 建设任务 app: quotas and progress by town."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from .models import Programme, Quota

#: The progress stages shown on the dashboard, in order. Later modules fill their counts.
PROGRESS_STAGES = ("registered", "contracted", "under_construction", "built", "accepted")


@dataclass
class TownProgress:
    town_id: int
    town_code: str
    town_name: str
    town_kind: str
    quota: int
    counts: dict[str, int | None]

    def percent(self, stage: str) -> Decimal | None:
        return percent(self.counts.get(stage), self.quota)

    def stages(self) -> list[dict[str, Any]]:
        return [
            {"key": s, "count": self.counts.get(s), "percent": self.percent(s)}
            for s in PROGRESS_STAGES
        ]


def percent(count: int | None, total: int) -> Decimal | None:
    if count is None or not total:
        return None
    return (Decimal(count) * 100 / Decimal(total)).quantize(Decimal("0.1"), ROUND_HALF_UP)


#: Statuses counted at each stage: the stages are cumulative (a built household was also
#: contracted), and withdrawn households count nowhere.
STAGE_STATUSES = {
    "registered": ("surveyed", "contracted", "under_construction", "built", "accepted"),
    "contracted": ("contracted", "under_construction", "built", "accepted"),
    "under_construction": ("under_construction", "built", "accepted"),
    "built": ("built", "accepted"),
    "accepted": ("accepted",),
}


def stage_counts(
    programme: Programme, *, group_by: str = "town_id", **filters: Any
) -> dict[int, dict[str, int]]:
    """{group id: {stage: cumulative count}} in one grouped query, grouped by town (default)
    or another column such as "village_id"; `filters` narrow the households."""
    from .models import Household

    aggregates = {
        stage: Count("id", filter=Q(status__in=statuses))
        for stage, statuses in STAGE_STATUSES.items()
    }
    rows = (
        Household.objects.filter(programme=programme, **filters)
        .values(group_by)
        .annotate(**aggregates)
        .order_by()
    )
    return {row.pop(group_by): row for row in rows}


def stage_counts_by_town(programme: Programme, town_ids: list[int]) -> dict[int, dict[str, int]]:
    """Counts per town per stage; every asked town gets a row of zeros at least, so the
    dashboard shows 0 rather than "not counted yet"."""
    counts = {town_id: dict.fromkeys(STAGE_STATUSES, 0) for town_id in town_ids}
    counts.update(stage_counts(programme, town_id__in=town_ids))
    return counts


def progress_by_town(programme: Programme, user: Any) -> list[TownProgress]:
    """One row per town the user may see: its quota and the count at each stage.

    Two queries whatever the number of towns: quotas with towns, then grouped counts.
    """
    quotas = list(
        Quota.objects.for_user(user)
        .filter(programme=programme)
        .select_related("town")
        .order_by("town__order", "town__code")
    )
    counts = stage_counts_by_town(programme, [q.town_id for q in quotas])
    rows = []
    for q in quotas:
        town_counts = counts.get(q.town_id)
        rows.append(
            TownProgress(
                town_id=q.town_id,
                town_code=q.town.code,
                town_name=q.town.name,
                town_kind=q.town.get_kind_display(),
                quota=q.households,
                counts={s: (town_counts or {}).get(s) if counts else None for s in PROGRESS_STAGES},
            )
        )
    return rows


def progress_total(rows: list[TownProgress]) -> TownProgress:
    quota = sum(r.quota for r in rows)
    counts: dict[str, int | None] = {}
    for s in PROGRESS_STAGES:
        values = [r.counts.get(s) for r in rows]
        counts[s] = None if all(v is None for v in values) else sum(v or 0 for v in values)
    return TownProgress(0, "", str(_("合计")), "", quota, counts)


def district_quota_total(programme: Programme) -> int:
    """The whole district's quota, which every role may know (the plan publishes it)."""
    return Quota.objects.filter(programme=programme).aggregate(n=Sum("households"))["n"] or 0


def approved_plan_town_ids(programme: Programme) -> set[int]:
    """Towns whose implementation plan for the programme has an approved revision in force."""
    from .models import PlanStatus, TownPlan

    return set(
        TownPlan.objects.filter(programme=programme, status=PlanStatus.APPROVED).values_list(
            "town_id", flat=True
        )
    )


def households_for_user(user: Any, programme: Programme | None = None):
    """The ledger rows a user may see (their town, or all towns), in the active programme."""
    from .models import Household

    qs = Household.objects.for_user(user)
    if programme is not None:
        qs = qs.filter(programme=programme)
    return qs


# --- Household ledger pages --------------------------------------------------------------------

LIST_PAGE_SIZES = (10, 50, 100)
DEFAULT_PAGE_SIZE = 50


def household_list(user: Any, programme: Programme | None, data: Any):
    """The filtered, sorted ledger rows a user may see, and the filter set for the form.

    Sorting always ends on the primary key so pages are stable; without a chosen order the
    newest registrations come first, which walks the primary key index (fast at a million rows).
    """
    from .filters import HouseholdFilter

    base = households_for_user(user, programme).select_related("town", "village")
    filterset = HouseholdFilter(data or None, queryset=base, user=user)
    qs = filterset.qs
    order = list(qs.query.order_by)
    if not {"id", "-id", "pk", "-pk"} & set(order):
        qs = qs.order_by(*order, "-id")
    return filterset, qs


def page_size(value: Any) -> int:
    try:
        size = int(value)
    except (TypeError, ValueError):
        return DEFAULT_PAGE_SIZE
    return size if size in LIST_PAGE_SIZES else DEFAULT_PAGE_SIZE


@dataclass
class FieldChange:
    field: str
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: Any
    who: Any
    kind: str
    reason: str
    changes: list[FieldChange]


def household_history(household: Any, *, show_full_id: bool) -> list[HistoryEntry]:
    """Every history row of a household, newest first, with the fields it changed.

    Two queries plus one per kind of related object that changed (village, equipment,
    contractor), whatever the number of rows. ID numbers stay masked unless allowed.
    """
    from .models import Contractor, EquipmentModel, Household, Village
    from .validators import mask_id_number

    records = list(household.history.select_related("history_user").order_by("history_id"))
    deltas = []
    for previous, record in zip([None, *records[:-1]], records, strict=True):
        changes = record.diff_against(previous).changes if previous is not None else []
        deltas.append((record, changes))

    related = {"village": Village, "equipment": EquipmentModel, "contractor": Contractor}
    wanted: dict[str, set] = {name: set() for name in related}
    for _record, changes in deltas:
        for c in changes:
            if c.field in related:
                wanted[c.field].update(v for v in (c.old, c.new) if v is not None)
    names = {
        field: {
            o.pk: (o.name if field == "village" else str(o))
            for o in model.objects.filter(pk__in=ids)
        }
        for field, model in related.items()
        if (ids := wanted[field])
    }

    def show(field_name: str, value: Any) -> str:
        if value is None or value == "":
            return "—"
        if field_name in related:
            return names.get(field_name, {}).get(value, f"#{value}")
        if field_name == "id_number" and not show_full_id:
            return mask_id_number(value)
        field = Household._meta.get_field(field_name)
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return str(value)

    order = {f.name: i for i, f in enumerate(Household._meta.fields)}
    kinds = {"+": _("登记"), "~": _("修改"), "-": _("删除")}
    entries = []
    for record, changes in reversed(deltas):
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=record.history_user,
                kind=str(kinds.get(record.history_type, record.history_type)),
                reason=_(record.history_change_reason) if record.history_change_reason else "",
                changes=[
                    FieldChange(
                        field=c.field,
                        label=str(Household._meta.get_field(c.field).verbose_name),
                        old=show(c.field, c.old),
                        new=show(c.field, c.new),
                    )
                    for c in sorted(changes, key=lambda c: order.get(c.field, 99))
                ],
            )
        )
    return entries
