"""The write phase: all or nothing, in bulk, one history row per created or changed household.

On PostgreSQL new households and their history rows are streamed by binary COPY; elsewhere
simple_history's bulk helpers write them. Either way each history row is what the library
itself would record, with the reason `HouseholdReason.IMPORT`.
"""

from __future__ import annotations

import enum
import operator
import time
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.ledger.importing.extra import write_rows
from tasks.ledger.importing.plan import Plan
from tasks.models import Household, Village
from tasks.models.ledger import HouseholdReason
from zichuan_heating.spreadsheets import UnusableFile

# The fields an import writes; compared to decide between "updated" and "unchanged".
WRITE_FIELDS = [
    "town_id",
    "village_id",
    "head_name",
    "phone",
    "address",
    "size",
    "route",
    "equipment_id",
    "contractor_id",
    "contract_signed_on",
    "construction_started_on",
    "construction_completed_on",
    "notes",
    "status",
]

_PROTOTYPE: dict[str, Any] | None = None


def new_household(**values: Any) -> dict[str, Any]:
    """A new household's row as plain values by attribute name, for the bulk write.

    Fields not given keep their model defaults (as plain values, not enum members). A plain
    dict, not a model instance: the import checks every value with the parsers and the
    services' rules before, and the instance would only carry them (building 100,000
    instances was a fifth of the import's Python time). `village` may hold a Village the
    commit registers first (its id is then filled in).
    """
    global _PROTOTYPE
    if _PROTOTYPE is None:
        proto = Household()
        _PROTOTYPE = {
            f.attname: _plain(getattr(proto, f.attname)) for f in Household._meta.concrete_fields
        }
    row = _PROTOTYPE.copy()
    row.update(values)
    return row


def as_household(row: dict[str, Any]) -> Household:
    """The model instance of a new household's row (the writers of other databases)."""
    values = {k: v for k, v in row.items() if k != "village"}
    household = Household(**values)
    if row.get("village") is not None:
        household.village = row["village"]
    return household


# --------------------------------------------------------------------------- commit


@transaction.atomic
def commit(plan: Plan, *, by: Any = None) -> dict[str, int]:
    """Write the plan: all or nothing, in bulk, one history row per created or changed household."""
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    if not plan.ok:
        raise ValueError("a plan with errors cannot be committed")
    if plan.new_villages:
        villages = list(plan.new_villages.values())
        Village.objects.bulk_create(villages)
        if villages and villages[0].pk is None:  # a backend without RETURNING
            by_key = {
                (v.town_id, v.name): v
                for v in Village.objects.filter(town_id__in={v.town_id for v in villages})
            }
            for v in villages:
                v.pk = by_key[(v.town_id, v.name)].pk
        for h in plan.to_update:
            village = h._state.fields_cache.get("village")
            if village is not None and h.village_id is None:
                h.village_id = village.pk
        for row in plan.to_create:
            if row["village_id"] is None:
                row["village_id"] = row["village"].pk
    reason = HouseholdReason.IMPORT.value
    started = time.perf_counter()
    try:
        if plan.to_create:
            if connection.vendor == "postgresql":
                _copy_create_with_history(plan.to_create, user=by, reason=reason)
            else:
                bulk_create_with_history(
                    [as_household(row) for row in plan.to_create],
                    Household,
                    batch_size=2000,
                    default_user=by,
                    default_change_reason=reason,
                )
        if plan.to_update:
            bulk_update_with_history(
                plan.to_update,
                Household,
                [*WRITE_FIELDS, "updated_at"],
                batch_size=1000,
                default_user=by,
                default_change_reason=reason,
            )
        if plan.extras:
            write_rows(plan.extras, plan.programme, by)
    except IntegrityError:
        raise UnusableFile(
            _("导入期间台账已被他人修改（身份证号冲突），本次未写入任何数据，请重新导入。")
        ) from None
    plan.timings["write"] = time.perf_counter() - started
    return plan.counts()


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _copy_create_with_history(households: list[dict[str, Any]], *, user: Any, reason: str) -> None:
    """PostgreSQL: the rows simple_history's `bulk_create_with_history` would write, by COPY.

    Django's bulk_create spends most of its time preparing each value in Python and psycopg
    more binding the parameters of huge INSERTs; COPY streams the same rows for a fraction of
    that. Ids are taken from the table's sequence first, so the history rows (one per
    household, type "+", same user, date and reason as the library writes) can name them.
    """
    history_model = Household.history.model
    qn = connection.ops.quote_name
    table = Household._meta.db_table
    fields = [f for f in Household._meta.concrete_fields]
    tracked = [f.attname for f in history_model.tracked_fields]
    history_fields = [f for f in history_model._meta.concrete_fields if f.attname != "history_id"]
    now = timezone.now()
    user_id = getattr(user, "pk", None)
    # Enum members (choices) could reach a row through code that builds households itself.
    first = households[0]
    enums = {a for a, value in first.items() if isinstance(value, enum.Enum)}
    special = {
        "history_date": now,
        "history_change_reason": reason,
        "history_type": "+",
        "history_user_id": user_id,
    }
    attnames = [f.attname for f in fields]
    history_columns = [f.attname for f in history_fields if f.attname not in special]
    assert all(a in tracked and a in attnames for a in history_columns)
    # Each household's row is read once from its dict (plain values, see new_household) and
    # the history row is taken from it by position: C-level itemgetters instead of a getattr
    # and an isinstance per field.
    row_of = operator.itemgetter(*attnames)
    history_of = operator.itemgetter(*(attnames.index(a) for a in history_columns))
    history_tail = tuple(special[f.attname] for f in history_fields if f.attname in special)
    history_order = history_columns + [f.attname for f in history_fields if f.attname in special]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(households)],
        )
        for h, (pk,) in zip(households, cursor.fetchall(), strict=True):
            h["id"] = pk
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        # A thread sends the data while this one formats the next rows: the server's work
        # (indexes) overlaps with Python's instead of each waiting for the other.
        from psycopg.copy import QueuedLibpqWriter as writer

        rows = []
        for h in households:
            row = row_of(h)
            if enums:
                row = tuple(_plain(value) for value in row)
            rows.append(row)
        # The types are asked before each COPY: no other query can run while one is open.
        types = _column_types(cursor, table, [f.column for f in fields])
        columns = ", ".join(qn(f.column) for f in fields)
        # Binary COPY: no text formatting of dates and numbers on either side.
        sql = f"COPY {qn(table)} ({columns}) FROM STDIN (FORMAT BINARY)"
        with raw.copy(sql, writer=writer(raw)) as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)
        history_table = history_model._meta.db_table
        history_db_columns = [history_model._meta.get_field(a).column for a in history_order]
        types = _column_types(cursor, history_table, history_db_columns)
        columns = ", ".join(qn(c) for c in history_db_columns)
        sql = f"COPY {qn(history_table)} ({columns}) FROM STDIN (FORMAT BINARY)"
        with raw.copy(sql, writer=writer(raw)) as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(history_of(row) + history_tail)


def _column_types(cursor: Any, table: str, columns: list[str]) -> list[str]:
    """The PostgreSQL type names of these columns, so COPY picks each dumper once, not per value."""
    cursor.execute(
        "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
        [connection.ops.quote_name(table)],
    )
    types = dict(cursor.fetchall())
    return [types[c] for c in columns]
