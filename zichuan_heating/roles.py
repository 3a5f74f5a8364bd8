"""Roles as Django groups, the permissions each one holds, and helpers to assign them."""

from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TOWN_OFFICIAL = "town_official", _("镇（街道）工作人员")
    DISTRICT_OFFICE = "district_office", _("区清洁取暖办")
    FINANCE_BUREAU = "finance_bureau", _("区财政局")
    ADMINISTRATOR = "administrator", _("系统管理员")


#: The metering pages every role sees (meters, usage flags, adjustments; the town its own).
METERING_PAGES = [
    "subsidies.view_meter",
    "subsidies.view_usageflag",
    "subsidies.view_adjustment",
]
#: The district-wide subsidy pages, read only: what the district office, the finance bureau and
#: the administrator all see of the money (the finance bureau acts on it besides).
SUBSIDY_PAGES = [
    "subsidies.view_instalment",
    "subsidies.view_paymentaccount",
    "subsidies.view_fundbudget",
    "subsidies.view_subsidystandard",
    "subsidies.view_disbursementbatch",
]

# Permissions per role, as "app_label.codename". Later apps add theirs here: one table
# to read when asking "who may do what".
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.TOWN_OFFICIAL: [
        "tasks.view_programme",
        "tasks.view_town",
        "tasks.view_quota",
        "tasks.view_village",
        "tasks.add_village",
        "tasks.change_village",
        "tasks.view_village_register",
        "tasks.view_household",
        "tasks.add_household",
        "tasks.change_household",
        "tasks.view_equipmentmodel",
        "tasks.view_contractor",
        "tasks.add_townplan",
        "tasks.change_townplan",
        "tasks.view_townplan",
        "tasks.view_supervisionnotice",
        "tasks.answer_supervisionnotice",
        "tasks.import_household",
        "acceptance.view_acceptance",
        "acceptance.add_acceptance",
        "acceptance.add_rectification",
        "acceptance.record_stove_removal",
        "tasks.view_reportjob",
        "tasks.add_reportjob",
        "subsidies.view_instalment",
        "visits.view_visitsample",
        "visits.view_visit",
        "visits.record_visit",
        "visits.view_case",
        "visits.add_case",
        "visits.handle_case",
        # safety checks, emergency plans and drills (visits.safety)
        "visits.view_hazardinspection",
        "visits.add_hazardinspection",
        "visits.rectify_hazardfinding",
        "visits.verify_hazardfinding",
        "visits.view_emergencyplan",
        "visits.add_emergencyplan",
        "visits.view_drill",
        "visits.add_drill",
        "visits.void_safetyrecord",
        "subsidies.view_paymentaccount",
        "subsidies.change_paymentaccount",
        *METERING_PAGES,
        "subsidies.decide_flag",  # metering
    ],
    Role.DISTRICT_OFFICE: [
        "tasks.view_programme",
        "tasks.view_town",
        "tasks.view_quota",
        "tasks.view_village",
        "tasks.view_village_register",
        "tasks.view_all_towns",
        "tasks.view_household",
        "tasks.restore_household",
        "tasks.view_equipmentmodel",
        "tasks.view_contractor",
        "tasks.view_townplan",
        "tasks.review_townplan",
        "tasks.view_supervisionnotice",
        "tasks.issue_supervisionnotice",
        "tasks.change_schedulesetting",
        "acceptance.view_acceptance",
        "acceptance.revoke_acceptance",
        "tasks.view_reportjob",
        "tasks.add_reportjob",
        "tasks.view_reminderlog",
        "tasks.view_idnumberview",
        *SUBSIDY_PAGES,
        "visits.view_visitsample",
        "visits.draw_visitsample",
        "visits.view_visit",
        "visits.view_case",
        "visits.add_case",
        "visits.handle_case",
        "visits.manage_case",
        "visits.view_sensitive_case",
        # safety checks, emergency plans and drills (visits.safety): sees all, verifies
        "visits.view_hazardinspection",
        "visits.verify_hazardfinding",
        "visits.view_emergencyplan",
        "visits.view_drill",
        "visits.void_safetyrecord",
        *METERING_PAGES,
    ],
    Role.FINANCE_BUREAU: [
        "tasks.view_programme",
        "tasks.view_town",
        "tasks.view_quota",
        "tasks.view_village",
        "tasks.view_all_towns",
        "tasks.view_household",
        "tasks.view_full_id_number",
        "tasks.view_equipmentmodel",
        "tasks.view_contractor",
        "acceptance.view_acceptance",
        *SUBSIDY_PAGES,
        "subsidies.manage_funds",
        "subsidies.manage_standards",
        "subsidies.prepare_batch",
        "subsidies.approve_batch",
        "subsidies.export_batch",
        "subsidies.export_full_id",
        *METERING_PAGES,
        "subsidies.decide_flag",  # metering
        "subsidies.settle_adjustment",  # metering
        "subsidies.import_readings",  # metering
        "subsidies.view_readingimport",  # metering
    ],
    Role.ADMINISTRATOR: [
        "tasks.view_all_towns",
        "tasks.add_programme",
        "tasks.change_programme",
        "tasks.view_programme",
        "tasks.add_town",
        "tasks.change_town",
        "tasks.view_town",
        "tasks.add_village",
        "tasks.change_village",
        "tasks.view_village",
        "tasks.view_village_register",
        "tasks.add_quota",
        "tasks.change_quota",
        "tasks.view_quota",
        "tasks.view_household",
        "tasks.view_full_id_number",
        "tasks.view_idnumberview",
        "tasks.add_equipmentmodel",
        "tasks.change_equipmentmodel",
        "tasks.view_equipmentmodel",
        "tasks.add_contractor",
        "tasks.change_contractor",
        "tasks.view_contractor",
        "tasks.view_townplan",
        "tasks.view_supervisionnotice",
        "zichuan_heating.add_user",
        "zichuan_heating.change_user",
        "zichuan_heating.view_user",
        "acceptance.view_acceptance",
        "tasks.view_reportjob",
        "tasks.add_reportjob",
        "tasks.view_reminderlog",
        *SUBSIDY_PAGES,
        "visits.view_visitsample",
        "visits.view_visit",
        "visits.view_case",
        *METERING_PAGES,
    ],
}


