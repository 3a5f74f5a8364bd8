"""Benchmark: the daily reminder run at 10,000 and 1,000,000 households (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_jobs python -m bench.reminders

Prints the wall time and the number of SQL queries of one run at each size (targets: < 30 s
at a million; the same query count at both sizes). E-mails go to Django's in-memory backend.
Households, reminder logs and the bench users are deleted again at the end.
"""

import datetime
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zichuan_heating.settings")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from bench.seed import clear_households, households_insert  # noqa: E402
from tasks.models import Household, Programme, ReminderLog, Town  # noqa: E402
from tasks.progress.reminders import reminders_send  # noqa: E402
from zichuan_heating.models import Notification, User  # noqa: E402

DAY = datetime.date(2021, 8, 29)  # one day before the construction milestone


def one_run(programme: Programme, size: int) -> None:
    ReminderLog.objects.filter(programme=programme).delete()
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        sent = reminders_send(programme=programme, today=DAY)
        elapsed = time.perf_counter() - started
    print(
        f"{size:>9,} households: reminder run {elapsed:.2f} s, {len(ctx.captured_queries)} SQL "
        f"queries, {len(sent)} reminders sent"
    )


def main() -> None:
    setup_test_environment()  # locmem outbox
    call_command("bootstrap", verbosity=0)
    programme = Programme.objects.get(year=2021)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    users = []
    for town in Town.objects.all():
        user, _ = User.objects.get_or_create(
            username=f"bench-{town.code}",
            defaults={"email": f"{town.code}@bench.local", "town": town},
        )
        user.groups.add(Group.objects.get(name="town_official"))
        users.append(user)
    office, _ = User.objects.get_or_create(
        username="bench-office", defaults={"email": "o@bench.local"}
    )
    office.groups.add(Group.objects.get(name="district_office"))
    users.append(office)
    try:
        clear_households(programme)
        seconds = households_insert(10_000, programme=programme, seed=3)
        print(f"inserted 10,000 households in {seconds:.1f} s")
        one_run(programme, 10_000)
        clear_households(programme)
        # The same seed: the first 10,000 are the same households, IDs stay unique.
        seconds = households_insert(1_000_000, programme=programme, seed=3)
        print(f"inserted 1,000,000 households in {seconds:.1f} s")
        one_run(programme, Household.objects.count())
    finally:
        ReminderLog.objects.filter(programme=programme).delete()
        Notification.objects.filter(recipient__in=users).delete()
        clear_households(programme)
        for user in users:
            user.delete()


if __name__ == "__main__":
    main()
