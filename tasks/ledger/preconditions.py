"""What a household must have before it is signed (签约): a contractor, and the equipment its
route needs. The contract service refuses on it and the household page shows it up front."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def routes_needing_equipment() -> set[str]:
    """The routes the equipment catalogue lists active models for.

    The catalogue decides: a route with no model in it (e.g. central heating where the
    district's catalogue has no entry device) is never held up for want of equipment.
    """
    from tasks.models import EquipmentModel

    return set(EquipmentModel.objects.filter(is_active=True).values_list("route", flat=True))


def contract_missing(household: Any, *, equipment_routes: set[str] | None = None) -> dict[str, str]:
    """Field name → Chinese message for everything signing this household still needs."""
    if equipment_routes is None:
        equipment_routes = routes_needing_equipment()
    missing: dict[str, str] = {}
    if household.contractor_id is None:
        missing["contractor"] = _("请先在台账信息中选择实施单位，再签约。")
    if household.equipment_id is None and household.route in equipment_routes:
        missing["equipment"] = _(
            "请先在台账信息中选择采暖设备（该改造方式须选用目录内设备），再签约。"
        )
    return missing


def check_contract_preconditions(
    household: Any, *, equipment_routes: set[str] | None = None
) -> None:
    missing = contract_missing(household, equipment_routes=equipment_routes)
    if missing:
        raise ValidationError(missing)
