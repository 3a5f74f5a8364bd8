"""Benchmark: the safety overview by town and the overdue-reminder read at 200,000 findings.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_safety python -m bench.safety [N]

N findings (default 200,000) in N/10 inspections spread over every town's villages, a third
open (half of those overdue), a third rectified, a third verified. Prints, measured in one run,
the project's figure beside its floor (the same counts by one hand-written SQL statement), and
the query count. Everything it inserts is deleted at the end.
"""

import datetime
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zichuan_heating.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from tasks.models import Village  # noqa: E402
from visits.models import FindingState, HazardFinding, HazardInspection  # noqa: E402
from visits.safety.queries import overdue_findings_by_town, safety_by_town  # noqa: E402
from zichuan_heating.models import User  # noqa: E402

TODAY = datetime.date(2026, 12, 1)
STATES = (FindingState.OPEN, FindingState.RECTIFIED, FindingState.VERIFIED)

FLOOR_SQL = """
SELECT i.town_id,
       count(*) FILTER (WHERE f.state = 'open'),
       count(*) FILTER (WHERE f.state = 'open' AND f.deadline < %s),
       count(*) FILTER (WHERE f.state = 'rectified'),
       count(*) FILTER (WHERE f.state = 'verified')
FROM visits_hazardfinding f JOIN visits_hazardinspection i ON i.id = f.inspection_id
GROUP BY i.town_id
"""
FLOOR_OVERDUE_SQL = """
SELECT f.id, f.description, f.deadline, i.town_id, v.name
FROM visits_hazardfinding f JOIN visits_hazardinspection i ON i.id = f.inspection_id
JOIN tasks_village v ON v.id = i.village_id
WHERE f.state = 'open' AND f.deadline < %s ORDER BY i.town_id, f.deadline, f.id
"""


def insert(n: int, user: User, verifier: User) -> None:
    villages = list(Village.objects.order_by("id"))
    inspections = HazardInspection.objects.bulk_create(
        [
            HazardInspection(
                town_id=villages[i % len(villages)].town_id,
                village=villages[i % len(villages)],
                inspected_on=TODAY - datetime.timedelta(days=i % 60),
                inspectors="bench",
                recorded_by=user,
            )
            for i in range(n // 10)
        ],
        batch_size=5000,
    )
    findings, now = [], timezone.now()
    for k in range(n):
        inspection = inspections[k // 10]
        state = STATES[k % 3]
        done = state != FindingState.OPEN
        found = inspection.inspected_on
        findings.append(
            HazardFinding(
                inspection=inspection,
                description="燃气软管老化",
                severity="general",
                found_on=found,
                deadline=found + datetime.timedelta(days=(k // 3) % 60),
                state=state,
                rectification="已更换" if done else "",
                rectified_on=found if done else None,
                rectified_by=user if done else None,
                verified_at=now if state == FindingState.VERIFIED else None,
                verified_by=verifier if state == FindingState.VERIFIED else None,
            )
        )
    HazardFinding.objects.bulk_create(findings, batch_size=5000)


def timed(fn, *args):
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        result = fn(*args)
        elapsed = time.perf_counter() - started
    return result, elapsed, len(ctx.captured_queries)


def floor(sql: str) -> tuple[list, float]:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, [TODAY])
        rows = cursor.fetchall()
    return rows, time.perf_counter() - started


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    call_command("bootstrap", verbosity=0)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    user, _ = User.objects.get_or_create(username="bench-safety")
    verifier, _ = User.objects.get_or_create(username="bench-safety-verifier")
    try:
        started = time.perf_counter()
        insert(n, user, verifier)
        print(f"inserted {n:,} findings in {time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE visits_hazardfinding; ANALYZE visits_hazardinspection")
        rows, seconds, queries = timed(safety_by_town, None, TODAY)
        floor_rows, floor_seconds = floor(FLOOR_SQL)
        assert sum(r.open for r in rows) == sum(r[1] for r in floor_rows)
        print(
            f"overview by town: {seconds * 1000:.0f} ms ({queries} queries)  "
            f"floor (one GROUP BY): {floor_seconds * 1000:.0f} ms"
        )
        overdue, seconds, queries = timed(overdue_findings_by_town, TODAY)
        floor_rows, floor_seconds = floor(FLOOR_OVERDUE_SQL)
        assert sum(len(v) for v in overdue.values()) == len(floor_rows)
        print(
            f"overdue findings ({len(floor_rows):,}): {seconds * 1000:.0f} ms ({queries} queries)  "
            f"floor (one SELECT, tuples): {floor_seconds * 1000:.0f} ms"
        )
    finally:
        # Raw deletes: a queryset delete would write a history row per finding.
        HazardFinding.objects.filter(inspection__recorded_by=user)._raw_delete(connection.alias)
        HazardInspection.objects.filter(recorded_by=user)._raw_delete(connection.alias)
        user.delete()
        verifier.delete()


if __name__ == "__main__":
    main()
