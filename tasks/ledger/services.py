"""Business actions of the household ledger (台账): register, edit, status actions.

Every status change is an explicit action below and goes through `HOUSEHOLD_FLOW`; none of them
sets "accepted" (the acceptance module does). Each locks the household row, checks its
preconditions, validates the whole row and saves once, so simple_history writes exactly one
history row per change, with a `HouseholdReason` constant as its reason. The date rules of the
actions (`check_signed_on`, `check_started_on`, `check_completed_on`) are the importer's too.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.ledger.preconditions import check_contract_preconditions
from tasks.ledger.queries import household_start_construction_refusal
from tasks.ledger.signals import household_withdrawn
from tasks.models import Household, HouseholdStatus, Programme, Town
from tasks.models.ledger import HOUSEHOLD_FLOW, HouseholdReason
from tasks.validators import normalise_id_number, normalise_phone, normalise_text
from zichuan_heating.locks import retry_on_conflict

#: Fields a ledger entry may set on registration or edit; status and its dates move by actions.
HOUSEHOLD_EDITABLE_FIELDS = (
    "village",
    "head_name",
    "id_number",
    "phone",
    "address",
    "size",
    "route",
    "equipment",
    "contractor",
    "notes",
)


# --- The date each step needs (the actions below and the importer) ---------------------------


def check_signed_on(signed_on: datetime.date | None, *, today: datetime.date | None = None) -> None:
    """签约 needs its date, not in the future."""
    if signed_on is None:
        raise ValidationError({"contract_signed_on": _("请填写签约日期。")})
    if signed_on > (today or timezone.localdate()):
        raise ValidationError({"contract_signed_on": _("签约日期不能晚于今天。")})


def check_started_on(
    started_on: datetime.date,
    *,
    signed_on: datetime.date | None,
    today: datetime.date | None = None,
) -> None:
    """开工 on a day between the contract and today."""
    if started_on > (today or timezone.localdate()):
        raise ValidationError({"construction_started_on": _("开工日期不能晚于今天。")})
    if signed_on and started_on < signed_on:
        raise ValidationError({"construction_started_on": _("开工日期不能早于签约日期。")})


def check_completed_on(
    completed_on: datetime.date | None,
    *,
    started_on: datetime.date | None,
    today: datetime.date | None = None,
) -> None:
    """完工 needs its date, not in the future nor before the start."""
    if completed_on is None:
        raise ValidationError({"construction_completed_on": _("请填写完工日期。")})
    if completed_on > (today or timezone.localdate()):
        raise ValidationError({"construction_completed_on": _("完工日期不能晚于今天。")})
    if started_on and completed_on < started_on:
        raise ValidationError({"construction_completed_on": _("完工日期不能早于开工日期。")})


# --- Saving ------------------------------------------------------------------------------------


def _normalise_household_fields(fields: dict[str, Any]) -> dict[str, Any]:
    out = dict(fields)
    if "id_number" in out:
        out["id_number"] = normalise_id_number(out["id_number"])
    if "phone" in out:
        out["phone"] = normalise_phone(out["phone"]) if out["phone"] else ""
    for key in ("head_name", "address", "notes"):
        if key in out and out[key] is not None:
            out[key] = normalise_text(out[key])
    return out


def _check_id_number_unique(household: Household) -> None:
    """One household is claimed once per programme; name the other household if it is ours."""
    other = (
        Household.objects.filter(programme_id=household.programme_id, id_number=household.id_number)
        .exclude(pk=household.pk)
        .select_related("village", "town")
        .first()
    )
    if other is None:
        return
    if other.town_id != household.town_id:
        message = _("该身份证号已在其他镇（街道）登记，同一户不能重复登记。")
    else:
        message = _("该身份证号已登记：%(village)s %(name)s（台账编号 %(id)d）。") % {
            "village": other.village.name,
            "name": other.head_name,
            "id": other.pk,
        }
    raise ValidationError({"id_number": message})


def _unchanged_foreign_keys(household: Household) -> list[str]:
    """Foreign keys still holding the value read under the lock (`_lock`): the row's own
    foreign-key constraints vouch for them, so validating them again would cost a query each
    (five per household of a bulk action) and could find nothing."""
    loaded = getattr(household, "_locked_foreign_keys", {})
    return [
        f.name
        for f in Household._meta.concrete_fields
        if f.is_relation
        and f.attname in loaded
        and loaded[f.attname] == getattr(household, f.attname)
    ]


def _save_household(household: Household, *, by: Any, reason: HouseholdReason) -> Household:
    """Validate and save once; the reason is a fixed constant, translated on display."""
    household.full_clean(
        exclude=_unchanged_foreign_keys(household),
        validate_unique=False,
        validate_constraints=False,
    )
    _check_id_number_unique(household)
    household.validate_constraints()  # the check constraints; the unique one is checked above
    household._history_user = by
    household._change_reason = reason.value
    household.save()
    return household


#: Relations a ledger row points to: the database's foreign keys guarantee they exist.
RELATIONS = ("programme", "town", "village", "equipment", "contractor")


def check_changed_household(household: Household) -> None:
    """What `_save_household` validates, for a step applied to many households at once: each
    field's own rules and the model's `clean()` (village in town, equipment for the route,
    contractor for the route), in Python. Left to the database there: that the related rows
    exist (foreign keys), the ID number's uniqueness (a step never changes it) and the check
    constraints; a violation rolls the whole run back (`households_save_many`)."""
    household.full_clean(exclude=RELATIONS, validate_unique=False, validate_constraints=False)


def households_save_many(
    households: list[Household], *, by: Any, reason: HouseholdReason, fields: list[str]
) -> None:
    """Write these checked households' `fields` in bulk, one history row each (the reason a
    fixed constant); all or nothing."""
    from simple_history.utils import bulk_update_with_history

    if not households:
        return
    now = timezone.now()
    for h in households:
        h.updated_at = now
    columns = [Household._meta.get_field(f).attname for f in [*fields, "updated_at"]]
    alike = _alike(households, columns)
    try:
        with transaction.atomic():
            if alike is None:
                bulk_update_with_history(
                    households,
                    Household,
                    [*fields, "updated_at"],
                    batch_size=1000,
                    default_user=by,
                    default_change_reason=reason.value,
                )
            else:
                for values, pks in alike.items():
                    for start in range(0, len(pks), 1000):
                        Household.objects.filter(pk__in=pks[start : start + 1000]).update(
                            **dict(zip(columns, values, strict=True))
                        )
                Household.history.bulk_history_create(
                    households,
                    batch_size=1000,
                    update=True,
                    default_user=by,
                    default_change_reason=reason.value,
                )
    except IntegrityError:
        raise ValidationError(
            _("台账在处理期间被他人修改，本次批量操作未写入任何数据，请重试。")
        ) from None


#: Up to this many sets of new values, a bulk write is one UPDATE per set; beyond, one CASE.
ALIKE_GROUPS = 8


def _alike(households: list[Household], columns: list[str]) -> dict[tuple, list[int]] | None:
    """{new values: ids} when the households share a few sets of new values (a step applied to
    many households gives them the same status and date): a plain UPDATE per set instead of
    Django's `bulk_update`, whose CASE over every row cost more in Python than the write.
    None when they differ more (or a value cannot be a key)."""
    groups: dict[tuple, list[int]] = {}
    try:
        for h in households:
            groups.setdefault(tuple(getattr(h, c) for c in columns), []).append(h.pk)
            if len(groups) > ALIKE_GROUPS:
                return None
    except TypeError:  # an unhashable value
        return None
    return groups


def _lock(household: Household) -> Household:
    locked = (
        Household.objects.filter(pk=household.pk)
        .locked()
        .select_related("programme", "town", "village", "equipment", "contractor")
        .get()
    )
    locked._locked_foreign_keys = {
        f.attname: getattr(locked, f.attname)
        for f in Household._meta.concrete_fields
        if f.is_relation
    }
    return locked


# --- Actions -----------------------------------------------------------------------------------


@transaction.atomic
def household_register(*, programme: Programme, town: Town, by: Any, **fields: Any) -> Household:
    """Register a surveyed household in a town's ledger."""
    unknown = set(fields) - set(HOUSEHOLD_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"household_register: unknown fields {sorted(unknown)}")
    household = Household(
        programme=programme,
        town=town,
        status=HouseholdStatus.SURVEYED,
        **_normalise_household_fields(fields),
    )
    return _save_household(household, by=by, reason=HouseholdReason.REGISTER)


