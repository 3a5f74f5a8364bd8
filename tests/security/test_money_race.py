"""Paying a batch, importing a bank return and revoking acceptances of (or withdrawing) the
same households, 20 requests at once, on PostgreSQL with a connection per thread: no 500 and
no database error escapes (only a Chinese refusal), nothing is paid twice, nothing is paid to
a household after its revocation. Then the retry of a lost race, on its own and against a
real deadlock."""

import datetime
import threading
import time
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connections, transaction
from django.test import Client
from django.urls import reverse

from acceptance.models import Acceptance, AcceptanceKind
from acceptance.services import acceptance_revoke
from subsidies import services
from subsidies.models import BatchLine, DisbursementBatch, Instalment, LineState
from subsidies.queries import duplicated_payments
from tasks.ledger.services import household_withdraw
from tasks.models import Household, HouseholdStatus
from tests.factories import EquipmentModelFactory
from tests.subsidies.helpers import accepted_household, bank_return_file, pay_on_estimate
from zichuan_heating import locks

on_postgresql = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="needs PostgreSQL: row locks, deadlocks and concurrent connections (DATABASE_URL)",
)

THREADS = 20
ROUNDS = 3
HOUSEHOLDS = 6
SEASON = "2021-2022"
PAY_DAY = datetime.date(2021, 12, 1)
JOIN_TIMEOUT = 60


