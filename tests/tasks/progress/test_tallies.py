"""The tallies the dashboard reads equal a recount from the households and the acceptance
records after every move of a seeded random walk through the real services: import, single
and bulk contract/start/complete, withdrawal and restoration, a village move, a deletion,
inspections passed and failed, rectifications and revocations. Runs on whichever database the
suite runs on (PostgreSQL: statement triggers; SQLite: row triggers)."""

import contextlib
import datetime
import random
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from acceptance.models import Acceptance, AcceptanceKind, ProgressTally
from acceptance.queries import acceptance_progress_by_town, accepted_by_day
from acceptance.services import acceptance_revoke
from tasks.ledger import services
from tasks.ledger.bulk import households_bulk
from tasks.ledger.importing import Scope, import_ledger
from tasks.models import (
    Contractor,
    Household,
    HouseholdStatus,
    HouseholdTally,
    StageDayTally,
    Village,
)
from tasks.progress import queries
from tasks.progress.chart_queries import stage_days
from tasks.progress.queries import STAGE_STATUSES
from tasks.progress.tally_sql import DATED_STAGES
from tests.acceptance.conftest import inspect, progress_from_records, rectify, team
from tests.factories import HouseholdFactory
from tests.tasks.ledger.ledger_files import IDS, ledger_setup, row, xlsx  # noqa: F401

S = HouseholdStatus
COMPLETION = AcceptanceKind.COMPLETION
COMMISSIONING = AcceptanceKind.COMMISSIONING
CONTRACTOR = "淄川区燃气有限公司"


def _tallied() -> tuple[Counter, Counter, Counter, dict]:
    households = Counter(
        {
            (p, t, v, s): n
            for p, t, v, s, n in HouseholdTally.objects.filter(n__gt=0).values_list(
                "programme_id", "town_id", "village_id", "status", "n"
            )
        }
    )
    days = Counter(
        {
            (p, t, stage, day): n
            for p, t, stage, day, n in StageDayTally.objects.filter(n__gt=0).values_list(
                "programme_id", "town_id", "stage", "day", "n"
            )
        }
    )
    progress = Counter(
        {
            (p, t, v, s): n
            for p, t, v, s, n in ProgressTally.objects.filter(n__gt=0).values_list(
                "programme_id", "town_id", "village_id", "progress", "n"
            )
        }
    )
    stored = dict(Household.objects.values_list("pk", "acceptance_progress"))
    return households, days, progress, stored


def _recounted() -> tuple[Counter, Counter, Counter, dict]:
    """The same figures from scratch, one household and one record at a time."""
    households: Counter = Counter()
    days: Counter = Counter()
    progress: Counter = Counter()
    stored: dict = {}
    for h in Household.objects.all():
        households[(h.programme_id, h.town_id, h.village_id, h.status)] += 1
        stored[h.pk] = progress_from_records(h.pk)
        if h.status == S.BUILT:
            progress[(h.programme_id, h.town_id, h.village_id, stored[h.pk])] += 1
        for stage, column in DATED_STAGES:
            day = getattr(h, column)
            if h.status in STAGE_STATUSES[stage] and day:
                days[(h.programme_id, h.town_id, stage, day)] += 1
        for a in h.acceptances.filter(revoked=False, result="pass"):
            if a.kind == COMMISSIONING and h.status == S.ACCEPTED:
                days[(h.programme_id, h.town_id, "accepted", a.date)] += 1
            if a.kind == COMPLETION and h.status in (S.BUILT, S.ACCEPTED):
                days[(h.programme_id, h.town_id, "completion", a.date)] += 1
    return households, days, progress, stored


