"""Put generated households into the database fast, for benchmarks and big tests.

Rows come from `bench.generate.households`; villages are created per town; statuses follow
a fixed, seeded mix so that every stage has households. PostgreSQL gets COPY, SQLite
bulk_create in chunks (no history rows, no signals: benchmark data, not a ledger change).
"""

import datetime
import random
import time

from django.db import connection, transaction
from django.utils import timezone

from bench.generate import TOWNS, households, village_names

TOWN_CODES = [code for code, _, _ in TOWNS]

#: Status mix of generated households (weights): most are built or accepted by autumn.
STATUS_MIX = [
    ("surveyed", 5),
    ("contracted", 10),
    ("under_construction", 15),
    ("built", 30),
    ("accepted", 38),
    ("withdrawn", 2),
]


def households_insert(
    n: int,
    *,
    programme,
    seed: int = 0,
    town_codes: list[str] | None = None,
    chunk: int = 5000,
    status_mix: list[tuple[str, int]] | None = None,
) -> float:
    """Insert n generated households into `programme`; returns the seconds it took.

    With `town_codes`, every household goes to those towns (in turn), e.g. a 20,000-household
    annex for one town.
    """
    from tasks.models import Household, Town, Village

    started = time.perf_counter()
    rng = random.Random(seed)
    mix = status_mix or STATUS_MIX
    statuses = [s for s, _ in mix]
    weights = [w for _, w in mix]
    towns = {t.code: t for t in Town.objects.all()}
    villages: dict[tuple[int, str], int] = {
        (v.town_id, v.name): v.pk for v in Village.objects.all()
    }
    if connection.vendor == "postgresql":
        _copy(n, programme, seed, town_codes, rng, statuses, weights, towns, villages)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tasks_household")
        return time.perf_counter() - started
    batch: list = []
    with transaction.atomic():
        for i, row in enumerate(households(n, seed)):
            code = town_codes[i % len(town_codes)] if town_codes else row.town_code
            town = towns[code]
            key = (town.pk, row.village)
            if key not in villages:
                villages[key] = Village.objects.create(town=town, name=row.village).pk
            status = rng.choices(statuses, weights)[0]
            batch.append(
                Household(
                    programme=programme,
                    town_id=town.pk,
                    village_id=villages[key],
                    head_name=row.head_name,
                    id_number=row.id_number,
                    id_tail=row.id_number[-6:],
                    phone=row.phone,
                    address=row.address[:200],
                    size=row.size,
                    route=row.route,
                    status=status,
                    withdrawal_reason="迁出" if status == "withdrawn" else "",
                    contract_signed_on=row.signed_on,
                    construction_completed_on=row.completed_on
                    if status in ("built", "accepted")
                    else None,
                )
            )
            if len(batch) >= chunk:
                Household.objects.bulk_create(batch)
                batch = []
        if batch:
            Household.objects.bulk_create(batch)
    return time.perf_counter() - started


COPY_COLUMNS = (
    "programme_id, town_id, village_id, head_name, id_number, id_tail, phone, address, size, "
    "route, status, status_before_withdrawal, withdrawal_reason, contract_signed_on, "
    "construction_completed_on, notes, created_at, updated_at"
)


def _copy(n, programme, seed, town_codes, rng, statuses, weights, towns, villages) -> None:
    """COPY FROM STDIN through psycopg 3: a million rows in well under a minute."""
    from tasks.models import Village

    # Villages first: nothing else may run on the connection while COPY is open.
    names = {code: village_names(code, 12) for code in TOWN_CODES}
    for code in town_codes or TOWN_CODES:
        wanted = {n for c in TOWN_CODES for n in names[c]} if town_codes else set(names[code])
        for name in wanted:
            key = (towns[code].pk, name)
            if key not in villages:
                villages[key] = Village.objects.create(town=towns[code], name=name).pk
    now = timezone.now()
    sql = f"COPY tasks_household ({COPY_COLUMNS}) FROM STDIN"
    with transaction.atomic(), connection.cursor() as cursor, cursor.copy(sql) as copy:
        for i, row in enumerate(households(n, seed)):
            code = town_codes[i % len(town_codes)] if town_codes else row.town_code
            town = towns[code]
            key = (town.pk, row.village)
            status = rng.choices(statuses, weights)[0]
            completed: datetime.date | None = (
                row.completed_on if status in ("built", "accepted") else None
            )
            copy.write_row(
                (
                    programme.pk,
                    town.pk,
                    villages[key],
                    row.head_name,
                    row.id_number,
                    row.id_number[-6:],
                    row.phone,
                    row.address[:200],
                    row.size,
                    row.route,
                    status,
                    "",
                    "迁出" if status == "withdrawn" else "",
                    row.signed_on,
                    completed,
                    "",
                    now,
                    now,
                )
            )