@transaction.atomic
def household_update(*, household: Household, by: Any, **changes: Any) -> Household:
    """Change ledger fields; no history row when nothing actually changed."""
    unknown = set(changes) - set(HOUSEHOLD_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"household_update: cannot change {sorted(unknown)}")
    locked = _lock(household)
    if edit_step(locked, changes):
        _save_household(locked, by=by, reason=HouseholdReason.EDIT)
    return locked


# --- The steps: the rules of each status action, on a household already locked -------------
# Each changes the household in memory or raises ValidationError; the actions below and the
# bulk actions (`tasks.ledger.bulk`) call them, so one household and 458 follow one rule.
# `equipment_routes` and `approved_town_ids` let a run over many households read them once.


def contract_step(
    locked: Household,
    *,
    signed_on: datetime.date | None,
    equipment_routes: set[str] | None = None,
) -> None:
    """surveyed → contracted: needs a contractor, the equipment its route needs, a date."""
    HOUSEHOLD_FLOW.apply(locked, "contract")
    check_contract_preconditions(locked, equipment_routes=equipment_routes)
    check_signed_on(signed_on)
    locked.contract_signed_on = signed_on


def start_step(
    locked: Household,
    *,
    started_on: datetime.date | None,
    approved_town_ids: set[int] | None = None,
) -> None:
    """contracted → under construction: only once the town's plan is approved."""
    refusal = household_start_construction_refusal(locked, approved_town_ids=approved_town_ids)
    if refusal:
        raise ValidationError(refusal)
    started_on = started_on or timezone.localdate()
    check_started_on(started_on, signed_on=locked.contract_signed_on)
    HOUSEHOLD_FLOW.apply(locked, "start")
    locked.construction_started_on = started_on


