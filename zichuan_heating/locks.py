"""The one lock order for money and acceptance, and the bounded retry of a lost race.

Every transaction that moves money or acceptance takes its row locks in this order, each
level's rows in primary-key order, going down the list only (a level may be skipped, never
gone back to):

1. the subsidy standard being changed (only `standard_change` locks one);
2. households, through `Household.objects.filter(...).locked()`;
3. acceptance records;
4. instalments;
5. batch lines;
6. disbursement batches.

So a batch payment finds its lines' households and locks them first, then the instalments,
the lines and last the batch; a revocation locks the household, its acceptance records, and
its receivers cancel instalments, fail lines and void the batches, in that order. Rows a
transaction inserts need no lock: nobody else sees them before the commit.

PostgreSQL still may pick a transaction as a deadlock victim (e.g. a foreign-key check on a
row taken out of order by the database itself), or fail one under SERIALIZABLE; SQLite
answers "database is locked" when a writer waits too long. `retry_on_conflict` re-runs the
whole transaction a few times and then refuses with a Chinese message, never a 500.
"""

import functools
import logging
import random
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

LOCK_ORDER = (
    "subsidies.SubsidyStandard",
    "tasks.Household",
    "acceptance.Acceptance",
    "subsidies.Instalment",
    "subsidies.BatchLine",
    "subsidies.DisbursementBatch",
)

#: What the user reads when every attempt lost its race.
BUSY_MESSAGE = _("系统繁忙，操作未完成，请稍后重试。")

#: deadlock_detected, serialization_failure
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
#: lock_not_available: a lock did not come within lock_timeout.
LOCK_NOT_AVAILABLE = "55P03"

ATTEMPTS = 3
#: The sleep before attempt n is uniform in (0, BASE_DELAY * 2**n) seconds.
BASE_DELAY = 0.05

F = TypeVar("F", bound=Callable[..., Any])


def _sqlstate(exc: BaseException) -> str | None:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)


def is_conflict(exc: BaseException) -> bool:
    """A deadlock, a serialization failure or a locked SQLite database: worth running again."""
    if not isinstance(exc, DatabaseError):
        return False
    if _sqlstate(exc) in RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(exc) or "database table is locked" in str(exc)


def lock_tables(models: Iterable[type[Model]], *, timeout: str) -> bool:
    """PostgreSQL: lock the models' whole tables exclusively, in LOCK_ORDER, waiting at most
    `timeout` (e.g. "2s"). Take them before any row lock: asked for later, while holding
    row locks that others wait for, they could deadlock. While the request waits, every new
    reader of those tables queues behind it, hence the bound. False when the locks did not
    come in time; nothing is then held and the transaction goes on as before."""
    labels = {m._meta.label: m for m in models}
    tables = ", ".join(labels[label]._meta.db_table for label in LOCK_ORDER if label in labels)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # set_config, not SET: a utility statement takes no bound parameter.
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [timeout])
            cursor.execute(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE")
    except OperationalError as exc:
        if _sqlstate(exc) != LOCK_NOT_AVAILABLE:
            raise
        return False  # the savepoint's rollback restored lock_timeout
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout TO DEFAULT")
    return True


def retry_on_conflict(
    func: F | None = None, *, attempts: int = ATTEMPTS, using: str | None = None
) -> Any:
    """Run `func` (an `@transaction.atomic` service) again after a lost race, `attempts` times.

    Put it OUTSIDE `transaction.atomic`: a deadlock aborts the whole transaction, so only
    the outermost block can be run again. Called inside an open transaction (a service
    calling another, a receiver, a test's transaction) it does nothing and the error goes up
    to whoever opened that transaction. After the last attempt it raises a ValidationError
    with BUSY_MESSAGE, which the views show like any other refusal.
    """

    def decorate(f: F) -> F:
        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if transaction.get_connection(using).in_atomic_block:
                return f(*args, **kwargs)
            for attempt in range(1, attempts + 1):
                try:
                    return f(*args, **kwargs)
                except DatabaseError as exc:
                    if not is_conflict(exc):
                        raise
                    logger.warning("%s lost a race (attempt %d): %s", f.__name__, attempt, exc)
                    if attempt == attempts:
                        raise ValidationError(BUSY_MESSAGE, code="busy") from exc
                    time.sleep(random.uniform(0, BASE_DELAY * 2**attempt))
            raise AssertionError("unreachable")  # pragma: no cover

        return wrapper  # type: ignore[return-value]

    return decorate(func) if func is not None else decorate
