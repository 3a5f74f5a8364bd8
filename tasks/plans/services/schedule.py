"""The district office's behind-schedule threshold for a programme."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tasks.models import Programme, ScheduleSetting
from tasks.plans.services.access import require_district


@transaction.atomic
def schedule_setting_update(
    *, programme: Programme, by: Any, behind_threshold_percent: Decimal
) -> ScheduleSetting:
    require_district(by, "tasks.change_schedulesetting")
    value = Decimal(behind_threshold_percent).quantize(Decimal("0.1"))
    if not Decimal("0") <= value <= Decimal("100"):
        raise ValidationError({"behind_threshold_percent": _("滞后阈值应在 0 到 100 之间。")})
    setting, _created = ScheduleSetting.objects.select_for_update().get_or_create(
        programme=programme
    )
    setting.behind_threshold_percent = value
    setting.updated_by = by
    setting.save()
    return setting
