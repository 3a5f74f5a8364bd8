"""Acceptance queries and the register export at programme scale and beyond.

Inserts N generated households (bench/generate.py) with completion and commissioning records
inside one transaction, times the reads the pages and the subsidy module use, and rolls
everything back. Run against your own database, e.g.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_acceptance \
        python -m bench.acceptance 2198 21980

(run `python manage.py migrate` on that database first).
"""

import os
import sys
import time

import django


def main(sizes: list[int]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zichuan_heating.settings")
    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from acceptance.models import Acceptance, ChecklistResult, Inspector
    from bench.generate import households
    from tasks.models import (
        Contractor,
        ContractorKind,
        Household,
        HouseholdStatus,
        PlanStatus,
        Programme,
        Town,
        TownPlan,
        Village,
    )
    from tasks.services import programme_data_load
    from zichuan_heating.models import User

    programme_data_load()
    print(f"database: {connection.vendor}")
    for n in sizes:
        try:
            with transaction.atomic():
                programme = Programme.objects.get(year=2021)
                towns = {t.code: t for t in Town.objects.all()}
                for t in towns.values():
                    TownPlan.objects.get_or_create(
                        programme=programme,
                        town=t,
                        revision=99,
                        defaults={"status": PlanStatus.APPROVED, "approved_at": timezone.now()},
                    )
                gas, _ = Contractor.objects.get_or_create(
                    name="bench-gas", defaults={"kind": ContractorKind.GAS}
                )
                user = User.objects.create(username="bench-district", is_superuser=True)
                started = time.perf_counter()
                villages: dict[tuple[str, str], Village] = {}
                rows = []
                for i, row in enumerate(households(n, seed=7)):
                    key = (row.town_code, row.village)
                    if key not in villages:
                        villages[key], _ = Village.objects.get_or_create(
                            town=towns[row.town_code], name=row.village
                        )
                    # 60 % accepted, 25 % completion passed, 10 % failed, 5 % awaiting.
                    bucket = i % 20
                    status = HouseholdStatus.ACCEPTED if bucket < 12 else HouseholdStatus.BUILT
                    rows.append(
                        Household(
                            programme=programme,
                            town=towns[row.town_code],
                            village=villages[key],
                            head_name=row.head_name,
                            id_number=row.id_number,
                            id_tail=row.id_number[-6:],
                            route="gas",
                            contractor=gas,
                            status=status,
                        )
                    )
                Household.objects.bulk_create(rows, batch_size=2000)
                saved = list(Household.objects.filter(programme=programme).order_by("pk"))
                day = programme.acceptance_due
                records = []
                for i, h in enumerate(saved):
                    bucket = i % 20
                    if bucket < 17:
                        records.append(
                            Acceptance(household=h, kind="completion", date=day, result="pass")
                        )
                    if bucket < 12:
                        records.append(
                            Acceptance(household=h, kind="commissioning", date=day, result="pass")
                        )
                    elif bucket < 17 and bucket >= 15:
                        records.append(
                            Acceptance(
                                household=h,
                                kind="commissioning",
                                date=day,
                                result="fail",
                                defects="报警器未装",
                                rectification_deadline=day,
                            )
                        )
                Acceptance.objects.bulk_create(records, batch_size=2000)
                inspectors, items = [], []
                for r in Acceptance.objects.filter(household__programme=programme):
                    inspectors += [
                        Inspector(acceptance=r, name="张三", organisation="村委会"),
                        Inspector(
                            acceptance=r, name="李四", organisation="bench-gas", is_contractor=True
                        ),
                    ]
                    items += [
                        ChecklistResult(acceptance=r, item=code, passed=r.result == "pass")
                        for code in (
                            "gas_pipe_pressure",
                            "gas_leak",
                            "gas_alarm",
                            "gas_flue",
                            "gas_boiler_runs",
                        )
                    ]
                Inspector.objects.bulk_create(inspectors, batch_size=5000)
                ChecklistResult.objects.bulk_create(items, batch_size=5000)
                if connection.vendor == "postgresql":
                    # Fresh rows have no planner statistics yet; a live database has them.
                    with connection.cursor() as cursor:
                        for table in (
                            "tasks_household",
                            "acceptance_acceptance",
                            "acceptance_rectification",
                        ):
                            cursor.execute(f"ANALYZE {table}")
                print(
                    f"\n{n} households, {len(records)} records inserted in "
                    f"{time.perf_counter() - started:.1f} s"
                )

                _measure(programme, user, towns["hongshan"])
                raise _Rollback
        except _Rollback:
            pass


def _timed(label, fn, repeat=3):
    """Best wall time of `repeat` runs, and this process's CPU time for that run (the
    machine is shared: wall time includes waiting for the database and for a core)."""
    best, cpu = float("inf"), 0.0
    result = None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        wall = time.perf_counter() - t0
        if wall < best:
            best, cpu = wall, time.process_time() - c0
    print(f"  {label:<48} {best * 1000:8.1f} ms wall {cpu * 1000:8.1f} ms cpu")
    return result


def _measure(programme, user, hongshan) -> None:
    from acceptance import exports, queries

    count = _timed(
        "accepted_households(programme).count()",
        lambda: queries.accepted_households(programme).count(),
    )
    _timed(
        "accepted_households ids (list)",
        lambda: list(queries.accepted_households(programme).values_list("pk", flat=True)),
    )
    rows = _timed(
        "acceptance_progress_by_town (9 towns)",
        lambda: queries.acceptance_progress_by_town(programme, user),
    )
    _timed(
        "awaiting list, first page of 50",
        lambda: list(queries.households_awaiting_acceptance(user, programme)[:50]),
    )
    _timed(
        "awaiting list, rectifying filter count",
        lambda: queries.households_awaiting_acceptance(user, programme, state="rectifying").count(),
    )
    n_records = queries.acceptance_register_rows(user, programme, hongshan.pk).count()
    content = _timed(
        f"register xlsx, 洪山镇 ({n_records} records)",
        lambda: exports.acceptance_register_xlsx(
            queries.acceptance_register_rows(user, programme, hongshan.pk), full_id=False
        ),
        repeat=1,
    )
    hongshan_accepted = next(r.accepted for r in rows if r.town_code == "hongshan")
    print(
        f"  accepted: {count}; 洪山镇 accepted {hongshan_accepted}; xlsx {len(content) // 1024} KiB"
    )


class _Rollback(Exception):
    pass


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [2198])
