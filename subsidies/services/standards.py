"""Subsidy standards: loading the shipped examples, and a new version that re-prices every
unpaid instalment under it (paid ones never change; exported batches keep their amounts)."""

import datetime
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from subsidies.metering.repricing import metered_amounts
from subsidies.models import (
    BatchLine,
    BatchState,
    Instalment,
    InstalmentStatus,
    LineState,
    SubsidyEvent,
    SubsidyReason,
    SubsidyStandard,
)
from subsidies.money import ZERO
from subsidies.pricing import household_price, planned_items
from subsidies.services.common import Action, batches_changed, open_lines
from tasks.models import Programme
from zichuan_heating.locks import retry_on_conflict

STANDARDS_DATA = Path(settings.BASE_DIR) / "fixtures" / "subsidy_standards_2021.json"

STANDARD_FIELDS = [
    "construction_amount",
    "equipment_rate",
    "equipment_cap",
    "operating_kind",
    "operating_amount",
    "operating_unit",
    "operating_unit_rate",
    "operating_units_per_season",
    "operating_cap",
    "operating_floor",
    "seasons",
    "is_example",
    "notes",
]
_TEXT_FIELDS = ("operating_kind", "operating_unit", "notes")


@dataclass
class StandardsLoadResult:
    created: list[str] = field(default_factory=list)
    unchanged: int = 0


def _values(row: dict[str, Any]) -> dict[str, Any]:
    """A shipped row's field values: amounts as Decimal, the route left out."""
    return {
        k: Decimal(v) if isinstance(v, str) and k not in _TEXT_FIELDS else v
        for k, v in row.items()
        if k != "route"
    } | {"is_example": True}


@transaction.atomic
def standards_load(*, path: Path = STANDARDS_DATA) -> StandardsLoadResult:
    """Load the shipped (example) standards; existing versions are left as they are."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    result = StandardsLoadResult()
    programme = Programme.objects.filter(year=data["programme_year"]).first()
    if programme is None:
        return result
    effective = datetime.date.fromisoformat(data["effective_from"])
    for row in data["standards"]:
        _standard, created = SubsidyStandard.objects.get_or_create(
            programme=programme,
            route=row["route"],
            version=1,
            defaults={"effective_from": effective, **_values(row)},
        )
        if created:
            result.created.append(row["route"])
        else:
            result.unchanged += 1
    if result.created:
        SubsidyEvent.objects.create(
            action=Action.STANDARDS_LOADED,
            programme=programme,
            count=len(result.created),
            note=_("加载示例补贴标准"),
            details={"routes": result.created},
        )
    return result


@retry_on_conflict
@transaction.atomic
def standard_change(
    *, standard: SubsidyStandard, by: Any, effective_from: datetime.date, **changes: Any
) -> tuple[SubsidyStandard, int]:
    """Save a new version of a standard and re-price every UNPAID instalment under it.

    Paid instalments never change. Scheduled instalments and those in a draft or approved
    batch take the new amount; the old one stays in `previous_amount` so the difference is
    visible, and an approved batch loses its approval. Instalments in an exported batch are
    with the bank already and keep their amount. Returns (new version, instalments re-priced).
    Locks in the one order, skipping households: the standard, instalments, lines, batches.
    """
    latest, new = _new_version(standard, effective_from, changes)
    repriced, difference = _reprice(new)
    touched = _lines_follow(repriced)
    batches_changed(touched, by, _("补贴标准调整，批次金额已变更"))
    SubsidyEvent.objects.create(
        action=Action.STANDARD_CHANGED,
        by=by,
        programme=new.programme,
        count=len(repriced),
        amount=difference,
        note=_("%(route)s 标准调整为第 %(v)s 版")
        % {"route": new.get_route_display(), "v": new.version},
        details={"standard": new.pk, "previous": latest.pk, "batches": sorted(touched)},
    )
    return new, len(repriced)


def _new_version(
    standard: SubsidyStandard, effective_from: datetime.date, changes: dict[str, Any]
) -> tuple[SubsidyStandard, SubsidyStandard]:
    """(latest version, locked; the new version saved on top of it)."""
    unknown = set(changes) - set(STANDARD_FIELDS)
    if unknown:
        raise ValidationError(_("未知字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    latest = (
        SubsidyStandard.objects.select_for_update()
        .filter(programme=standard.programme, route=standard.route)
        .order_by("-version")
        .first()
    )
    new = SubsidyStandard(
        programme=latest.programme,
        route=latest.route,
        version=latest.version + 1,
        effective_from=effective_from,
        **{f: changes.get(f, getattr(latest, f)) for f in STANDARD_FIELDS},
    )
    new.full_clean()
    new._change_reason = SubsidyReason.STANDARD_CHANGE
    new.save()
    return latest, new


def _reprice(new: SubsidyStandard) -> tuple[list[int], Decimal]:
    """Re-price the unpaid instalments of the route; (ids whose amount changed, difference)."""
    programme = new.programme
    today = timezone.localdate()
    # The OR across the lines relation would repeat an instalment once per line; choose the
    # ids in a subquery so each instalment is locked and re-priced exactly once.
    unpaid_ids = Instalment.objects.filter(
        household__programme=programme,
        household__route=new.route,
        standard__route=new.route,
    ).filter(
        Q(status=InstalmentStatus.SCHEDULED)
        | Q(
            status=InstalmentStatus.BATCHED,
            lines__state=LineState.INCLUDED,
            lines__batch__state__in=[BatchState.DRAFT, BatchState.APPROVED, BatchState.RETURNED],
        )
    )
    candidates = (
        Instalment.objects.select_for_update(of=("self",))
        .filter(id__in=unpaid_ids.values("id"))
        .select_related("household__equipment")
        .order_by("id")
    )
    cache: dict[Any, dict] = {}
    changed: list[Instalment] = []
    difference = ZERO
    candidates = list(candidates)
    metered = metered_amounts(new, candidates)
    for inst in candidates:
        price = household_price(inst.household)
        if price not in cache:
            cache[price] = {
                (item, season): amount
                for item, season, amount, _d in planned_items(programme, new, price, today)
            }
        amount = metered.get(inst.pk, cache[price].get((inst.item, inst.season), ZERO))
        if amount != inst.amount:
            inst.previous_amount = inst.amount
            difference += amount - inst.amount
            inst.amount = amount
        inst.standard = new
        changed.append(inst)
    Instalment.objects.bulk_update(
        changed, ["amount", "previous_amount", "standard", "updated_at"], batch_size=2000
    )
    return [i.id for i in changed if i.previous_amount is not None], difference


def _lines_follow(repriced_ids: list[int]) -> set[int]:
    """Lines of draft/approved batches take their instalment's new amount; their batch ids."""
    touched = set()
    for chunk_start in range(0, len(repriced_ids), 5000):
        chunk = repriced_ids[chunk_start : chunk_start + 5000]
        lines = list(
            open_lines(instalment_id__in=chunk, unless_batch=[BatchState.EXPORTED, BatchState.PAID])
            .select_related("instalment")
            .order_by("id")
        )
        for line in lines:
            line.amount = line.instalment.amount
            touched.add(line.batch_id)
        BatchLine.objects.bulk_update(lines, ["amount", "updated_at"], batch_size=2000)
    return touched
