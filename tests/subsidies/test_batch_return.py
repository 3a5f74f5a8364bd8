"""A batch returned by its approver: the reason reaches the preparer, the lines stay
reserved (nothing paid, nothing lost), revise and resubmit, or withdraw (lines back to the
pool); double clicks and races never 500 and never pay twice. And the prepare page's
preview: the amounts before the confirmation, a stale confirmation writes nothing."""

import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from subsidies import services
from subsidies.models import BatchLine, DisbursementBatch, Instalment, SubsidyEvent
from tests.subsidies.helpers import pay_on_estimate
from zichuan_heating.models import Notification

pytestmark = pytest.mark.django_db
POSTGRESQL = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="needs PostgreSQL: row locks and concurrent connections (set DATABASE_URL)",
)
REASON = "洪山镇张甲的运行补贴重复，请核实后移出"


@pytest.fixture
def scheduled(programme, make_accepted, town_a, town_b, finance):
    households = [make_accepted(town_a, head_name="张甲"), make_accepted(town_a)]
    households.append(make_accepted(town_b))
    services.schedules_generate(programme=programme)
    pay_on_estimate(finance)
    return households


@pytest.fixture
def batch(programme, scheduled, town_a, finance):
    return services.batch_prepare(
        programme=programme, season="2021-2022", towns=[town_a], by=finance
    )


def states():
    return sorted(Instalment.objects.values_list("status", flat=True))


def test_the_approver_returns_a_batch_with_a_reason_and_the_preparer_is_told(
    batch, finance, finance2
):
    before = states()
    services.batch_return(batch=batch, reason=f"  {REASON} ", by=finance2)
    batch.refresh_from_db()
    assert (batch.state, batch.return_reason, batch.returned_by) == ("returned", REASON, finance2)
    assert batch.approved_by is None
    # the lines stay in the batch, reserved: no instalment moved, nothing paid
    assert states() == before
    assert batch.lines.filter(state="included").count() == batch.line_count == 6
    note = Notification.objects.get(recipient=finance)
    assert REASON in note.title and note.url == batch.get_absolute_url()
    ev = SubsidyEvent.objects.filter(batch=batch).latest("id")
    assert (ev.action, ev.note, ev.by) == ("batch_returned", REASON, finance2)


def test_a_return_needs_a_reason_a_second_user_and_the_approve_permission(
    batch, finance, finance2, official_a
):
    with pytest.raises(ValidationError, match="退回原因"):
        services.batch_return(batch=batch, reason="  ", by=finance2)
    with pytest.raises(ValidationError, match="制单人不能退回"):
        services.batch_return(batch=batch, reason=REASON, by=finance)
    with pytest.raises(PermissionDenied):
        services.batch_return(batch=batch, reason=REASON, by=official_a)
    batch.refresh_from_db()
    assert batch.state == "draft"


def test_an_approved_batch_cannot_be_returned_and_a_returned_one_not_approved(
    programme, batch, finance, finance2
):
    services.batch_return(batch=batch, reason=REASON, by=finance2)
    with pytest.raises(ValidationError):
        services.batch_approve(batch=batch, by=finance2)
    with pytest.raises(ValidationError):
        services.batch_return(batch=batch, reason=REASON, by=finance2)  # a double click
    batch.refresh_from_db()
    assert batch.state == "returned"


def test_the_preparer_revises_resubmits_and_a_second_user_approves(
    batch, scheduled, finance, finance2
):
    services.batch_return(batch=batch, reason=REASON, by=finance2)
    line = batch.lines.filter(instalment__household=scheduled[0], instalment__item="operating")
    services.line_mark_failed(line=line.get(), reason="重复，移出", by=finance)
    services.batch_resubmit(batch=batch, by=finance)
    batch.refresh_from_db()
    assert (batch.state, batch.line_count, batch.total_amount) == ("draft", 5, Decimal("12500.00"))
    # the returner is told; the reason stays on the batch for the approver to check
    assert Notification.objects.filter(recipient=finance2, title__contains="重新提交").exists()
    assert batch.return_reason == REASON
    # the removed line's instalment is back in the pool
    inst = line.get().instalment
    assert (line.get().state, inst.status) == ("failed", "scheduled")
    services.batch_approve(batch=batch, by=finance2)
    batch.refresh_from_db()
    assert batch.state == "approved"
    actions = list(SubsidyEvent.objects.filter(batch=batch).values_list("action", flat=True))
    assert actions == [
        "batch_prepared",
        "batch_returned",
        "line_failed",
        "batch_resubmitted",
        "batch_approved",
    ]