class Walk:
    def __init__(self, rng, programme, town, official, district, day):
        self.rng, self.programme, self.town = rng, programme, town
        self.official, self.district, self.day = official, district, day
        self.contractor = Contractor.objects.get(name=CONTRACTOR)
        self.imported = 0

    def households(self) -> list[Household]:
        return list(Household.objects.filter(programme=self.programme).order_by("id"))

    def pick(self, *statuses) -> Household | None:
        found = [h for h in self.households() if not statuses or h.status in statuses]
        return self.rng.choice(found) if found else None

    def some(self, status, k=3):
        ids = [h.pk for h in self.households() if h.status == status]
        return Household.objects.filter(pk__in=self.rng.sample(ids, min(k, len(ids))))

    # --- the moves ---------------------------------------------------------------------

    def import_rows(self, tmp_path):
        rows = []
        for _ in range(self.rng.randint(1, 3)):
            self.imported += 1
            signed = self.rng.choice([None, self.day.isoformat()])
            rows.append(
                row(
                    head_name=f"张{self.imported}",
                    id_number=IDS[self.imported],
                    village=self.rng.choice(["东村", "西村"]),
                    contractor=CONTRACTOR,
                    signed_on=signed,
                    address=f"东村{self.imported}号",
                )
            )
        path = xlsx(tmp_path / f"in{self.imported}.xlsx", rows)
        outcome = import_ledger(
            path, programme=self.programme, scope=Scope({self.town.id}), by=self.official
        )
        assert outcome.committed, outcome.errors

    def contract(self):
        if h := self.pick(S.SURVEYED):
            services.household_contract(household=h, by=self.official, signed_on=self.day)

    def start(self):
        if h := self.pick(S.CONTRACTED):
            services.household_start_construction(
                household=h, by=self.official, started_on=self.day
            )

    def complete(self):
        if h := self.pick(S.UNDER_CONSTRUCTION):
            services.household_complete_construction(
                household=h, by=self.official, completed_on=self.day
            )

    def bulk(self):
        action, status = self.rng.choice(
            [("contract", S.SURVEYED), ("start", S.CONTRACTED), ("complete", S.UNDER_CONSTRUCTION)]
        )
        households_bulk(households=self.some(status), action=action, by=self.official, day=self.day)

    def withdraw(self):
        if h := self.pick(S.SURVEYED, S.CONTRACTED, S.UNDER_CONSTRUCTION):
            services.household_withdraw(household=h, by=self.official, reason="迁出")

    def restore(self):
        if h := self.pick(S.WITHDRAWN):
            services.household_restore(household=h, by=self.district)

    def move_village(self):
        if h := self.pick():
            other = Village.objects.filter(town=self.town).exclude(pk=h.village_id).first()
            services.household_update(household=h, by=self.official, village=other)

    def delete(self):
        h = self.pick(S.SURVEYED)
        if h and not h.acceptances.exists():
            Household.objects.filter(pk=h.pk).delete()

    def inspect_completion(self):
        h = self.pick(S.BUILT)
        if h and not h.acceptances.filter(kind=COMPLETION, result="pass", revoked=False):
            result = self.rng.choice(["pass", "fail"])
            inspect(h, self.official, COMPLETION, result=result, date=self.day)

    def commission(self):
        h = self.pick(S.BUILT)
        if h and h.acceptances.filter(kind=COMPLETION, result="pass", revoked=False):
            result = self.rng.choice(["pass", "pass", "fail"])
            inspect(h, self.official, COMMISSIONING, result=result, date=self.day)

    def rectify(self):
        failed = Acceptance.objects.filter(
            household__programme=self.programme, revoked=False, result="fail", rectification=None
        )
        if record := failed.order_by("?").first():
            rectify(record, self.official, date=self.day)

    def revoke(self):
        passed = Acceptance.objects.filter(
            household__programme=self.programme, revoked=False, result="pass"
        )
        if record := passed.order_by("id").first() if self.rng.random() < 0.5 else passed.last():
            acceptance_revoke(acceptance=record, by=self.district, reason="资料不实")


MOVES = {
    "contract": 3,
    "start": 3,
    "complete": 3,
    "bulk": 3,
    "withdraw": 1,
    "restore": 1,
    "move_village": 1,
    "delete": 1,
    "inspect_completion": 3,
    "commission": 3,
    "rectify": 1,
    "revoke": 1,
}


@pytest.fixture
def walk_setup(ledger_setup, town_a, approved_plan_a):  # noqa: F811
    Contractor.objects.get_or_create(name=CONTRACTOR, defaults={"kind": "gas"})
    assert team()[1]["organisation"] == CONTRACTOR  # the inspection team names it
    return ledger_setup