def clear_households(programme) -> int:
    """Delete a programme's households in one statement (no collector: a million rows)."""
    from tasks.models import Household

    qs = Household.objects.filter(programme=programme)
    return qs._raw_delete(qs.db)


def commission_accepted(programme) -> int:
    """Give each accepted household without one a passed commissioning record, in one statement.

    "Accepted" is `acceptance.queries.accepted_households`: the status AND a valid passed
    commissioning, as the acceptance service leaves it; benchmark households get the record
    the service would have written. (Households with records cannot go through
    `clear_households`; the subsidy benchmarks truncate instead.)
    """
    from acceptance.models import Acceptance, AcceptanceKind, AcceptanceResult
    from tasks.models import Household, HouseholdStatus

    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Fresh statistics first: with none (a table just filled or emptied) the planner
            # runs the NOT EXISTS below as a nested loop, quadratic in the households.
            cursor.execute(f"ANALYZE {Household._meta.db_table}, {Acceptance._meta.db_table}")
            # And no nested loop at all: with an empty acceptance table the planner may still
            # scan it once per household, and the scan reads the rows this INSERT adds (not
            # visible, but on its pages): 380,000 households ran for over 11 minutes.
            cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(
            f"INSERT INTO {Acceptance._meta.db_table} (household_id, kind, date, result, "
            "defects, created_at, revoked, revoke_reason) "
            "SELECT h.id, %s, COALESCE(h.construction_completed_on, %s), %s, '', %s, %s, '' "
            f"FROM {Household._meta.db_table} h WHERE h.programme_id = %s AND h.status = %s "
            f"AND NOT EXISTS (SELECT 1 FROM {Acceptance._meta.db_table} a "
            "WHERE a.household_id = h.id AND a.kind = %s)",
            [
                AcceptanceKind.COMMISSIONING,
                now.date(),
                AcceptanceResult.PASS,
                now,
                False,
                programme.pk,
                HouseholdStatus.ACCEPTED,
                AcceptanceKind.COMMISSIONING,
            ],
        )
        return cursor.rowcount


def inspect_some_built(programme, *, passed: int = 15, failed: int = 4) -> int:
    """Give `passed` % of the built households without a record a completion pass and
    `failed` % a failed completion inspection, half of those rectified (by household id, so
    the same households every time): the awaiting list's tabs then hold what a programme in
    its acceptance weeks has. PostgreSQL only, in two statements; the acceptance app's
    triggers set each household's progress. Returns the records added."""
    from acceptance.models import Acceptance, Rectification
    from tasks.models import Household, HouseholdStatus

    now = timezone.now()
    records, households = Acceptance._meta.db_table, Household._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {households}, {records}")
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(
            f"INSERT INTO {records} (household_id, kind, date, result, defects, "
            "rectification_deadline, created_at, revoked, revoke_reason) "
            "SELECT h.id, 'completion', d.day, "
            "CASE WHEN h.id %% 100 < %s THEN 'fail' ELSE 'pass' END, "
            "CASE WHEN h.id %% 100 < %s THEN '燃气报警器未安装' ELSE '' END, "
            "CASE WHEN h.id %% 100 < %s THEN d.day + 7 END, %s, false, '' "
            f"FROM {households} h CROSS JOIN LATERAL "
            "(SELECT COALESCE(h.construction_completed_on, %s) AS day) d "
            "WHERE h.programme_id = %s AND h.status = %s AND h.id %% 100 < %s "
            f"AND NOT EXISTS (SELECT 1 FROM {records} a WHERE a.household_id = h.id)",
            [
                failed,
                failed,
                failed,
                now,
                now.date(),
                programme.pk,
                HouseholdStatus.BUILT,
                failed + passed,
            ],
        )
        added = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {Rectification._meta.db_table} (acceptance_id, description, date, "
            "created_at) SELECT a.id, '已补装燃气报警器', a.date + 3, %s "
            f"FROM {records} a WHERE a.result = 'fail' AND NOT a.revoked AND a.id %% 2 = 0 "
            f"AND NOT EXISTS (SELECT 1 FROM {Rectification._meta.db_table} r "
            "WHERE r.acceptance_id = a.id)",
            [now],
        )
        cursor.execute(f"ANALYZE {households}, {records}")
    return added
