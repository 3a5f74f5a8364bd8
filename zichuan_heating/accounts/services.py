"""User and role changes made by administrators: one role per user, every change recorded."""

import secrets
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tasks.models import Town
from zichuan_heating.models import RoleChange, User
from zichuan_heating.roles import Role, role_grants, role_of

MANAGE_USERS = "zichuan_heating.change_user"


def may_manage_users(user: Any) -> bool:
    """Administrators (by role) and superusers (made only from the command line)."""
    return bool(user and user.is_authenticated and user.is_active) and (
        user.is_superuser or role_grants(user, MANAGE_USERS)
    )


def _check_manager(by: Any, user: User | None) -> None:
    if not may_manage_users(by):
        raise PermissionDenied(_("只有系统管理员可以管理用户和角色。"))
    if user is not None and user.is_superuser and not by.is_superuser:
        raise PermissionDenied(_("超级用户只能在服务器命令行中管理。"))


def _clean_role(role: str, town: Town | None) -> tuple[Role, Town | None]:
    if role not in Role.values:
        raise ValidationError({"role": _("请选择一个角色。")})
    role = Role(role)
    if role == Role.TOWN_OFFICIAL:
        if town is None:
            raise ValidationError({"town": _("镇（街道）工作人员必须绑定所属镇（街道）。")})
        return role, town
    # Only a town official belongs to a town; a town left on another role would be stale.
    return role, None


def _apply_role(*, by: Any, user: User, role: Role, town: Town | None) -> RoleChange | None:
    before = (role_of(user), user.town_id)
    user.town = town
    user.is_staff = user.is_superuser or role == Role.ADMINISTRATOR
    user.save()
    # Exactly one role group, and no permission held outside a role.
    user.groups.set([Group.objects.get(name=role.value)])
    user.user_permissions.clear()
    for cached in ("role_names", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cached, None)
    if before == (role.value, user.town_id):
        return None
    return RoleChange.objects.create(
        user=user,
        changed_by=by,
        from_role=before[0],
        to_role=role.value,
        from_town_id=before[1],
        to_town=town,
    )


def new_password() -> str:
    """A one-time password shown once to the administrator, who hands it over."""
    return secrets.token_urlsafe(12)


@transaction.atomic
def user_create(
    *,
    by: Any,
    username: str,
    role: str,
    town: Town | None = None,
    last_name: str = "",
    first_name: str = "",
    email: str = "",
) -> tuple[User, str]:
    """A new active user with exactly one role; returns the user and its one-time password."""
    _check_manager(by, None)
    role, town = _clean_role(role, town)
    password = new_password()
    user = User(username=username, last_name=last_name, first_name=first_name, email=email)
    user.set_password(password)
    user.save()
    _apply_role(by=by, user=user, role=role, town=town)
    return user, password


@transaction.atomic
def user_update(
    *,
    by: Any,
    user: User,
    role: str,
    town: Town | None,
    last_name: str,
    first_name: str,
    email: str,
    is_active: bool,
) -> RoleChange | None:
    """Change a user's details and role; returns the recorded role change, if any."""
    _check_manager(by, user)
    role, town = _clean_role(role, town)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == by.pk:
        if (role.value, town.pk if town else None) != (role_of(user), user.town_id):
            raise PermissionDenied(_("不能更改自己的角色，须由另一名系统管理员操作。"))
        if not is_active:
            raise PermissionDenied(_("不能停用自己的账号。"))
    user.last_name, user.first_name, user.email = last_name, first_name, email
    user.is_active = is_active
    return _apply_role(by=by, user=user, role=role, town=town)


@transaction.atomic
def user_password_reset(*, by: Any, user: User) -> str:
    """A new one-time password for someone else (one's own goes through the change page)."""
    _check_manager(by, user)
    if user.pk == by.pk:
        raise PermissionDenied(_("请在“修改密码”页面修改自己的密码。"))
    password = new_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    return password


@transaction.atomic
def user_twofactor_reset(*, by: Any, user: User) -> int:
    """Remove a user's authenticator (a lost phone): they enrol again at their next login."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _check_manager(by, user)
    deleted, _detail = TOTPDevice.objects.filter(user=user).delete()
    return deleted
