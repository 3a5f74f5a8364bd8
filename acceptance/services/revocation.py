"""The district office withdraws a passed inspection (撤销验收)."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acceptance.models import Acceptance, AcceptanceKind, AcceptanceReason
from acceptance.services.common import lock_household, save_household
from tasks.ledger import signals
from tasks.models import Household
from tasks.models.ledger import HOUSEHOLD_FLOW, HouseholdReason
from zichuan_heating.locks import retry_on_conflict


def _require_revoker(by: Any, acceptance: Acceptance) -> None:
    """Only the district office (the permission) and only within the towns it sees."""
    if by is None or not by.has_perm("acceptance.revoke_acceptance"):
        raise PermissionDenied
    if not Acceptance.objects.for_user(by).filter(pk=acceptance.pk).exists():
        raise PermissionDenied


def _check_revoke(acceptance: Acceptance, reason: str) -> None:
    errors = []
    if acceptance.revoked:
        errors.append(_("该验收记录已撤销。"))
    elif not acceptance.passed:
        errors.append(_("只能撤销通过的验收。"))
    if not reason:
        errors.append(_("请填写撤销原因。"))
    if errors:
        raise ValidationError(errors)


def _targets(acceptance: Acceptance, household: Household) -> list[Acceptance]:
    """The record, and with a completion the commissioning records that rested on it."""
    targets = [acceptance]
    if acceptance.kind == AcceptanceKind.COMPLETION:
        targets += list(
            Acceptance.objects.select_for_update()
            .valid()
            .filter(household=household, kind=AcceptanceKind.COMMISSIONING)
            .order_by("date", "id")
        )
    return targets


def _mark_revoked(targets: list[Acceptance], by: Any, reason: str) -> None:
    now = timezone.now()
    for i, record in enumerate(targets):
        record.revoked = True
        record.revoked_at = now
        record.revoked_by = by
        record.revoke_reason = reason[:500]
        record._history_user = by
        record._change_reason = (
            AcceptanceReason.REVOKE if i == 0 else AcceptanceReason.REVOKE_WITH_COMPLETION
        )
        record.save(update_fields=["revoked", "revoked_at", "revoked_by", "revoke_reason"])


@retry_on_conflict
@transaction.atomic
def acceptance_revoke(*, acceptance: Acceptance, by: Any, reason: str) -> list[Acceptance]:
    """The district office withdraws a passed inspection; returns every record revoked.

    Revoking a completion also revokes the commissioning records that rested on it. If the
    household was accepted it goes back to "built" (its stove-removal date goes with it: the
    database allows that date only on accepted households; the household's history keeps it)
    and `household_acceptance_revoked` is sent once, so unpaid subsidies stop. The free-text
    reason is kept in each record's `revoke_reason`; the history reason is a fixed constant.
    """
    _require_revoker(by, acceptance)
    household = lock_household(acceptance.household)
    acceptance = Acceptance.objects.select_for_update().get(pk=acceptance.pk)
    reason = (reason or "").strip()
    _check_revoke(acceptance, reason)
    targets = _targets(acceptance, household)
    _mark_revoked(targets, by, reason)
    if HOUSEHOLD_FLOW.can(household, "revoke_acceptance"):
        HOUSEHOLD_FLOW.apply(household, "revoke_acceptance")
        household.coal_stove_removed_on = None
        save_household(
            household, ["status", "coal_stove_removed_on"], by, HouseholdReason.REVOKE_ACCEPTANCE
        )
        signals.household_acceptance_revoked.send(
            sender=Acceptance, household=household, by=by, reason=reason
        )
    return targets
