"""20 threads, each with its own PostgreSQL connection, released together by a barrier, fire
the same money-moving action; over 10 rounds exactly one succeeds each time and no
instalment is ever paid twice. SQLite serialises whole-database writes and ignores
SELECT ... FOR UPDATE, so the proof only means something on PostgreSQL."""

import datetime
import io
import threading

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections

from subsidies import services
from subsidies.models import BatchLine, DisbursementBatch, Instalment
from subsidies.queries import duplicated_payments, paid_to_not_accepted
from tests.subsidies.helpers import bank_return_file, pay_on_estimate

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="needs PostgreSQL: row locks and concurrent connections (set DATABASE_URL)",
    ),
]
THREADS = 20
ROUNDS = 10
PAY_DAY = datetime.date(2021, 12, 1)


def fire(action) -> tuple[list, list]:
    """Run action(i) in 20 threads released together; return (successes, refusals)."""
    barrier = threading.Barrier(THREADS)
    ok, refused, unexpected = [], [], []

    def run(i):
        try:
            barrier.wait()
            ok.append((i, action(i)))
        except ValidationError as exc:  # a database error (even IntegrityError) is a bug
            refused.append((i, exc))
        except Exception as exc:  # pragma: no cover - surfaced by the assertion below
            unexpected.append((i, exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert not unexpected, unexpected
    assert len(ok) + len(refused) == THREADS
    return ok, refused


def no_double_payment():
    assert duplicated_payments() == []
    assert paid_to_not_accepted() == []


def new_scheduled(make_accepted, town, finance):
    h = make_accepted(town)
    services.schedule_generate(household=h)
    pay_on_estimate(finance)
    return h


def test_twenty_preparers_of_the_same_batch_take_each_instalment_once(
    programme, make_accepted, town_a, finance
):
    for _ in range(ROUNDS):
        new_scheduled(make_accepted, town_a, finance)
        ok, refused = fire(
            lambda i: services.batch_prepare(
                programme=programme, season="2021-2022", towns=[town_a], by=finance
            )
        )
        assert len(ok) == 1, refused
        assert ok[0][1].line_count == 3
    assert DisbursementBatch.objects.count() == ROUNDS
    assert BatchLine.objects.count() == 3 * ROUNDS
    no_double_payment()


def test_twenty_adds_of_the_same_instalment_to_twenty_batches_succeed_once(
    programme, make_accepted, town_a, finance
):
    new_scheduled(make_accepted, town_a, finance)
    batches = []
    for _ in range(THREADS):
        b = DisbursementBatch.objects.create(
            programme=programme, season="2021-2022", prepared_by=finance
        )
        b.towns.set([town_a])
        batches.append(b)
    for _ in range(ROUNDS):
        h = new_scheduled(make_accepted, town_a, finance)
        inst = h.instalments.get(item="construction")
        ok, refused = fire(
            lambda i, inst=inst: services.batch_line_add(
                batch=batches[i], instalment=inst, by=finance
            )
        )
        assert len(ok) == 1, refused
        assert BatchLine.objects.filter(instalment=inst).count() == 1
        assert Instalment.objects.get(pk=inst.pk).status == "batched"
    no_double_payment()


def test_twenty_approvals_of_one_batch_succeed_once(
    programme, make_accepted, town_a, finance, finance2
):
    for _ in range(ROUNDS):
        new_scheduled(make_accepted, town_a, finance)
        batch = services.batch_prepare(
            programme=programme, season="2021-2022", towns=[town_a], by=finance
        )
        ok, refused = fire(lambda i, b=batch: services.batch_approve(batch=b, by=finance2))
        assert len(ok) == 1, refused
        assert batch.events.filter(action="batch_approved").count() == 1


def exported_batch(programme, make_accepted, town, finance, finance2):
    new_scheduled(make_accepted, town, finance)
    new_scheduled(make_accepted, town, finance)
    batch = services.batch_prepare(
        programme=programme, season="2021-2022", towns=[town], by=finance
    )
    services.batch_approve(batch=batch, by=finance2)
    services.batch_mark_exported(batch=batch, by=finance2)
    return batch


def test_twenty_mark_paid_of_one_batch_succeed_once(
    programme, make_accepted, town_a, finance, finance2
):
    for r in range(ROUNDS):
        batch = exported_batch(programme, make_accepted, town_a, finance, finance2)
        ok, refused = fire(
            lambda i, b=batch, r=r: services.batch_mark_paid(
                batch=b, reference=f"ZF{r}-{i}", date=PAY_DAY, by=finance
            )
        )
        assert len(ok) == 1, refused
        assert batch.lines.filter(state="paid").count() == 6
        assert batch.events.filter(action="batch_paid").count() == 1
    assert Instalment.objects.filter(status="paid").count() == 6 * ROUNDS
    no_double_payment()


def test_twenty_imports_of_the_same_bank_return_apply_once(
    programme, make_accepted, town_a, finance, finance2
):
    for _ in range(ROUNDS):
        batch = exported_batch(programme, make_accepted, town_a, finance, finance2)
        ids = list(batch.lines.order_by("id").values_list("id", flat=True))
        rows = [(pk, "", "成功", "") for pk in ids[:-1]] + [(ids[-1], "", "失败", "账户冻结")]
        data = bank_return_file(rows).getvalue()
        ok, refused = fire(
            lambda i, b=batch, data=data: services.bank_return_import(
                batch=b, file=io.BytesIO(data), by=finance
            )
        )
        assert not refused, refused  # re-importing is not an error: it changes nothing
        applied = [res for _i, res in ok if res.changed]
        assert len(applied) == 1
        # (a line failed in the previous round is back in the pool and in this batch)
        assert (applied[0].paid, applied[0].failed) == (len(ids) - 1, 1)
        assert batch.events.filter(action="bank_return").count() == 1
        assert batch.lines.filter(state="paid").count() == len(ids) - 1
    no_double_payment()
