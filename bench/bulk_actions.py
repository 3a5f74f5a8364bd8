"""Benchmark: the ledger's bulk status actions over one town of N households (458: 洪山镇).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_season python -m bench.bulk_actions [N]

Migrates the database, loads the programme, COPYs N surveyed households into 洪山镇 (with a
contractor and a boiler, its plan approved), then runs 签约 → 开工 → 完工 over all of them
through `tasks.ledger.bulk.households_bulk` (the service rules per household, history rows,
one transaction each), and beside each the floor: a bare UPDATE of the same rows' status and
date. Everything is rolled back at the end. `--profile` prints cProfile's top functions.
"""

import argparse
import cProfile
import datetime
import os
import pstats
import sys
import time


def setup_django() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database (your own one).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zichuan_heating.settings_test")
    import django

    django.setup()


class Rollback(Exception):
    pass


def world(n: int):
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from bench.seed import households_insert
    from tasks.models import (
        Contractor,
        ContractorKind,
        EquipmentModel,
        Household,
        PlanStatus,
        Programme,
        Town,
        TownPlan,
    )
    from zichuan_heating.models import User
    from zichuan_heating.roles import Role, sync_role_groups

    programme = Programme.objects.get(year=2021)
    town = Town.objects.get(name="洪山镇")
    TownPlan.objects.create(
        programme=programme,
        town=town,
        revision=99,
        status=PlanStatus.APPROVED,
        approved_at=timezone.now(),
    )
    gas = Contractor.objects.create(name="bench-gas", kind=ContractorKind.GAS)
    boiler = EquipmentModel.objects.create(
        route="gas", brand="bench", model="B1", price_cap="4200.00", is_active=True
    )
    households_insert(
        n, programme=programme, town_codes=[town.code], status_mix=[("surveyed", 1)], seed=3
    )
    qs = Household.objects.filter(programme=programme, town=town)
    qs.update(contractor=gas, equipment=boiler, route="gas", contract_signed_on=None)
    user = User.objects.create(username="bench-official", town=town)
    sync_role_groups()
    user.groups.add(Group.objects.get(name=str(Role.TOWN_OFFICIAL)))
    return programme, town, user, qs


STEPS = [
    ("contract", "签约", "surveyed", "contracted", "contract_signed_on"),
    ("start", "开工", "contracted", "under_construction", "construction_started_on"),
    ("complete", "完工", "under_construction", "built", "construction_completed_on"),
]


def run(n: int, profile: bool) -> None:
    from django.db import connection, transaction

    from tasks.ledger.bulk import households_bulk, selected_households
    from tasks.models import Household

    day = datetime.date(2021, 7, 1)
    rows = []
    try:
        with transaction.atomic():
            programme, _town, user, qs = world(n)
            ids = list(qs.values_list("id", flat=True))
            for action, label, source, target, field in STEPS:
                # the floor: the same rows moved by one bare UPDATE, undone at once
                with transaction.atomic():
                    t0 = time.perf_counter()
                    with connection.cursor() as c:
                        c.execute(
                            f"UPDATE {Household._meta.db_table} SET status = %s, {field} = %s"
                            " WHERE id = ANY(%s) AND status = %s",
                            [target, day, ids, source],
                        )
                    floor = time.perf_counter() - t0
                    transaction.set_rollback(True)
                households = selected_households(user, programme, ids=ids)
                prof = cProfile.Profile() if profile else None
                t0 = time.perf_counter()
                if prof:
                    prof.enable()
                result = households_bulk(households=households, action=action, by=user, day=day)
                if prof:
                    prof.disable()
                secs = time.perf_counter() - t0
                rows.append((label, len(result.done), len(result.refused), secs, floor))
                if prof:
                    pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
            raise Rollback
    except Rollback:
        pass
    print(f"\nbulk actions over {n} households of one town (PostgreSQL, one transaction each)")
    print(f"{'action':<6} {'done':>5} {'refused':>7} {'bulk s':>8} {'floor s':>8} {'ratio':>6}")
    for label, done, refused, secs, floor in rows:
        ratio = secs / floor if floor else float("inf")
        print(f"{label:<6} {done:>5} {refused:>7} {secs:>8.2f} {floor:>8.3f} {ratio:>6.0f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=458)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command

    from tasks.services import programme_data_load

    call_command("migrate", verbosity=0)
    programme_data_load()
    run(args.n, args.profile)


if __name__ == "__main__":
    main()
