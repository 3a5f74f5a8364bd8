"""Recording what was done about a failed inspection; it opens the way to re-inspection."""

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from acceptance import queries
from acceptance.models import Acceptance, Rectification
from acceptance.services.attachments import attachment_errors, attachments_save
from acceptance.services.common import check_past_date, day, lock_household, require
from zichuan_heating.locks import retry_on_conflict


def _check_record(acceptance: Acceptance) -> list[str]:
    """Only the latest valid record, failed and not yet rectified, takes a rectification."""
    records = queries.valid_records(acceptance.household)
    if acceptance.revoked:
        return [_("该验收记录已撤销。")]
    if acceptance.passed:
        return [_("只有未通过的验收才需要整改。")]
    if acceptance.rectification_or_none is not None:
        return [_("该次验收的整改情况已登记。")]
    if records and records[-1].pk != acceptance.pk:
        return [_("该次验收之后已有新的验收记录。")]
    return []


def _check_rectification(
    acceptance: Acceptance, description: str, date: datetime.date | None
) -> list[str]:
    errors = []
    if not (description or "").strip():
        errors.append(_("请填写整改情况。"))
    errors += check_past_date(date, _("请填写整改完成日期。"), _("整改完成日期不能晚于今天。"))
    # A future date is refused above; the inspection itself is never dated after today.
    if date and date < acceptance.date:
        errors.append(
            _("整改完成日期不能早于验收日期（%(date)s）。") % {"date": day(acceptance.date)}
        )
    return errors


@retry_on_conflict
@transaction.atomic
def rectification_record(
    *,
    acceptance: Acceptance,
    description: str,
    date: datetime.date,
    by: Any,
    attachments: Sequence[Any] = (),
) -> Rectification:
    """What was done about a failed inspection; it opens the way to re-inspection."""
    require(by, "acceptance.add_rectification", acceptance.household)
    lock_household(acceptance.household)
    acceptance = Acceptance.objects.select_for_update().get(pk=acceptance.pk)
    errors = _check_record(acceptance)
    errors += _check_rectification(acceptance, description, date)
    errors += attachment_errors(attachments)
    if errors:
        raise ValidationError(errors)
    rectification = Rectification(
        acceptance=acceptance, description=description.strip(), date=date, recorded_by=by
    )
    rectification._history_user = by
    rectification.save()
    attachments_save(attachments, acceptance=acceptance, by=by, rectification=rectification)
    return rectification
