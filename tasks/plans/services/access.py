"""Who may act on plans and supervision: the town's own officials, or the district office."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from zichuan_heating.roles import Role
from zichuan_heating.services import users_with_role


def is_town_official_of(user: Any, town_id: int) -> bool:
    return (
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_role(Role.TOWN_OFFICIAL)
        and user.town_id == town_id
    )


def require_town_official(by: Any, town_id: int, perm: str) -> None:
    if not is_town_official_of(by, town_id) or not by.has_perm(perm):
        raise PermissionDenied(_("只有本镇（街道）工作人员可以办理此事项。"))


def require_district(by: Any, perm: str) -> None:
    # A town official can never review or supervise, even if a group grants the perm by mistake.
    if (
        by is None
        or not by.is_authenticated
        or not by.is_active
        or by.town_id is not None
        or by.has_role(Role.TOWN_OFFICIAL)
        or not by.has_perm(perm)
    ):
        raise PermissionDenied(_("只有区清洁取暖办可以办理此事项。"))


def district_recipients() -> list:
    return users_with_role(Role.DISTRICT_OFFICE.value)
