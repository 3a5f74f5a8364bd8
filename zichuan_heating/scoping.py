"""Town scoping, written once: every view that reads a town's data goes through here.

A model whose rows belong to a town uses `TownScopedQuerySet.as_manager()` and names the path
to the town's id in `town_field` (on the model; the default is its own `town_id`). Rows that
belong to a household use `HouseholdScopedQuerySet`, which names the household's town once. A
town official sees only their town; roles holding
`tasks.view_all_towns` see every town; anyone else sees nothing. Fetching another town's
object through `get_for_user_or_404` is a 404, never a 403, so ids do not leak.
"""

from typing import Any, TypeVar

from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404

M = TypeVar("M", bound=models.Model)


def sees_all_towns(user: Any) -> bool:
    """Who sees every town: the one rule (district office, finance, administrators)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.has_perm("tasks.view_all_towns"))
    )


class TownScopedQuerySet(models.QuerySet):
    #: Path from this model to the town's primary key, e.g. "town_id" or "household__town_id".
    town_field = "town_id"

    def for_user(self, user: Any) -> "TownScopedQuerySet":
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if sees_all_towns(user):
            return self
        if user.town_id:
            return self.filter(**{self.model_town_field(): user.town_id})
        return self.none()

    def for_town(self, town_id: int) -> "TownScopedQuerySet":
        return self.filter(**{self.model_town_field(): town_id})

    def model_town_field(self) -> str:
        return getattr(self.model, "town_field", self.town_field)


class HouseholdScopedQuerySet(TownScopedQuerySet):
    """Rows that belong to a household (instalments, meters, acceptance records…): its town."""

    town_field = "household__town_id"


def scoped(model_or_qs: type[M] | models.QuerySet, user: Any) -> models.QuerySet:
    qs = (
        model_or_qs
        if isinstance(model_or_qs, models.QuerySet)
        else model_or_qs._default_manager.all()
    )
    if not hasattr(qs, "for_user"):
        raise TypeError(f"{qs.model.__name__} is not town-scoped")
    return qs.for_user(user)


def get_for_user_or_404(model_or_qs: type[M] | models.QuerySet, user: Any, **lookup: Any) -> M:
    """The object if it is within the user's towns; otherwise 404."""
    return get_object_or_404(scoped(model_or_qs, user), **lookup)


def check_town_allowed(user: Any, town_id: int | None) -> None:
    """Raise 404 when a town official names a town that is not theirs (e.g. in a filter)."""
    if town_id is None or sees_all_towns(user):
        return
    if user.town_id != town_id:
        raise Http404
