"""What every stage of the demo shares: the cast, the calendar of 2021 and back-dating."""

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone

from tasks.models import Programme, Town
from zichuan_heating.models import User

#: The one seed of the demo: the same run produces the same names, ID numbers and dates.
SEED = 2021

Progress = Callable[[str], None]


@dataclass
class Cast:
    """The demo users who act in the programme, and the day the demo stands on."""

    programme: Programme
    today: datetime.date
    district: User
    finance: User
    finance2: User
    officials: dict[str, User]
    towns: list[Town]
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))

    @classmethod
    def load(cls, programme: Programme, today: datetime.date) -> "Cast":
        users = {u.username: u for u in User.objects.all()}
        towns = list(Town.objects.order_by("order", "code"))
        return cls(
            programme=programme,
            today=today,
            district=users["district"],
            finance=users["finance"],
            finance2=users["finance2"],
            officials={t.code: users[f"official-{t.code}"] for t in towns},
            towns=towns,
        )


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """An office-hours moment of `day` in the project's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def backdate(queryset: Any, **fields: Any) -> int:
    """DEMO BACK-DATING: the services stamp "now"; the demo's story happened in the past, so
    the timestamps are rewritten after the fact with one UPDATE. Only the demo does this."""
    return queryset.update(**fields)


def fresh_statistics() -> None:
    """PostgreSQL: ANALYZE what the demo has written so far. The demo is one transaction, so
    autovacuum never sees its rows; without statistics the planner takes each table for empty
    and joins the households with their passes by a nested loop over every pair (half a
    second a batch at 2,200 households). ANALYZE in a transaction samples its own rows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
