"""Each accepted household's instalments: one household at acceptance, the whole programme
in bulk, and cancelling what is unpaid when an acceptance is revoked or a household withdraws."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from acceptance.queries import accepted_households
from subsidies.models import (
    INSTALMENT_FLOW,
    LINE_FLOW,
    BatchState,
    Instalment,
    InstalmentStatus,
    SubsidyEvent,
    SubsidyReason,
    SubsidyStandard,
)
from subsidies.money import ZERO
from subsidies.pricing import household_price, planned_items
from subsidies.queries import acceptance_date, accepted_with_dates, current_standards
from subsidies.services.common import (
    Action,
    batches_changed,
    lock_household,
    open_lines,
    user_or_none,
)
from tasks.models import Household, Programme
from zichuan_heating.locks import lock_tables, retry_on_conflict


@retry_on_conflict
@transaction.atomic
def schedule_generate(*, household: Household, by: Any = None) -> int:
    """Create the household's missing instalments (and reinstate cancelled unpaid ones).

    Idempotent: a second call creates nothing. Only for accepted households.
    """
    household = lock_household(household)
    if not accepted_households(household.programme).filter(pk=household.pk).exists():
        raise ValidationError(_("该户尚未通过验收，不能生成补贴计划。"))
    standard = current_standards(household.programme).get(household.route)
    if standard is None:
        raise ValidationError(_("尚未设定该改造方式的补贴标准。"))
    accepted_on = acceptance_date(household)  # one-off items fall due on it
    locked = household.instalments.select_for_update().order_by("id")  # household first
    existing = {(i.item, i.season): i for i in locked}
    new = []
    for item, season, amount, due in planned_items(
        household.programme, standard, household_price(household), accepted_on
    ):
        inst = existing.get((item, season))
        if inst is None:
            new.append(
                Instalment(
                    household=household,
                    item=item,
                    season=season,
                    amount=amount,
                    standard=standard,
                    due_date=due,
                )
            )
        elif INSTALMENT_FLOW.can(inst, "reinstate"):
            _reinstate(inst, amount, standard)
    if new:
        bulk_create_with_history(new, Instalment, default_user=user_or_none(by))
    return len(new)


def _reinstate(inst: Instalment, amount: Any, standard: SubsidyStandard) -> None:
    INSTALMENT_FLOW.apply(inst, "reinstate")
    inst.cancel_reason = ""
    if inst.amount != amount:
        inst.previous_amount, inst.amount = inst.amount, amount
    inst.standard = standard
    inst._change_reason = SubsidyReason.REINSTATED
    inst.save()


@retry_on_conflict
@transaction.atomic
def schedules_generate(*, programme: Programme, by: Any = None) -> int:
    """Create the instalments of every accepted household of the programme that has none.

    Bulk and idempotent: a second run creates nothing (households that already have a
    schedule are skipped). Amounts still come from `planned_items`, i.e. from money.py:
    Python prices each (route, equipment) combination once into a small plan table, and one
    INSERT ... SELECT joins it to the households inside the database. The households are
    locked first (the one lock order) and only then chosen, in a statement of its own that
    sees what committed before the locks: a single household's `schedule_generate` waits
    for this run or was seen by it, so no two write the same instalment (the unique
    constraint stays the guard) and the insert needs no ON CONFLICT, which costs a
    speculative insertion per row. One SubsidyEvent row records the run (simple-history does
    not see bulk inserts).
    """
    if connection.vendor == "postgresql":
        # The choosing statements' estimates (a subquery per household) pass jit_above_cost:
        # compiling them took 0.3 s of a 0.7 s statement, for plans run once.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
    accepted = accepted_households(programme)
    plan = _plan_rows(programme, accepted)
    unscheduled = accepted.exclude(Exists(Instalment.objects.filter(household=OuterRef("pk"))))
    set_based = connection.vendor == "postgresql" and unscheduled.count() >= SET_BASED_KEYS_FROM
    # Every household at once under table locks (no row locks, no list of ids): dropping an
    # instalment foreign key needs both ends' tables, and nobody sees the table without its
    # keys while they are held (until the commit). Behind a long reader: row by row instead.
    set_based = set_based and lock_tables(
        (SubsidyStandard, Household, Instalment), timeout=TABLE_LOCK_TIMEOUT
    )
    locked: list[int] | None = None
    if not set_based:
        locked = list(
            Household.objects.filter(pk__in=unscheduled.values("pk"))
            .locked()
            .values_list("pk", flat=True)
        )
    created = 0
    if plan and (set_based or locked):
        with connection.cursor() as cursor:
            created = _insert_planned(cursor, plan, accepted, locked)
    SubsidyEvent.objects.create(
        action=Action.SCHEDULES_GENERATED,
        by=user_or_none(by),
        programme=programme,
        count=created,
        note=_("批量生成补贴计划"),
        details={"plan_rows": len(plan)},
    )
    return created


#: From this many households on, the bulk run checks the new instalments' foreign keys in one
#: statement per key instead of one trigger per row (780,000 at province scale, most of the
#: run's time at commit). It pays for that with the tables' exclusive locks for the run.
SET_BASED_KEYS_FROM = 5_000
#: How long the bulk run waits for those locks. While it waits, every new reader of the three
#: tables queues behind it, so a long reader (an export, a report) would stall every page:
#: past this the run gives up the table locks and goes row by row instead.
TABLE_LOCK_TIMEOUT = "2s"


def _plan_rows(programme: Programme, accepted: Any) -> list[tuple]:
    """The plan table: each (route, equipment) combination of the households, priced once."""
    standards = current_standards(programme)
    today = timezone.localdate()
    combos = (
        accepted.order_by().values_list("route", "equipment_id", "equipment__price_cap").distinct()
    )
    ops = connection.ops
    plan = []
    for route, equipment_id, price in combos:
        standard = standards.get(route)
        if standard is None:
            continue
        for item, season, amount, due in planned_items(programme, standard, price, today):
            plan.append(
                (
                    route,
                    equipment_id or 0,
                    item,
                    season,
                    ops.adapt_decimalfield_value(amount, 12, 2),
                    standard.pk,
                    ops.adapt_datefield_value(due),
                )
            )
    return plan


def _temp_ids(cursor: Any, ids: list[int]) -> None:
    """The locked households' ids as the temporary table subsidy_locked."""
    cursor.execute("CREATE TEMP TABLE subsidy_locked (id bigint PRIMARY KEY)")
    if connection.vendor == "postgresql":
        cursor.execute("INSERT INTO subsidy_locked SELECT unnest(%s::bigint[])", [ids])
    else:
        cursor.executemany("INSERT INTO subsidy_locked VALUES (%s)", [(i,) for i in ids])