def test_a_returned_batch_can_take_a_line_back(programme, batch, scheduled, finance, finance2):
    services.batch_return(batch=batch, reason=REASON, by=finance2)
    line = batch.lines.first()
    services.line_mark_failed(line=line, reason="误移", by=finance)
    services.batch_line_add(batch=batch, instalment=line.instalment, by=finance)
    batch.refresh_from_db()
    assert (batch.state, batch.line_count) == ("returned", 6)


def test_an_empty_returned_batch_cannot_be_resubmitted(batch, finance, finance2):
    services.batch_return(batch=batch, reason=REASON, by=finance2)
    for line in batch.lines.all():
        services.line_mark_failed(line=line, reason="移出", by=finance)
    with pytest.raises(ValidationError, match="撤销批次"):
        services.batch_resubmit(batch=batch, by=finance)


def test_withdrawing_releases_every_line_to_the_pool_and_a_new_batch_takes_them(
    programme, batch, town_a, finance, finance2
):
    services.batch_return(batch=batch, reason=REASON, by=finance2)
    services.batch_withdraw(batch=batch, reason="重新编制", by=finance)
    batch.refresh_from_db()
    assert (batch.state, batch.line_count, batch.total_amount) == ("withdrawn", 0, Decimal("0"))
    assert set(batch.lines.values_list("state", "failure_reason")) == {("failed", "批次已撤销")}
    assert not Instalment.objects.filter(status="batched").exists()
    ev = SubsidyEvent.objects.filter(batch=batch).latest("id")
    assert (ev.action, ev.count, ev.amount, ev.note) == (
        "batch_withdrawn",
        6,
        Decimal("13400.00"),
        "重新编制",
    )
    again = services.batch_prepare(
        programme=programme, season="2021-2022", towns=[town_a], by=finance
    )
    assert (again.line_count, again.total_amount) == (6, Decimal("13400.00"))
    with pytest.raises(ValidationError):
        services.batch_withdraw(batch=batch, reason="再点一次", by=finance)
    with pytest.raises(ValidationError):
        services.batch_resubmit(batch=batch, by=finance)


def test_an_approved_or_paid_batch_cannot_be_withdrawn(batch, finance, finance2):
    services.batch_approve(batch=batch, by=finance2)
    with pytest.raises(ValidationError):
        services.batch_withdraw(batch=batch, reason="晚了", by=finance)
    assert Instalment.objects.filter(status="batched").count() == 6


def test_a_standard_change_reprices_the_lines_of_a_returned_batch(
    programme, batch, standards, finance, finance2
):
    services.batch_return(batch=batch, reason=REASON, by=finance2)
    gas = standards["gas"]
    services.standard_change(
        standard=gas,
        by=finance,
        effective_from=gas.effective_from,
        **{f: getattr(gas, f) for f in services.STANDARD_FIELDS}
        | {"construction_amount": Decimal("3100.00")},
    )
    batch.refresh_from_db()
    assert batch.total_amount == Decimal("13600.00")


@POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_return_and_approve_racing_end_in_one_state_and_neither_fails_badly(
    programme_data, batch, finance, finance2, administrator
):
    from tests.factories import UserFactory
    from zichuan_heating.roles import Role

    finance3 = UserFactory(username="finance3", role=Role.FINANCE_BUREAU)
    results: list = []
    barrier = threading.Barrier(2)

    def run(fn):
        barrier.wait()
        try:
            fn()
            results.append("ok")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=run, args=(lambda: services.batch_approve(batch=batch, by=finance2),)
        ),
        threading.Thread(
            target=run,
            args=(lambda: services.batch_return(batch=batch, reason=REASON, by=finance3),),
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "refused"]
    batch.refresh_from_db()
    assert batch.state in ("approved", "returned")
    assert BatchLine.objects.filter(state="included").count() == 6


