"""Reads for the user page: the searchable user list and the role-change record."""

from django.db.models import Q, QuerySet

from zichuan_heating.models import RoleChange, User


def users_search(q: str = "") -> QuerySet[User]:
    qs = User.objects.select_related("town").prefetch_related("groups").order_by("username")
    q = q.strip()
    if q:
        qs = qs.filter(
            Q(username__icontains=q)
            | Q(last_name__icontains=q)
            | Q(first_name__icontains=q)
            | Q(email__icontains=q)
            | Q(town__name__icontains=q)
        )
    return qs


def role_changes(user: User | None = None) -> QuerySet[RoleChange]:
    qs = RoleChange.objects.select_related("user", "changed_by", "from_town", "to_town")
    return qs.filter(user=user) if user is not None else qs
