"""Demo users: one per role and one official per town, for trying the system out."""

import secrets
from dataclasses import dataclass

from django.db import transaction

from tasks.models import Town
from zichuan_heating.models import User
from zichuan_heating.roles import Role


@dataclass
class DemoUser:
    username: str
    role: Role
    town_code: str | None = None
    last_name: str = ""
    first_name: str = ""


DEMO_USERS = [
    DemoUser("admin", Role.ADMINISTRATOR, last_name="系统", first_name="管理员"),
    DemoUser("district", Role.DISTRICT_OFFICE, last_name="区清洁取暖办", first_name=""),
    DemoUser("finance", Role.FINANCE_BUREAU, last_name="财政局", first_name="经办人"),
    DemoUser("finance2", Role.FINANCE_BUREAU, last_name="财政局", first_name="审核人"),
]


@transaction.atomic
def demo_users_create(*, password: str | None = None) -> list[tuple[str, str, str]]:
    """Create missing demo users; return (username, role label, password) for new ones only.

    Passwords are random unless given, and are never stored in clear: they are shown once.
    """
    from django.contrib.auth.models import Group

    wanted = list(DEMO_USERS)
    for town in Town.objects.order_by("order"):
        wanted.append(
            DemoUser(f"official-{town.code}", Role.TOWN_OFFICIAL, town.code, town.name, "工作人员")
        )
    created = []
    for demo in wanted:
        if User.objects.filter(username=demo.username).exists():
            continue
        pw = password or secrets.token_urlsafe(9)
        user = User(
            username=demo.username,
            last_name=demo.last_name,
            first_name=demo.first_name,
            email=f"{demo.username}@zichuan.local",
            town=Town.objects.get(code=demo.town_code) if demo.town_code else None,
            # The administrator reaches the admin for the catalogue, but is no superuser:
            # superusers are made only from the command line (createsuperuser).
            is_staff=demo.role == Role.ADMINISTRATOR,
        )
        user.set_password(pw)
        user.save()
        user.groups.add(Group.objects.get(name=str(demo.role)))
        created.append((demo.username, str(demo.role.label), pw))
    return created
