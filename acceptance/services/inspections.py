"""Recording inspections: one household's, or a village batch with one team and one date.

When commissioning passes the household moves through `HOUSEHOLD_FLOW` "accept" and
`household_accepted` is sent inside the same transaction.
"""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from acceptance.checklists import checklist_for
from acceptance.models import (
    Acceptance,
    AcceptanceKind,
    AcceptanceReason,
    AcceptanceResult,
    ChecklistResult,
    Inspector,
)
from acceptance.services.attachments import attachments_save
from acceptance.services.checks import Facts, InspectorData, check_inspection
from acceptance.services.common import (
    lock_household,
    lock_households,
    require,
    require_all,
)
from tasks.ledger import signals
from tasks.ledger.services import households_save_many
from tasks.models import Household
from tasks.models.ledger import HOUSEHOLD_FLOW, HouseholdReason
from zichuan_heating.locks import retry_on_conflict

Team = Sequence[InspectorData | Mapping[str, Any]]


@dataclass(frozen=True)
class Inspection:
    """What one inspection of one household found."""

    kind: str
    date: datetime.date
    checklist: Mapping[str, bool]
    result: str
    defects: str = ""
    rectification_deadline: datetime.date | None = None
    attachments: Sequence[Any] = ()


def _record(household: Household, inspection: Inspection, by: Any) -> Acceptance:
    failed = inspection.result == AcceptanceResult.FAIL
    record = Acceptance(
        household=household,
        kind=inspection.kind,
        date=inspection.date,
        result=inspection.result,
        defects=(inspection.defects or "").strip(),
        rectification_deadline=inspection.rectification_deadline if failed else None,
        recorded_by=by,
    )
    # check_inspection has checked, under the household lock, every rule the constraints hold
    # (a failure's defects and deadline, one valid pass per kind); the database still enforces
    # them. Re-validating them here cost a query each, four per household of a batch, and the
    # household (locked) and the acting user exist.
    record.full_clean(exclude=["household", "recorded_by"], validate_constraints=False)
    return record


def _write_inspections(
    checked: Sequence[tuple[Household, Inspection, list[InspectorData]]], by: Any
) -> list[Acceptance]:
    """Write checked inspections in a few statements, whatever their number: the records with
    their history, their teams and checklists; the households that pass commissioning move
    to accepted (one history row each) and `household_accepted` is sent for each."""
    records = [_record(h, inspection, by) for h, inspection, _team in checked]
    bulk_create_with_history(
        records,
        Acceptance,
        batch_size=1000,
        default_user=by,
        default_change_reason=AcceptanceReason.INSPECT.value,
    )
    # Written once with the record and never changed: the record's own history covers them.
    Inspector.objects.bulk_create(
        Inspector(
            acceptance=record,
            name=m.name,
            organisation=m.organisation,
            is_contractor=m.is_contractor,
        )
        for record, (_h, _i, team) in zip(records, checked, strict=True)
        for m in team
    )
    ChecklistResult.objects.bulk_create(
        ChecklistResult(
            acceptance=record, item=item.code, passed=bool(inspection.checklist[item.code])
        )
        for record, (household, inspection, _t) in zip(records, checked, strict=True)
        for item in checklist_for(household.route)
    )
    accepted = []
    for record, (household, inspection, _t) in zip(records, checked, strict=True):
        attachments_save(inspection.attachments, acceptance=record, by=by)
        if record.kind == AcceptanceKind.COMMISSIONING and record.result == AcceptanceResult.PASS:
            HOUSEHOLD_FLOW.apply(household, "accept")
            accepted.append(household)
    households_save_many(accepted, by=by, reason=HouseholdReason.ACCEPT, fields=["status"])
    for household in accepted:
        signals.household_accepted.send(sender=Acceptance, household=household, by=by)
    return records


@retry_on_conflict
@transaction.atomic
def acceptance_record(
    *,
    household: Household,
    kind: str,
    date: datetime.date,
    inspectors: Team,
    checklist: Mapping[str, bool],
    result: str,
    defects: str = "",
    rectification_deadline: datetime.date | None = None,
    by: Any,
    attachments: Sequence[Any] = (),
) -> Acceptance:
    """Record one inspection of a household; raise ValidationError listing every problem."""
    require(by, "acceptance.add_acceptance", household)
    household = lock_household(household)
    inspection = Inspection(
        kind, date, checklist, result, defects, rectification_deadline, attachments
    )
    errors, team = check_inspection(household, inspection, inspectors)
    if errors:
        raise ValidationError(errors)
    return _write_inspections([(household, inspection, team)], by)[0]


@dataclass
class BatchEntry:
    household: Household
    checklist: Mapping[str, bool]
    result: str
    defects: str = ""
    rectification_deadline: datetime.date | None = None
    attachments: Sequence[Any] = field(default_factory=tuple)

    def inspection(self, kind: str, date: datetime.date) -> Inspection:
        return Inspection(
            kind,
            date,
            self.checklist,
            self.result,
            self.defects,
            self.rectification_deadline,
            self.attachments,
        )


@retry_on_conflict
@transaction.atomic
def acceptance_record_batch(
    *,
    kind: str,
    date: datetime.date,
    inspectors: Team,
    entries: Sequence[BatchEntry],
    by: Any,
) -> list[Acceptance]:
    """One team, one date, a result per household: all recorded, or none.

    Every household is checked before anything is written; on any problem a ValidationError
    maps each household's id (as a string) to its messages, and nothing is saved.
    """
    if not entries:
        raise ValidationError(_("请至少选择一户。"))
    require_all(by, "acceptance.add_acceptance", [e.household for e in entries])
    locked = lock_households([e.household.pk for e in entries])
    facts = Facts.read(list(locked.values()))
    errors: dict[str, list[str]] = {}
    checked = []
    for entry in entries:
        household = locked[entry.household.pk]
        inspection = entry.inspection(kind, date)
        messages, team = check_inspection(household, inspection, inspectors, facts)
        if messages:
            errors[str(household.pk)] = messages
        checked.append((household, inspection, team))
    if errors:
        raise ValidationError(errors)
    return _write_inspections(checked, by)
