"""Read-side queries of the household ledger: the list, its page sizes, a household's history."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tasks.models import Programme
from tasks.models.ledger import HOUSEHOLD_FLOW
from zichuan_heating.feedback import error_text
from zichuan_heating.history import reason_label


def households_for_user(user: Any, programme: Programme | None = None):
    """The ledger rows a user may see (their town, or all towns), in the active programme."""
    from tasks.models import Household

    qs = Household.objects.for_user(user)
    if programme is not None:
        qs = qs.filter(programme=programme)
    return qs


def plan_not_approved_refusal(town: Any, approved_town_ids: set[int]) -> str | None:
    """Construction starts only in a town whose plan is approved (the importer asks too)."""
    if town.id in approved_town_ids:
        return None
    return str(
        _("%(town)s的实施方案尚未经区清洁取暖办核准，不能开工（方案核准后实施）。")
        % {"town": town.name}
    )


def household_start_construction_refusal(
    household: Any, *, approved_town_ids: set[int] | None = None
) -> str | None:
    """Why construction may not start now (Chinese), or None; the page shows it too.

    A run over many households passes `approved_town_ids` read once."""
    from tasks.plans.queries import approved_plan_town_ids

    try:
        HOUSEHOLD_FLOW.check(household, "start")
    except ValidationError as e:
        return error_text(e)
    if approved_town_ids is None:
        approved_town_ids = approved_plan_town_ids(household.programme)
    return plan_not_approved_refusal(household.town, approved_town_ids)


# --- Household ledger pages --------------------------------------------------------------------

LIST_PAGE_SIZES = (10, 50, 100)
DEFAULT_PAGE_SIZE = 50


def household_list(user: Any, programme: Programme | None, data: Any):
    """The filtered, sorted ledger rows a user may see, and the filter set for the form.

    Sorting always ends on the primary key so pages are stable; without a chosen order the
    newest registrations come first, which walks the primary key index (fast at a million rows).
    """
    from tasks.ledger.filters import HouseholdFilter

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
    from tasks.models import Contractor, EquipmentModel, Household, Village
    from tasks.validators import mask_id_number

    records = list(household.history.select_related("history_user").order_by("history_id"))
    deltas = []
    # Each record beside the one before it; a household may have none (rows written in bulk).
    for previous, record in zip([None, *records][: len(records)], records, strict=True):
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
                reason=reason_label(record.history_change_reason),
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


# --- Audit trail of full ID numbers ------------------------------------------------------------


def id_number_views(
    user: Any,
    *,
    user_name: str = "",
    town: Any = None,
    context: str = "",
    date_from: Any = None,
    date_to: Any = None,
):
    """Who saw or exported full ID numbers, newest first, narrowed by the audit page's filter.

    Scoped like every list (`for_user`); exports of all towns have no town and match no town
    filter.
    """
    from tasks.models import IdNumberView

    qs = IdNumberView.objects.for_user(user).select_related(
        "viewed_by", "town", "household__village"
    )
    if user_name:
        qs = qs.filter(viewed_by__username__iexact=user_name)
    if town is not None:
        qs = qs.filter(town=town)
    if context:
        qs = qs.filter(context=context)
    if date_from:
        qs = qs.filter(viewed_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(viewed_at__date__lte=date_to)
    return qs