def sync_role_groups() -> dict[str, int]:
    """Create the role groups and set exactly their permissions; returns changes per group.

    A handful of queries whatever the size of the table (every test's fixtures run it): the
    permissions are read at once, and only a group whose permissions differ is written.
    """
    from django.contrib.auth.models import Group, Permission

    wanted = {str(role): set(perms) for role, perms in ROLE_PERMISSIONS.items()}
    codenames = {dotted.split(".", 1)[1] for perms in wanted.values() for dotted in perms}
    pks = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.filter(
            codename__in=codenames
        ).values_list("pk", "content_type__app_label", "codename")
    }
    missing = sorted({d for perms in wanted.values() for d in perms} - pks.keys())
    if missing:
        raise Permission.DoesNotExist(f"role permissions that do not exist: {missing}")
    with transaction.atomic():
        groups = {g.name: g for g in Group.objects.filter(name__in=wanted)}
        created = [Group(name=name) for name in wanted if name not in groups]
        Group.objects.bulk_create(created)
        groups.update({g.name: g for g in created})
        through = Group.permissions.through
        current: dict[int, set[int]] = {}
        for group_id, permission_id in through.objects.filter(
            group__in=list(groups.values())
        ).values_list("group_id", "permission_id"):
            current.setdefault(group_id, set()).add(permission_id)
        changed: dict[str, int] = {}
        added = []
        for name, perms in wanted.items():
            group = groups[name]
            want, have = {pks[d] for d in perms}, current.get(group.pk, set())
            if want != have or group in created:
                if have - want:  # a group just made has nothing to remove: no DELETE
                    through.objects.filter(group=group).exclude(permission__in=want).delete()
                added += [through(group=group, permission_id=pk) for pk in want - have]
                changed[name] = len(want ^ have) + int(group in created)
        through.objects.bulk_create(added)
    return changed


def role_of(user: Any) -> str:
    """The user's one role group name, or "" when they hold none (or, wrongly, several)."""
    names = [name for name in user.role_names if name in Role.values]
    return names[0] if len(names) == 1 else ""


def role_grants(user: Any, perm: str) -> bool:
    """Whether the user's role grants `perm` ("app_label.codename").

    Superuser status and permissions given to the user directly do not count: duties that
    need two people (preparing and approving a payment batch) follow the role alone, so a
    superuser or an administrator cannot approve money without holding the finance role.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return any(perm in ROLE_PERMISSIONS.get(name, ()) for name in user.role_names)
