"""Benchmark of the plan workflow and the district's pages at the 2021 scale.

Nine towns, one plan line per village (12 villages a town, routes as bench.generate draws
them), each town taken through `--revisions` approved revisions; then the overview, review
queue, plan detail (with its diff) and dashboard are timed with their query counts.

    DATABASE_URL=sqlite:////tmp/bench_plans.sqlite3 python -m bench.plans --revisions 4

Use a scratch database: the script migrates it and writes plans into it.
"""

import argparse
import datetime
import os
import statistics
import sys
import time


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zichuan_heating.settings_test")
    if "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL to a scratch database.")
    import django

    django.setup()
    from django.core.management import call_command

    from tasks.models import TownPlan
    from tasks.services import programme_data_load
    from zichuan_heating.roles import sync_role_groups

    call_command("migrate", verbosity=0)
    programme_data_load()
    sync_role_groups()
    if TownPlan.objects.exists():
        sys.exit("The database already holds plans; use a fresh scratch database.")


def _user(name: str, role, town=None):
    from django.contrib.auth.models import Group

    from zichuan_heating.models import User

    u, _ = User.objects.get_or_create(username=name, defaults={"town": town})
    u.groups.add(Group.objects.get(name=role.value))
    return User.objects.get(pk=u.pk)


def _lines(town, quota: int, contractor) -> list[dict]:
    """One valid line per village (12 villages), adding up to the town's quota."""
    from bench.generate import village_names
    from tasks.models import Village

    villages = [
        Village.objects.get_or_create(town=town, name=n)[0] for n in village_names(town.code, 12)
    ]
    sizes = [quota // len(villages)] * len(villages)
    sizes[-1] += quota - sum(sizes)
    return [
        {
            "village": v,
            "route": ("gas", "electric", "central")[i % 3],
            "households": n,
            "planned_start": datetime.date(2021, 6, 20),
            "planned_finish": datetime.date(2021, 8, 20),
            "contractor": contractor,
            "contractor_safety_officer": "张安全",
            "contractor_safety_phone": "13905331111",
            "village_safety_officer": "李村",
            "village_safety_phone": "13905332222",
        }
        for i, (v, n) in enumerate(zip(villages, sizes, strict=True))
    ]


def _run_workflow(programme, district, revisions: int, timings: dict[str, list[float]]) -> list:
    """Each town through `revisions` approved revisions; the services timed."""
    from bench.generate import TOWNS
    from tasks.models import Contractor, Town
    from tasks.plans import services as ps
    from zichuan_heating.roles import Role

    contractor, _ = Contractor.objects.get_or_create(name="淄川燃气公司", defaults={"kind": "gas"})
    towns = []
    for code, _name, quota in TOWNS:
        town = Town.objects.get(code=code)
        official = _user(f"bench-{code}", Role.TOWN_OFFICIAL, town)
        lines = _lines(town, quota, contractor)
        plan = ps.plan_create(
            programme=programme,
            town=town,
            by=official,
            lines=lines,
            summary="分村实施。",
            emergency_arrangements="值班电话 5180000。",
        )
        for r in range(revisions):
            t = time.perf_counter()
            ps.plan_submit(plan=plan, by=official)
            timings["submit"].append(time.perf_counter() - t)
            t = time.perf_counter()
            ps.plan_approve(plan=plan, by=district)
            timings["approve"].append(time.perf_counter() - t)
            if r < revisions - 1:
                lines[0]["households"] += 1
                lines[-1]["households"] -= 1
                t = time.perf_counter()
                plan = ps.plan_update(plan=plan, by=official, lines=lines, summary=f"第{r + 2}版")
                timings["revise"].append(time.perf_counter() - t)
        towns.append((town, plan))
    return towns


def _measure_reads(programme, district, pending, repeat: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from tasks.plans import queries as pq

    today = datetime.date(2021, 7, 16)

    def measure(label, fn):
        best, queries = None, 0
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                fn()
                elapsed = time.perf_counter() - t
            best = elapsed if best is None else min(best, elapsed)
            queries = len(ctx.captured_queries)
        print(f"{label:34s} best {best * 1000:7.1f} ms  {queries:3d} queries")

    submission = pending.submissions.get()
    previous = pq.previous_submission(submission)
    measure("query plan_states", lambda: pq.plan_states(programme, district, today))
    measure("query town_overview", lambda: pq.town_overview(programme, district, today))
    measure("query review_queue", lambda: pq.review_queue(programme))
    measure(
        "query snapshot_diff (12 lines)",
        lambda: pq.snapshot_diff(previous.snapshot, submission.snapshot),
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(district)
    for label, url in (
        ("page overview", reverse("plans:plan_overview")),
        ("page review queue", reverse("plans:plan_review_queue")),
        ("page plan detail with diff", reverse("plans:plan_detail", args=[pending.pk])),
        ("page dashboard", reverse("progress:dashboard")),
    ):
        assert client.get(url).status_code == 200, url
        measure(label, lambda url=url: client.get(url))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--revisions", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    _setup()
    from tasks.models import Programme, TownPlan
    from tasks.plans import services as ps
    from zichuan_heating.models import User
    from zichuan_heating.roles import Role

    programme = Programme.objects.get(year=2021)
    district = _user("bench-district", Role.DISTRICT_OFFICE)
    timings: dict[str, list[float]] = {"submit": [], "approve": [], "revise": []}
    towns = _run_workflow(programme, district, args.revisions, timings)

    # One town with a pending revision, so the review queue and the diff have work to do.
    town, plan = towns[1]
    official = User.objects.get(username=f"bench-{town.code}")
    pending = ps.plan_update(plan=plan, by=official, summary="待审修订")
    ps.plan_submit(plan=pending, by=official)

    lines_total = sum(p.lines.count() for _t, p in towns)
    print(
        f"towns {len(towns)}, revisions each {args.revisions}, "
        f"plan rows {TownPlan.objects.count()}, lines in force {lines_total}"
    )
    for name, values in timings.items():
        if values:
            print(
                f"service {name:8s} median {statistics.median(values) * 1000:7.1f} ms"
                f"  max {max(values) * 1000:7.1f} ms  (n={len(values)})"
            )
    _measure_reads(programme, district, pending, args.repeat)


if __name__ == "__main__":
    main()