def _insert_planned(cursor: Any, plan: list[tuple], accepted: Any, locked: list[int] | None) -> int:
    """Join the plan table to the locked households still without a schedule, in the database;
    returns the number of instalments written.

    `locked` None (PostgreSQL, the tables locked by `lock_tables`): every accepted household
    without a schedule, and the instalments' foreign keys are dropped for the insert and added
    back, under the same names and definitions, right after it. Adding a foreign key checks
    every row in one anti-join, where each inserted row would otherwise queue a deferred
    check run one by one at commit. A row without its household or standard still fails the
    run (before the commit), and nobody sees the table without its keys: the exclusive locks
    are held until the commit."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = Instalment._meta.db_table
    households = Household._meta.db_table
    accepted_sql, accepted_params = accepted_with_dates(accepted).query.sql_with_params()
    cursor.execute(
        "CREATE TEMP TABLE subsidy_plan (route varchar(16), equipment_key bigint, "
        "item varchar(16), season varchar(9), amount numeric(12, 2), standard_id bigint, "
        "due_date date)"
    )
    cursor.executemany("INSERT INTO subsidy_plan VALUES (%s, %s, %s, %s, %s, %s, %s)", plan)
    set_based = locked is None
    if not set_based:
        _temp_ids(cursor, locked)
    # Chosen again now that the locks are held (this statement sees what committed before
    # them), and BEFORE the insert: an anti-join against the table being filled would
    # rescan its growing heap for every household.
    cursor.execute(
        "CREATE TEMP TABLE subsidy_households AS "
        "SELECT h.id, h.route, COALESCE(h.equipment_id, 0) AS equipment_key, d.accepted_on "
        f"FROM {households} h "
        f"{'' if set_based else 'JOIN subsidy_locked l ON l.id = h.id '}"
        f"JOIN ({accepted_sql}) d ON d.id = h.id "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} i WHERE i.household_id = h.id) "
        "ORDER BY h.id",
        accepted_params,
    )
    keys = _foreign_keys(cursor, table) if set_based else []
    for name, _definition in keys:
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    cursor.execute(
        f"INSERT INTO {table} (household_id, item, season, amount, standard_id, due_date, "
        "status, cancel_reason, created_at, updated_at) "
        # One-off items (no season) fall due on the household's acceptance date.
        "SELECT h.id, p.item, p.season, p.amount, p.standard_id, "
        "CASE WHEN p.season = '' THEN h.accepted_on ELSE p.due_date END, "
        "%s, '', %s, %s "
        "FROM subsidy_households h JOIN subsidy_plan p "
        "ON p.route = h.route AND p.equipment_key = h.equipment_key",
        [InstalmentStatus.SCHEDULED, now, now],
    )
    created = cursor.rowcount
    for name, definition in keys:
        cursor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
        )
    for temp in ("subsidy_plan", "subsidy_households", *(() if set_based else ("subsidy_locked",))):
        cursor.execute(f"DROP TABLE {temp}")
    if connection.vendor == "postgresql":
        # Fresh statistics after a bulk load, or the next batch_prepare plans for an
        # empty table and runs a nested loop over 100,000 households (minutes, not s).
        cursor.execute(f"ANALYZE {table}")
    return created


def _foreign_keys(cursor: Any, table: str) -> list[tuple[str, str]]:
    """The table's foreign keys as (name, definition), e.g. ("…_fk_tasks_hou", "FOREIGN KEY
    (household_id) REFERENCES tasks_household(id) DEFERRABLE INITIALLY DEFERRED").

    First the checks other statements of the transaction left pending: PostgreSQL alters
    no table with pending trigger events (a household inserted earlier in the same
    transaction); they run now instead of at the commit, and stay deferred afterwards (every
    deferrable constraint of the schema is initially deferred, so ALL DEFERRED changes none)."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [table],
    )
    return cursor.fetchall()