def url(name, *args):
    return reverse(f"subsidies:{name}", args=args)


def test_the_prepare_page_shows_households_items_and_totals_before_the_confirmation(
    scheduled, town_a, client_for, finance
):
    c = client_for(finance)
    first = c.get(url("batch_prepare")).content.decode()
    assert 'id="prepare-form"' not in first and "查看金额" in first
    r = c.get(url("batch_prepare"), {"season": "2021-2022", "towns": [town_a.pk]})
    page = r.content.decode()
    summary = r.context["summary"]
    assert [(x["item"], x["households"], x["count"], x["total"]) for x in summary["rows"]] == [
        ("construction", 2, 2, Decimal("6000.00")),
        ("equipment", 2, 2, Decimal("5600.00")),
        ("operating", 2, 2, Decimal("1800.00")),
    ]
    assert (summary["households"], summary["count"], summary["total"]) == (
        2,
        6,
        Decimal("13400.00"),
    )
    assert "13,400.00 元" in page and "6,000.00 元" in page and 'id="prepare-form"' in page
    assert not DisbursementBatch.objects.exists()  # looking writes nothing


def test_a_confirmation_of_stale_figures_writes_nothing_and_shows_the_new_ones(
    programme, scheduled, town_a, client_for, finance
):
    choice = {"season": "2021-2022", "towns": [town_a.pk]}
    stale = {**choice, "expected_count": 5, "expected_total": "12000.00", "confirm": "on"}
    r = client_for(finance).post(url("batch_prepare"), stale, follow=True)
    assert r.status_code == 200
    assert not DisbursementBatch.objects.exists()
    assert not Instalment.objects.filter(status="batched").exists()
    assert "发生了变化" in r.content.decode()
    assert r.context["summary"]["count"] == 6
    ok = {**stale, "expected_count": 6, "expected_total": "13400.00"}
    r = client_for(finance).post(url("batch_prepare"), ok)
    assert r.status_code == 302
    # a double click: the second finds nothing left and says so, without a 500
    r = client_for(finance).post(url("batch_prepare"), ok, follow=True)
    assert r.status_code == 200 and "没有待发放" in r.content.decode()
    assert DisbursementBatch.objects.count() == 1


def test_without_the_confirmation_box_nothing_is_prepared(scheduled, town_a, client_for, finance):
    data = {"season": "2021-2022", "towns": [town_a.pk], "expected_count": 6}
    r = client_for(finance).post(url("batch_prepare"), {**data, "expected_total": "13400.00"})
    assert r.status_code == 200 and not DisbursementBatch.objects.exists()


def test_return_resubmit_and_withdraw_through_the_pages(batch, client_for, finance, finance2):
    f1, f2 = client_for(finance), client_for(finance2)
    page = f2.get(batch.get_absolute_url()).content.decode()
    assert 'id="return-form"' in page
    r = f2.post(url("batch_return", batch.pk), {"reason": REASON}, follow=True)
    assert "已退回" in r.content.decode()
    page = f1.get(batch.get_absolute_url()).content.decode()
    assert REASON in page and 'id="resubmit-form"' in page
    f1.post(url("batch_resubmit", batch.pk), {"confirm": "on"})
    r = f1.post(url("batch_resubmit", batch.pk), {"confirm": "on"}, follow=True)  # double
    assert r.status_code == 200
    batch.refresh_from_db()
    assert batch.state == "draft"
    f1.post(url("batch_withdraw", batch.pk), {"reason": "不需要了"})  # no box: nothing
    batch.refresh_from_db()
    assert batch.state == "draft"
    f1.post(url("batch_withdraw", batch.pk), {"reason": "不需要了", "confirm": "on"})
    batch.refresh_from_db()
    assert batch.state == "withdrawn"
    page = f1.get(batch.get_absolute_url()).content.decode()
    assert "批次已撤销" in page and 'id="withdraw-form"' not in page
