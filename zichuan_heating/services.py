"""Project-wide actions: in-app notifications."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from zichuan_heating.models import Notification, User


@transaction.atomic
def notification_send(
    *, recipients: Iterable[User], title: str, body: str = "", url: str = ""
) -> list[Notification]:
    """One notification per recipient, in one insert."""
    rows = [
        Notification(recipient=user, title=title[:200], body=body, url=url[:300])
        for user in {u.pk: u for u in recipients}.values()
    ]
    return Notification.objects.bulk_create(rows)


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def town_officials(town_id: int) -> list[User]:
    return list(User.objects.filter(town_id=town_id, is_active=True, groups__name="town_official"))


def users_with_role(role: str) -> list[User]:
    return list(User.objects.filter(is_active=True, groups__name=role))