@retry_on_conflict
@transaction.atomic
def instalments_cancel(*, household: Household, by: Any, reason: str) -> int:
    """Cancel every unpaid instalment of the household; paid ones stay paid.

    An instalment sitting in a batch that is not paid yet leaves it (its line is marked
    failed with the reason) and that batch loses its approval if it had one. Locks in the
    one order: the household, its instalments, their lines, then those batches.
    """
    reason = (reason or "").strip() or _("验收撤销或退出")
    household = lock_household(household)
    unpaid = list(household.instalments.select_for_update().unpaid().order_by("id"))
    if not unpaid:
        return 0
    lines = list(open_lines(instalment__in=unpaid, unless_batch=[BatchState.PAID]).order_by("id"))
    for line in lines:
        LINE_FLOW.apply(line, "fail")  # its instalment is cancelled below, not released
        line.failure_reason = reason[:200]
        line._change_reason = SubsidyReason.CANCELLED
        line.save()
    for inst in unpaid:
        INSTALMENT_FLOW.apply(inst, "cancel")
        inst.cancel_reason = reason[:200]
        inst._change_reason = SubsidyReason.CANCELLED
        inst.save()
    batches_changed({line.batch_id for line in lines}, by, _("改造户补贴已取消"))
    SubsidyEvent.objects.create(
        action=Action.INSTALMENTS_CANCELLED,
        by=user_or_none(by),
        programme_id=household.programme_id,
        household=household,
        count=len(unpaid),
        amount=sum((i.amount for i in unpaid), ZERO),
        note=reason[:300],
    )
    return len(unpaid)
