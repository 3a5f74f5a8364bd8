"""Load the demo programme as it stands on a given day: plans, ledger, acceptance, money,
safety checks.

Everything goes through the services with the demo users, in one transaction; timestamps
the services stamp "now" are back-dated afterwards (`common.backdate`). A programme that
already has households is left alone, so a second run changes nothing.
"""

import datetime
import time
from dataclasses import dataclass

from django.db import transaction

from tasks.models import Household
from tasks.queries import active_programme
from zichuan_heating.demo import acceptance, households, payments, plans, safety, subsidies, visits
from zichuan_heating.demo.common import Cast, Progress, fresh_statistics


@dataclass
class DemoOutcome:
    loaded: bool
    seconds: float = 0.0
    current_season: str | None = None


def demo_programme_load(
    *, today: datetime.date, progress: Progress = lambda line: None
) -> DemoOutcome:
    """The 2021 programme, built, accepted and paid up to `today`'s heating season."""
    started = time.perf_counter()
    programme = active_programme()
    if programme is None or Household.objects.filter(programme=programme).exists():
        return DemoOutcome(loaded=False)
    with transaction.atomic():
        cast = Cast.load(programme, today)
        households.zone_villages(cast)
        rows = households.generate(cast)
        households.mark_withdrawals(cast, rows)
        plans.plans_approve(cast, rows, progress)
        households.households_import(cast, rows, progress)
        fresh_statistics()
        acceptance.inspections_record(cast, progress)
        payments.accounts_register(cast, progress)
        payments.funds_set(cast, progress)
        fresh_statistics()
        subsidies.seasons_pay(cast, progress)
        if paid := subsidies.paid_seasons(cast):
            visits.visits_make(cast, progress, paid[-1])
        plans.work_waiting(cast, progress)
        safety.safety_record(cast, progress)
    return DemoOutcome(
        loaded=True,
        seconds=time.perf_counter() - started,
        current_season=subsidies.current_season(cast),
    )