def race(actions: list) -> list[tuple[str, object]]:
    """Run each action in its own thread, released together; [(kind, result or exception)]."""
    barrier = threading.Barrier(len(actions), timeout=JOIN_TIMEOUT)
    outcomes: list[tuple[str, object]] = []

    def run(kind, action):
        try:
            barrier.wait()
            outcomes.append((kind, action()))
        except Exception as exc:  # every escape is judged by the caller
            outcomes.append((kind, exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=a, daemon=True) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a racer hung"
    assert len(outcomes) == len(actions)
    return outcomes


@pytest.fixture
def scene(programme, town_a, district, finance, finance2):
    services.standards_load()
    boiler = EquipmentModelFactory(brand="示例", model="L1PB26", price_cap=Decimal("4200.00"))

    def households_in_two_exported_batches():
        """Households whose construction instalments are in batch `pay`, the rest in `bank`."""
        households = [
            accepted_household(programme=programme, town=town_a, equipment=boiler)
            for _ in range(HOUSEHOLDS)
        ]
        batches = {}
        for name in ("pay", "bank"):
            batches[name] = DisbursementBatch.objects.create(
                programme=programme, season=SEASON, prepared_by=finance
            )
            batches[name].towns.set([town_a])
        for h in households:
            services.schedule_generate(household=h)
            pay_on_estimate(finance)
            for inst in h.instalments.order_by("id"):
                if inst.item == "operating" and inst.season != SEASON:
                    continue
                batch = batches["pay" if inst.item == "construction" else "bank"]
                services.batch_line_add(batch=batch, instalment=inst, by=finance)
        for batch in batches.values():
            services.batch_approve(batch=batch, by=finance2)
            services.batch_mark_exported(batch=batch, by=finance2)
        rows = [(pk, "", "成功", "") for pk in batches["bank"].lines.values_list("id", flat=True)]
        return SimpleNamespace(
            households=households,
            pay=batches["pay"],
            bank=batches["bank"],
            bank_file=bank_return_file(rows).getvalue(),
            acceptances=[
                Acceptance.objects.get(household=h, kind=AcceptanceKind.COMMISSIONING)
                for h in households
            ],
        )

    return SimpleNamespace(
        make=households_in_two_exported_batches, district=district, finance=finance
    )


def plan(s) -> list[tuple[str, int]]:
    """20 racers: pay, bank return and revoke in turn, every household revoked once."""
    out, revoked = [], 0
    for i in range(THREADS):
        kind = ("pay", "bank", "revoke")[i % 3]
        if kind == "revoke" and revoked == len(s.acceptances):
            kind = "pay"
        out.append((kind, revoked if kind == "revoke" else i))
        revoked += kind == "revoke"
    return out


def left_at(household: Household):
    """When the household stopped being accepted: its revocation, or its withdrawal."""
    return household.history.exclude(status=HouseholdStatus.ACCEPTED).earliest().history_date


def assert_money_is_right(s, left=(HouseholdStatus.BUILT,)) -> None:
    """Nothing paid twice, nothing paid after its household's revocation, nothing left owing."""
    assert duplicated_payments() == []
    lines = BatchLine.objects.filter(batch__in=[s.pay, s.bank])
    for inst in Instalment.objects.filter(household__in=s.households):
        paid = lines.filter(instalment=inst, state=LineState.PAID).count()
        assert paid <= 1
        assert (inst.status == "paid") == (paid == 1), inst
    # A household may be revoked after it was paid (the money is recovered offline: see
    # subsidies.queries.paid_to_not_accepted), never paid after it was revoked.
    for line in lines.filter(state=LineState.PAID).select_related("instalment__household"):
        household = line.instalment.household
        if household.status == HouseholdStatus.ACCEPTED:
            continue
        assert left_at(household) > line.updated_at, line
        if household.status == HouseholdStatus.BUILT:
            revoked = Acceptance.objects.get(household=household, kind=AcceptanceKind.COMMISSIONING)
            assert revoked.revoked and revoked.revoked_at > line.updated_at, line
    for household in Household.objects.filter(pk__in=[h.pk for h in s.households]):
        assert household.status in left  # every one was revoked (or withdrawn)
        assert set(household.instalments.values_list("status", flat=True)) <= {
            "paid",
            "cancelled",
        }
    assert not lines.filter(
        state=LineState.INCLUDED, instalment__household__status__in=left
    ).exists()


def judge(outcomes) -> dict[str, int]:
    """Only Chinese refusals escape; each household revoked once; at most one pay applies."""
    counts = {"busy": 0, "refused": 0, "done": 0}
    for kind, result in outcomes:
        if isinstance(result, ValidationError):
            busy = str(locks.BUSY_MESSAGE) in result.messages
            counts["busy" if busy else "refused"] += 1
            assert kind != "revoke" or busy, result.messages
        else:
            assert not isinstance(result, BaseException), (kind, repr(result))
            counts["done"] += 1
    paid = [r for k, r in outcomes if k == "pay" and not isinstance(r, Exception)]
    imported = [r for k, r in outcomes if k == "bank" and not isinstance(r, Exception)]
    assert len(paid) <= 1
    assert sum(1 for r in imported if r.changed) <= 1
    return counts


def service_round(scene) -> dict[str, int]:
    s = scene.make()

    def act(kind, i):
        if kind == "pay":
            return services.batch_mark_paid(
                batch=s.pay, reference=f"ZF{i}", date=PAY_DAY, by=scene.finance
            )
        if kind == "bank":
            upload = SimpleUploadedFile("r.xlsx", s.bank_file)
            return services.bank_return_import(batch=s.bank, file=upload, by=scene.finance)
        if i % 2:  # the ledger's withdrawal stops subsidies through the same receiver
            return household_withdraw(household=s.households[i], by=scene.district, reason="搬迁")
        return acceptance_revoke(acceptance=s.acceptances[i], by=scene.district, reason="复核不实")

    counts = judge(race([(k, lambda k=k, i=i: act(k, i)) for k, i in plan(s)]))
    assert_money_is_right(s, left=(HouseholdStatus.BUILT, HouseholdStatus.WITHDRAWN))
    return counts


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_pay_bank_return_revoke_and_withdraw_race_over_the_same_households(scene):
    for _round in range(ROUNDS):
        counts = service_round(scene)
        assert counts["busy"] == 0, counts  # the one lock order leaves nothing to retry


def http_round(scene) -> list[int]:
    s = scene.make()

    def request(kind, i):
        """A logged-in client and its POST: (client, url, data)."""
        client = Client()
        if kind == "revoke":
            client.force_login(scene.district)
            url = reverse("acceptance:revoke", args=[s.acceptances[i].pk])
            return client, url, {"reason": "复核不实", "confirm": "on"}
        client.force_login(scene.finance)
        if kind == "pay":
            url = reverse("subsidies:batch_mark_paid", args=[s.pay.pk])
            return client, url, {"reference": f"ZF{i}", "date": "2021-12-01", "confirm": "on"}
        url = reverse("subsidies:bank_return", args=[s.bank.pk])
        return client, url, {"file": SimpleUploadedFile("r.xlsx", s.bank_file)}

    requests = [request(k, i) for k, i in plan(s)]
    outcomes = race([("http", lambda r=r: r[0].post(r[1], r[2]).status_code) for r in requests])
    assert_money_is_right(s)
    return [status for _k, status in outcomes]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_same_race_through_the_pages_answers_no_500(scene):
    for _round in range(ROUNDS):
        statuses = http_round(scene)
        assert all(status in (200, 302) for status in statuses), statuses


# --- the retry on its own ----------------------------------------------------------------


class _Deadlock(Exception):
    sqlstate = "40P01"


def _lost_race() -> OperationalError:
    exc = OperationalError("deadlock detected")
    exc.__cause__ = _Deadlock()
    return exc


def test_a_lost_race_is_run_again_and_then_refused_in_chinese(monkeypatch):
    monkeypatch.setattr(locks.time, "sleep", lambda s: None)
    calls = []

    @locks.retry_on_conflict
    def always_loses():
        calls.append(1)
        raise _lost_race()

    with pytest.raises(ValidationError) as refused:
        always_loses()
    assert len(calls) == locks.ATTEMPTS
    assert refused.value.messages == ["系统繁忙，操作未完成，请稍后重试。"]

    outcomes = iter([_lost_race(), None])

    @locks.retry_on_conflict
    def wins_the_second_time():
        exc = next(outcomes)
        if exc:
            raise exc
        return "done"

    assert wins_the_second_time() == "done"


def test_other_database_errors_and_sqlite_locks(monkeypatch):
    monkeypatch.setattr(locks.time, "sleep", lambda s: None)
    assert locks.is_conflict(OperationalError("database is locked"))
    assert not locks.is_conflict(OperationalError("no such table: x"))
    assert not locks.is_conflict(ValueError("database is locked"))
    calls = []

    @locks.retry_on_conflict
    def broken():
        calls.append(1)
        raise OperationalError("no such table: x")

    with pytest.raises(OperationalError):
        broken()
    assert calls == [1]


@pytest.mark.django_db
def test_inside_an_open_transaction_the_retry_only_re_raises(monkeypatch):
    calls = []

    @locks.retry_on_conflict
    def loses():
        calls.append(1)
        raise _lost_race()

    with transaction.atomic(), pytest.raises(OperationalError):
        loses()
    assert calls == [1]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_real_deadlock_is_retried_and_both_transactions_finish(programme, town_a):
    """Two transactions lock two households in opposite orders (what the lock order forbids):
    PostgreSQL kills one, the retry runs it again, and both end done."""
    a, b = (accepted_household(programme=programme, town=town_a) for _ in range(2))
    attempts = []
    both_hold_one = threading.Barrier(2, timeout=JOIN_TIMEOUT)

    @locks.retry_on_conflict
    @transaction.atomic
    def lock_both(first, second):
        attempts.append(first.pk)
        Household.objects.filter(pk=first.pk).locked().get()
        if len(attempts) <= 2:
            both_hold_one.wait()
        time.sleep(0.05)
        Household.objects.filter(pk=second.pk).locked().get()
        return "done"

    outcomes = race([("ab", lambda: lock_both(a, b)), ("ba", lambda: lock_both(b, a))])
    assert [r for _k, r in outcomes] == ["done", "done"]
    assert len(attempts) == 3  # one of them ran twice


@pytest.mark.django_db(transaction=True)
def test_a_race_lost_every_time_is_a_message_on_the_page(scene, monkeypatch):
    """Through the pages, after the last attempt: the Chinese message, not a 500."""
    monkeypatch.setattr(locks.time, "sleep", lambda s: None)
    s = scene.make()
    calls = []

    def lose(*args, **kwargs):
        calls.append(1)
        raise _lost_race()

    monkeypatch.setattr("subsidies.services.batches.pay_lines", lose)
    monkeypatch.setattr("acceptance.services.revocation._mark_revoked", lose)
    finance, district = Client(), Client()
    finance.force_login(scene.finance)
    district.force_login(scene.district)
    url = reverse("subsidies:batch_mark_paid", args=[s.pay.pk])
    data = {"reference": "ZF1", "date": "2021-12-01", "confirm": "on"}
    page = finance.post(url, data, follow=True)
    assert page.status_code == 200
    assert "系统繁忙，操作未完成，请稍后重试。" in page.content.decode()
    url = reverse("acceptance:revoke", args=[s.acceptances[0].pk])
    page = district.post(url, {"reason": "复核不实", "confirm": "on"})
    assert page.status_code == 200
    assert "系统繁忙，操作未完成，请稍后重试。" in page.content.decode()
    assert len(calls) == 2 * locks.ATTEMPTS
    s.pay.refresh_from_db()
    assert s.pay.state == "exported"
    assert Household.objects.filter(status=HouseholdStatus.ACCEPTED).count() == HOUSEHOLDS
