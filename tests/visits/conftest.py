"""Households paid in a heating season, made directly as the subsidies app leaves them: an
operating instalment of that season on a line of that season's paid batch."""

import datetime
from decimal import Decimal

import pytest

from subsidies.models import BatchLine, BatchState, DisbursementBatch, Instalment, LineState
from subsidies.services import standards_load
from tests.factories import HouseholdFactory

SEASON = "2025-2026"
OPERATING = Decimal("1200.00")


@pytest.fixture
def pay(programme, finance, finance2):
    return paid_maker(programme, finance, finance2)


def paid_maker(programme, finance, finance2):
    """make(town, n, season, amount) -> n new households paid `amount` in `season`."""
    standards_load()
    from subsidies.models import SubsidyStandard

    batches: dict[str, DisbursementBatch] = {}

    def make(town, n=1, season=SEASON, amount=OPERATING, **kw):
        if season not in batches:
            batches[season] = DisbursementBatch.objects.create(
                programme=programme,
                season=season,
                state=BatchState.PAID,
                prepared_by=finance,
                approved_by=finance2,
                payment_reference="ZC1",
                payment_date=datetime.date(2025, 12, 5),
            )
        out = []
        for _i in range(n):
            household = HouseholdFactory(programme=programme, town=town, status="accepted", **kw)
            standard = SubsidyStandard.objects.filter(route=household.route).first()
            instalment = Instalment.objects.create(
                household=household,
                item="operating",
                season=season,
                amount=amount,
                standard=standard,
                status="paid",
                due_date=datetime.date(2025, 11, 15),
            )
            BatchLine.objects.create(
                batch=batches[season], instalment=instalment, amount=amount, state=LineState.PAID
            )
            out.append(household)
        return out

    return make
