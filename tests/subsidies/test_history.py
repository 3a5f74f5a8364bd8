"""History: single-row changes keep simple-history rows; bulk actions one SubsidyEvent each;
bootstrap loads the example standards once."""

import io

import pytest
from django.core.management import call_command

from subsidies import services
from subsidies.models import BatchLine, Instalment, SubsidyEvent, SubsidyStandard
from tests.subsidies.helpers import pay_on_estimate

pytestmark = pytest.mark.django_db


def test_bootstrap_loads_the_example_standards_once(programme):
    out = io.StringIO()
    call_command("bootstrap", "--no-migrate", language="en", stdout=out)
    call_command("bootstrap", "--no-migrate", language="en", stdout=out)
    assert SubsidyStandard.objects.count() == 3
    assert set(SubsidyStandard.objects.values_list("is_example", flat=True)) == {True}
    assert "3 created" in out.getvalue() and "3 unchanged" in out.getvalue()


def test_single_row_changes_keep_history_and_bulk_actions_one_event(
    programme, make_accepted, town_a, finance, finance2
):
    h = make_accepted(town_a)
    services.schedule_generate(household=h, by=finance)
    pay_on_estimate(finance)
    assert Instalment.history.filter(household_id=h.pk).count() == 8
    batch = services.batch_prepare(
        programme=programme, season="2021-2022", towns=[town_a], by=finance
    )
    line = batch.lines.first()
    services.line_mark_failed(line=line, reason="账号有误", by=finance)
    assert BatchLine.history.filter(id=line.pk, state="failed").count() == 1
    inst_history = Instalment.history.filter(id=line.instalment_id).order_by("history_date")
    assert [r.status for r in inst_history][-1] == "scheduled"
    assert list(batch.events.values_list("action", "count")) == [
        ("batch_prepared", 3),
        ("line_failed", 1),
    ]
    assert SubsidyEvent.objects.filter(action="batch_prepared").get().by == finance
