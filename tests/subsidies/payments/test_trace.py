"""Every yuan traced: standard → pricing basis → instalment → batch → approvals → bank return,
each with who and when; scoped to the household's town."""

import datetime

import pytest
from django.urls import reverse

from subsidies import services
from subsidies.payments import trace
from subsidies.payments.models import detail_number
from tests.subsidies.helpers import bank_return_file, pay_on_estimate
from tests.subsidies.payments.helpers import approved_batch

pytestmark = pytest.mark.django_db
STEPS = ["standard", "basis", "instalment", "batch", "approvals", "bank"]


@pytest.fixture
def paid(programme, make_accepted, town_a, finance, finance2):
    household = make_accepted(town_a, head_name="张三")
    services.schedules_generate(programme=programme)
    pay_on_estimate(finance)
    batch = approved_batch(programme, [town_a], finance, finance2)
    services.batch_mark_exported(batch=batch, by=finance)
    rows = [(detail_number(batch.pk, household.pk), "", "成功", "")]
    services.bank_return_import(batch=batch, file=bank_return_file(rows), by=finance)
    services.batch_mark_paid(
        batch=batch, reference="ZC20211201", date=datetime.date(2021, 12, 1), by=finance
    )
    return household, batch


def test_a_paid_item_shows_the_whole_chain_with_who_and_when(paid, finance, finance2):
    household, batch = paid
    line = batch.lines.get(instalment__item="operating")
    (chain,) = trace.chains(household, line=line)
    steps = {s.key: s for s in chain["steps"]}
    assert list(steps) == STEPS
    assert steps["batch"].who == finance and steps["batch"].summary == batch.number
    assert steps["approvals"].who == finance2 and steps["approvals"].when == batch.approved_at
    assert steps["bank"].summary == "已支付" and steps["bank"].who == finance
    assert {e.action for e in steps["bank"].events} == {"bank_return", "batch_paid"}
    assert ("支付凭证号", "ZC20211201") in [(str(k), v) for k, v in steps["bank"].facts]
    assert not any(s.pending for s in chain["steps"])
    assert steps["instalment"].when is not None and steps["standard"].when is not None


def test_an_unbatched_item_shows_the_chain_up_to_the_instalment(programme, make_accepted, town_a):
    household = make_accepted(town_a)
    services.schedules_generate(programme=programme)
    chains = trace.chains(household)
    assert len(chains) == 2 + 6  # construction, equipment and the six heating seasons
    assert [s.key for s in chains[0]["steps"]] == ["standard", "basis", "instalment", "batch"]
    assert chains[0]["steps"][-1].pending


def test_a_step_can_be_added_to_the_list(paid, monkeypatch):
    household, _batch = paid

    def reading_step(ctx):
        return trace.TraceStep("reading", "抄表读数", f"{ctx.instalment.season}")

    steps = list(trace.TRACE_STEPS)
    steps.insert(1, reading_step)
    monkeypatch.setattr(trace, "TRACE_STEPS", steps)
    keys = [s.key for s in trace.chains(household)[-1]["steps"]]
    assert keys[:3] == ["standard", "reading", "basis"]


def test_the_pages_show_the_chain_and_another_town_gets_404(
    paid, official_a, official_b, finance, client_for
):
    household, batch = paid
    line = batch.lines.get(instalment__item="operating")
    page = client_for(official_a).get(reverse("subsidies:trace_household", args=[household.pk]))
    text = page.content.decode()
    for key in STEPS:
        assert f'data-step="{key}"' in text
    assert "ZC20211201" in text and batch.number in text
    line_page = client_for(finance).get(reverse("subsidies:trace_line", args=[line.pk]))
    assert line_page.content.decode().count('class="card trace"') == 1
    for url in (
        reverse("subsidies:trace_household", args=[household.pk]),
        reverse("subsidies:trace_line", args=[line.pk]),
    ):
        assert client_for(official_b).get(url).status_code == 404
    detail = client_for(finance).get(batch.get_absolute_url()).content.decode()
    assert reverse("subsidies:trace_line", args=[line.pk]) in detail