def test_tallies_equal_a_recount_after_random_operations(
    walk_setup, programme, town_a, official_a, district, tmp_path
):
    rng = random.Random(1616)
    walk = Walk(rng, programme, town_a, official_a, district, datetime.date(2021, 7, 1))
    east = Village.objects.get(town=town_a, name="东村")
    for _ in range(6):
        HouseholdFactory(programme=programme, town=town_a, village=east, contractor=walk.contractor)
    assert _tallied() == _recounted()
    done: Counter = Counter()
    seen: set = set()
    names, weights = list(MOVES), list(MOVES.values())
    for step in range(90):
        walk.day += datetime.timedelta(days=1)
        move = "import_rows" if step % 15 == 0 else rng.choices(names, weights)[0]
        before = _tallied()
        try:
            getattr(walk, move)(*([tmp_path] if move == "import_rows" else []))
        except (ValidationError, PermissionDenied):
            assert _tallied() == before, f"a refused {move} left a trace"
            continue
        done[move] += 1
        recount = _recounted()
        assert _tallied() == recount, f"after step {step} ({move})"
        seen |= {status for _p, _t, _v, status in recount[0]}
    # The walk went through every kind of write, and the households through every status
    # (tests/acceptance/test_progress.py walks every acceptance progress).
    assert set(done) == {"import_rows", *MOVES}, done
    assert seen == set(S), seen


def test_the_queries_read_the_tallies_and_agree_with_the_households(
    walk_setup, programme, town_a, official_a, district, tmp_path
):
    """The dashboard's figures (tally) equal the same figures counted on the households."""
    rng = random.Random(7)
    walk = Walk(rng, programme, town_a, official_a, district, datetime.date(2021, 7, 1))
    east = Village.objects.get(town=town_a, name="东村")
    for _ in range(8):
        HouseholdFactory(programme=programme, town=town_a, village=east, contractor=walk.contractor)
    for _ in range(60):
        walk.day += datetime.timedelta(days=1)
        with contextlib.suppress(ValidationError, PermissionDenied):
            getattr(walk, rng.choice(list(MOVES)))()
    for group in ("town_id", "village_id"):
        tallied = queries.stage_counts(programme, group_by=group, town_id=town_a.pk)
        counted = queries._stage_counts_of_households(programme, group, {"town_id": town_a.pk})
        assert tallied == counted
    accepted = [
        {"town_id": h.town_id, "day": a.date}
        for h in Household.objects.filter(status=S.ACCEPTED)
        for a in h.acceptances.filter(revoked=False, result="pass", kind=COMMISSIONING)
    ]
    by_day = Counter((r["town_id"], r["day"]) for r in accepted)
    assert accepted_by_day(programme) == [
        {"town_id": t, "day": d, "n": n}
        for (t, d), n in sorted(by_day.items(), key=lambda x: x[0][1])
    ]
    built = Counter(
        (h.town_id, h.construction_completed_on)
        for h in Household.objects.filter(status__in=STAGE_STATUSES["built"])
        if h.construction_completed_on
    )
    assert stage_days(programme, "built", [town_a.pk]) == sorted(
        ((t, d, n) for (t, d), n in built.items()), key=lambda r: (r[1], r[0])
    )
    [row_a] = acceptance_progress_by_town(programme, official_a)
    assert row_a.accepted == sum(by_day.values())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_a_truncate_empties_the_tallies(walk_setup, programme, town_a, official_a):
    """TRUNCATE fires no delete trigger: its own triggers empty what the rows gave."""
    contractor = Contractor.objects.get(name=CONTRACTOR)
    h = HouseholdFactory(programme=programme, town=town_a, status=S.BUILT, contractor=contractor)
    HouseholdFactory(programme=programme, town=town_a, contract_signed_on=datetime.date(2021, 7, 1))
    inspect(h, official_a, COMPLETION, date=datetime.date(2021, 9, 1))
    assert _tallied() == _recounted() != (Counter(), Counter(), Counter(), {})
    with connection.cursor() as c:
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks
        c.execute("TRUNCATE tasks_household CASCADE")
    assert _tallied() == (Counter(), Counter(), Counter(), {})