def complete_step(locked: Household, *, completed_on: datetime.date | None) -> None:
    """under construction → built: a date, not before the start."""
    HOUSEHOLD_FLOW.apply(locked, "complete")
    check_completed_on(completed_on, started_on=locked.construction_started_on)
    locked.construction_completed_on = completed_on


def edit_step(locked: Household, changes: dict[str, Any]) -> bool:
    """Set ledger fields; whether anything actually changed (a withdrawn household refuses)."""
    if locked.status == HouseholdStatus.WITHDRAWN:
        raise ValidationError(_("该户已退出，不能修改台账信息；如需修改，请先由区清洁取暖办恢复。"))
    changed = False
    for name, value in _normalise_household_fields(changes).items():
        field = Household._meta.get_field(name)
        current = getattr(locked, field.attname)
        new = value.pk if isinstance(value, models.Model) else value
        if current != new:
            setattr(locked, name, value)
            changed = True
    return changed


# --- Actions on one household ------------------------------------------------------------------


def _take_step(
    household: Household, by: Any, step: Callable[..., None], reason: HouseholdReason, **dates: Any
) -> Household:
    """A status step of one household: locked, stepped (`contract_step` and the like, the
    steps the bulk actions take in memory), validated and saved with its history reason."""
    locked = _lock(household)
    step(locked, **dates)
    return _save_household(locked, by=by, reason=reason)


@transaction.atomic
def household_contract(
    *, household: Household, by: Any, signed_on: datetime.date | None
) -> Household:
    """surveyed → contracted (签约); needs a contractor and the equipment its route needs."""
    return _take_step(household, by, contract_step, HouseholdReason.CONTRACT, signed_on=signed_on)


@transaction.atomic
def household_start_construction(
    *, household: Household, by: Any, started_on: datetime.date | None = None
) -> Household:
    """contracted → under construction; only once the town's plan is approved."""
    return _take_step(household, by, start_step, HouseholdReason.START, started_on=started_on)


@transaction.atomic
def household_complete_construction(
    *, household: Household, by: Any, completed_on: datetime.date | None
) -> Household:
    """under construction → built (完工)."""
    return _take_step(
        household, by, complete_step, HouseholdReason.COMPLETE, completed_on=completed_on
    )


@retry_on_conflict  # withdrawal cancels instalments: money's lock order and retry
@transaction.atomic
def household_withdraw(*, household: Household, by: Any, reason: str) -> Household:
    """Any state → withdrawn (退出), with a reason; remembers where it was for a restore."""
    locked = _lock(household)
    before = HOUSEHOLD_FLOW.apply(locked, "withdraw")
    reason = normalise_text(reason)
    if not reason:
        raise ValidationError({"withdrawal_reason": _("请填写退出原因。")})
    locked.status_before_withdrawal = before
    locked.withdrawal_reason = reason[:200]
    _save_household(locked, by=by, reason=HouseholdReason.WITHDRAW)
    household_withdrawn.send(sender=Household, household=locked, by=by, reason=reason)
    return locked


@transaction.atomic
def household_restore(*, household: Household, by: Any) -> Household:
    """withdrawn → the status it had before; district office only."""
    if by is None or not by.has_perm("tasks.restore_household"):
        raise PermissionDenied(_("只有区清洁取暖办可以恢复已退出的改造户。"))
    locked = _lock(household)
    HOUSEHOLD_FLOW.apply(locked, "restore")
    locked.status = locked.status_before_withdrawal or HouseholdStatus.SURVEYED
    locked.status_before_withdrawal = ""
    locked.withdrawal_reason = ""
    return _save_household(locked, by=by, reason=HouseholdReason.RESTORE)


def id_number_views_record(*, households: list[Household], by: Any, context: str) -> None:
    """Log that `by` saw these households' full ID numbers: one insert whatever the count."""
    from tasks.models import IdNumberView

    IdNumberView.objects.bulk_create(
        [
            IdNumberView(household=h, town_id=h.town_id, viewed_by=by, context=context)
            for h in households
        ]
    )


def id_number_export_record(
    *, by: Any, context: str, town: Town | None, count: int, filters: dict[str, Any]
) -> None:
    """Log one export file with full ID numbers: its town (None: all), filter and row count.

    One row per file: the filter (for a batch, its number) and the count say which households.
    """
    from tasks.models import IdNumberView

    IdNumberView.objects.create(
        viewed_by=by, context=context, town=town, row_count=count, filters=filters
    )
