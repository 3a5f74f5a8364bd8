"""Recording the coal stove's removal: 先立后破, only after commissioning has passed."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from acceptance import queries
from acceptance.services.common import check_past_date, day, lock_household, require, save_household
from tasks.models import Household, HouseholdStatus
from tasks.models.ledger import HouseholdReason
from zichuan_heating.locks import retry_on_conflict


def _check_removal(household: Household, date: datetime.date | None) -> list[str]:
    errors = []
    if household.status != HouseholdStatus.ACCEPTED:
        errors.append(_("该户尚未通过调试验收，不能登记燃煤炉具拆除（先立后破）。"))
    elif household.coal_stove_removed_on is not None:
        errors.append(
            _("该户已登记燃煤炉具拆除日期（%(date)s）。")
            % {"date": day(household.coal_stove_removed_on)}
        )
    else:
        commissioning = queries.commissioning_pass(household)
        if date and commissioning and date < commissioning.date:
            errors.append(
                _("拆除日期不能早于调试验收通过日期（%(date)s）。")
                % {"date": day(commissioning.date)}
            )
    return errors + check_past_date(date, _("请填写拆除日期。"), _("拆除日期不能晚于今天。"))


@retry_on_conflict
@transaction.atomic
def household_record_stove_removal(
    *, household: Household, date: datetime.date, by: Any
) -> Household:
    """先立后破: the coal stove goes only after commissioning has passed."""
    require(by, "acceptance.record_stove_removal", household)
    household = lock_household(household)
    errors = _check_removal(household, date)
    if errors:
        raise ValidationError(errors)
    household.coal_stove_removed_on = date
    save_household(household, ["coal_stove_removed_on"], by, HouseholdReason.STOVE_REMOVED)
    return household
