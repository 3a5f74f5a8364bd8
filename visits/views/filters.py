"""What the visit and case lists share: a number from the query string, the town filter."""

from typing import Any

from django.http import HttpRequest

from tasks.models import Town
from zichuan_heating.scoping import check_town_allowed


def number(value: str | None) -> int | None:
    """A whole number from the query string, or None for anything else (never an error)."""
    return int(value) if value and value.isdigit() and len(value) < 10 else None


def town_filter(request: HttpRequest) -> tuple[int | None, Any]:
    """The town a list is narrowed to (`?town=<id>`; one the user may not see is refused by
    `check_town_allowed`) and the towns to choose from (none for a town's own staff)."""
    town_id = number(request.GET.get("town"))
    check_town_allowed(request.user, town_id)
    towns = Town.objects.order_by("order", "code") if request.user.sees_all_towns else []
    return town_id, towns
