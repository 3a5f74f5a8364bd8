"""The SQL that keeps the tallies (`tasks.models.tallies`) exact: triggers, and the fill.

Each tally is an upsert of signed deltas: +1 for every row a statement leaves, -1 for every
row it took away, summed per key, in key order (so concurrent writers take the tally rows in
one order), added to the stored count. What a row contributes is written once, as a SELECT
over "the rows" of a statement; the same SELECT serves both databases:

- PostgreSQL: statement-level AFTER triggers with transition tables (`new_rows`,
  `old_rows`): one upsert per statement, whether it saved one household or COPY'd 100,000;
- SQLite (the demo and dev default): row-level AFTER triggers over `NEW` and `OLD`.

The fill runs the same upsert over the whole table, once, when the triggers are created.
The acceptance app builds its own triggers with `triggers()` (its records give the accepted
and completion days). Changing what a row contributes needs a migration that recreates the
triggers and refills the tallies.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tasks.progress.queries import STAGE_STATUSES

HOUSEHOLD = "tasks_household"
HOUSEHOLD_TALLY = "tasks_householdtally"
STAGE_DAY_TALLY = "tasks_stagedaytally"

HOUSEHOLD_TALLY_KEY = ("programme_id", "town_id", "village_id", "status")
STAGE_DAY_TALLY_KEY = ("programme_id", "town_id", "stage", "day")

#: The stages dated by the household itself: (stage, its date column). The status must be at
#: the stage or beyond (`STAGE_STATUSES`), as the dashboard's curve has always counted them.
DATED_STAGES = (
    ("contracted", "contract_signed_on"),
    ("started", "construction_started_on"),
    ("built", "construction_completed_on"),
)
#: The household columns the contributions read (and a SQLite update trigger watches).
HOUSEHOLD_COLUMNS = (
    "id",
    "programme_id",
    "town_id",
    "village_id",
    "status",
    *(column for _stage, column in DATED_STAGES),
)

#: A function of "the rows" (a subquery with the table's columns and `sign`) giving the key
#: columns and `sign` of each contribution.
Source = Callable[[str], str]


def quoted(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upsert(table: str, key: Sequence[str], contributions: str) -> str:
    cols = ", ".join(key)
    return (
        f"INSERT INTO {table} ({cols}, n) "
        f"SELECT {cols}, SUM(sign) FROM ({contributions}) AS c "
        f"GROUP BY {cols} HAVING SUM(sign) <> 0 ORDER BY {cols} "
        f"ON CONFLICT ({cols}) DO UPDATE SET n = {table}.n + excluded.n"
    )


def household_status_rows(rows: str) -> str:
    return f"SELECT r.programme_id, r.town_id, r.village_id, r.status, r.sign FROM ({rows}) AS r"


def household_stage_day_rows(rows: str) -> str:
    parts = [
        f"SELECT r.programme_id, r.town_id, '{stage}' AS stage, r.{column} AS day, r.sign "
        f"FROM ({rows}) AS r "
        f"WHERE r.status IN ({quoted(STAGE_STATUSES[stage])}) AND r.{column} IS NOT NULL"
        for stage, column in DATED_STAGES
    ]
    return " UNION ALL ".join(parts)


@dataclass(frozen=True)
class Tally:
    table: str
    key: Sequence[str]
    source: Source


HOUSEHOLD_TALLIES = (
    Tally(HOUSEHOLD_TALLY, HOUSEHOLD_TALLY_KEY, household_status_rows),
    Tally(STAGE_DAY_TALLY, STAGE_DAY_TALLY_KEY, household_stage_day_rows),
)


def _rows(vendor: str, columns: Sequence[str], pseudo: str, sign: int) -> str:
    if vendor == "postgresql":
        table = "new_rows" if pseudo == "NEW" else "old_rows"
        return f"SELECT {', '.join(columns)}, {sign} AS sign FROM {table}"
    return "SELECT " + ", ".join(f"{pseudo}.{c} AS {c}" for c in columns) + f", {sign} AS sign"


def _statements(vendor: str, tallies: Sequence[Tally], columns: Sequence[str], op: str) -> str:
    sides = {"insert": [("NEW", 1)], "delete": [("OLD", -1)], "update": [("NEW", 1), ("OLD", -1)]}
    rows = " UNION ALL ".join(_rows(vendor, columns, p, s) for p, s in sides[op])
    return "; ".join(upsert(t.table, t.key, t.source(rows)) for t in tallies) + ";"


def triggers(
    vendor: str,
    *,
    name: str,
    table: str,
    columns: Sequence[str],
    tallies: Sequence[Tally],
    ops: Sequence[str] = ("insert", "update", "delete"),
    on_truncate: str = "",
) -> tuple[list[str], list[str]]:
    """(create statements, drop statements) of the triggers `name`_<op> on `table`, and on
    PostgreSQL `on_truncate` (the statements that empty what the table's rows gave) run by a
    TRUNCATE of the table, which fires no row or delete trigger."""
    create: list[str] = []
    drop: list[str] = []
    if vendor == "postgresql" and on_truncate:
        trigger = f"{name}_truncate"
        create.append(
            f"CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {on_truncate} RETURN NULL; END $$"
        )
        create.append(
            f"CREATE TRIGGER {trigger} AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {trigger}()"
        )
        drop += [f"DROP TRIGGER IF EXISTS {trigger} ON {table}", f"DROP FUNCTION {trigger}()"]
    for op in ops:
        trigger = f"{name}_{op}"
        body = _statements(vendor, tallies, columns, op)
        if vendor == "postgresql":
            refs = {
                "insert": "NEW TABLE AS new_rows",
                "delete": "OLD TABLE AS old_rows",
                "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            }[op]
            create.append(
                f"CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {body} RETURN NULL; END $$"
            )
            create.append(
                f"CREATE TRIGGER {trigger} AFTER {op.upper()} ON {table} "
                f"REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION {trigger}()"
            )
            drop += [f"DROP TRIGGER IF EXISTS {trigger} ON {table}", f"DROP FUNCTION {trigger}()"]
        else:
            watched = f" OF {', '.join(c for c in columns if c != 'id')}" if op == "update" else ""
            create.append(
                f"CREATE TRIGGER {trigger} AFTER {op.upper()}{watched} ON {table} "
                f"FOR EACH ROW BEGIN {body} END"
            )
            drop.append(f"DROP TRIGGER IF EXISTS {trigger}")
    return create, drop


def fill(table: str, columns: Sequence[str], tallies: Sequence[Tally]) -> list[str]:
    """Count the existing rows of `table` into `tallies` (the same contributions)."""
    rows = f"SELECT {', '.join(columns)}, 1 AS sign FROM {table}"
    return [upsert(t.table, t.key, t.source(rows)) for t in tallies]


def household_triggers(vendor: str) -> tuple[list[str], list[str]]:
    return triggers(
        vendor,
        name="tasks_household_tally",
        table=HOUSEHOLD,
        columns=HOUSEHOLD_COLUMNS,
        tallies=HOUSEHOLD_TALLIES,
        on_truncate=(
            f"DELETE FROM {HOUSEHOLD_TALLY}; DELETE FROM {STAGE_DAY_TALLY} "
            f"WHERE stage IN ({quoted([stage for stage, _column in DATED_STAGES])});"
        ),
    )


def household_fill() -> list[str]:
    return fill(HOUSEHOLD, HOUSEHOLD_COLUMNS, HOUSEHOLD_TALLIES)
