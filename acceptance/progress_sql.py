"""Where a household stands in acceptance, kept by the database in the household's
`acceptance_progress` column, and the built households counted by it per village.

What the records say is written once, here, as one SQL expression (`progress`) over a
household's valid records: its latest valid record failed (整改中, or 待复验 once a
rectification is recorded against that record), else it has a valid completion pass (待调试验收),
else nothing yet ('': 待竣工验收 while the household is built). `acceptance.queries.state_of`
adds the household's status to it.

Triggers on the records and the rectifications set the column of each household a statement
touched, in the same transaction, whatever wrote the rows (a service, a bulk write, a factory,
raw SQL). Nothing else may change it: on PostgreSQL a guard keeps the stored value when the
column is written from outside a trigger (a whole-row `save()` of a household read before its
records changed); on SQLite the guard sets it again from the records. The column is
`editable=False`, out of the household's history, and every Python writer leaves it alone.

`ProgressTally` counts the built households per programme, town, village and progress, kept
by `tasks.progress.tally_sql` triggers on the households, so the awaiting list's tabs know
each village's count without reading a record (tests/tasks/progress/test_tallies.py recounts
both from scratch after a random walk through the services). Changing what a row contributes
needs a migration that recreates the triggers and refills the column and the tally.
"""

from tasks.progress import tally_sql
from tasks.progress.tally_sql import Tally

RECORDS = "acceptance_acceptance"
RECTIFICATIONS = "acceptance_rectification"
PROGRESS_TALLY = "acceptance_progresstally"
PROGRESS_TALLY_KEY = ("programme_id", "town_id", "village_id", "progress")
HOUSEHOLD_COLUMNS = ("id", "programme_id", "town_id", "village_id", "status", "acceptance_progress")


def _latest(column: str, household: str) -> str:
    return (
        f"SELECT l.{column} FROM {RECORDS} AS l WHERE l.household_id = {household} "
        "AND NOT l.revoked ORDER BY l.date DESC, l.created_at DESC, l.id DESC LIMIT 1"
    )


def progress(household: str) -> str:
    """The progress of the household whose id is the SQL expression `household`."""
    return (
        f"(CASE WHEN ({_latest('result', household)}) = 'fail' THEN "
        f"CASE WHEN EXISTS (SELECT 1 FROM {RECTIFICATIONS} AS x "
        f"WHERE x.acceptance_id = ({_latest('id', household)})) "
        "THEN 'awaiting_reinspection' ELSE 'rectifying' END "
        f"WHEN EXISTS (SELECT 1 FROM {RECORDS} AS c WHERE c.household_id = {household} "
        "AND NOT c.revoked AND c.kind = 'completion' AND c.result = 'pass') "
        "THEN 'awaiting_commissioning' ELSE '' END)"
    )


def _set(ids: str) -> str:
    """Set the progress of the households whose ids `ids` selects, where it changed.

    The planner cannot know how few rows a statement's transition table holds: joined with
    the households, it read every household and every valid completion pass for each
    statement (14 ms to record a dozen inspections among 2,200 households, a scan of the
    million at the bench's size). The ids are therefore gathered into an array first, whose
    length the planner does see, and each id's progress is a LATERAL subquery (OFFSET 0 keeps
    it from being flattened back into a join) that reads its records by index."""
    return (
        f"ids := ARRAY({ids}); "
        f"UPDATE {tally_sql.HOUSEHOLD} AS h SET acceptance_progress = c.p "
        "FROM unnest(ids) AS i(id) "
        f"CROSS JOIN LATERAL (SELECT {progress('i.id')} AS p OFFSET 0) AS c "
        "WHERE h.id = i.id AND h.acceptance_progress <> c.p;"
    )


def _sqlite_set(ids: str) -> str:
    return (
        f"UPDATE {tally_sql.HOUSEHOLD} SET acceptance_progress = "
        f"{progress(tally_sql.HOUSEHOLD + '.id')} WHERE id IN ({ids});"
    )


#: Per table: the column naming the household (directly, or through the record).
_HOUSEHOLD_OF = {
    RECORDS: "{rows}.household_id",
    RECTIFICATIONS: (
        f"(SELECT a.household_id FROM {RECORDS} AS a WHERE a.id = {{rows}}.acceptance_id)"
    ),
}
_TABLES = {"insert": ("new_rows",), "delete": ("old_rows",), "update": ("new_rows", "old_rows")}


def _postgresql_triggers(table: str) -> tuple[list[str], list[str]]:
    create, drop = [], []
    for op, sides in _TABLES.items():
        name = f"{table}_progress_{op}"
        ids = " UNION ".join(
            f"SELECT {_HOUSEHOLD_OF[table].format(rows=side)} FROM {side}" for side in sides
        )
        refs = " ".join(f"{'NEW' if s == 'new_rows' else 'OLD'} TABLE AS {s}" for s in sides)
        create += [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"DECLARE ids bigint[]; BEGIN {_set(ids)} RETURN NULL; END $$",
            f"CREATE TRIGGER {name} AFTER {op.upper()} ON {table} REFERENCING {refs} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
        drop += [f"DROP TRIGGER IF EXISTS {name} ON {table}", f"DROP FUNCTION {name}()"]
    return create, drop


def _sqlite_triggers(table: str) -> tuple[list[str], list[str]]:
    create, drop = [], []
    for op, sides in _TABLES.items():
        name = f"{table}_progress_{op}"
        ids = ", ".join(
            _HOUSEHOLD_OF[table].format(rows="NEW" if s == "new_rows" else "OLD") for s in sides
        )
        create.append(
            f"CREATE TRIGGER {name} AFTER {op.upper()} ON {table} FOR EACH ROW "
            f"BEGIN {_sqlite_set(ids)} END"
        )
        drop.append(f"DROP TRIGGER IF EXISTS {name}")
    return create, drop


def _guard(vendor: str) -> tuple[list[str], list[str]]:
    table, name = tally_sql.HOUSEHOLD, "tasks_household_progress_guard"
    if vendor == "postgresql":
        # Depth 1 is a statement of the application's; the records' triggers write at depth 2.
        return (
            [
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF pg_trigger_depth() < 2 THEN "
                "NEW.acceptance_progress := OLD.acceptance_progress; END IF; RETURN NEW; END $$",
                f"CREATE TRIGGER {name} BEFORE UPDATE OF acceptance_progress ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()",
            ],
            [f"DROP TRIGGER IF EXISTS {name} ON {table}", f"DROP FUNCTION {name}()"],
        )
    return (
        [
            f"CREATE TRIGGER {name} AFTER UPDATE OF acceptance_progress ON {table} FOR EACH ROW "
            f"WHEN NEW.acceptance_progress <> {progress('NEW.id')} "
            f"BEGIN UPDATE {table} SET acceptance_progress = {progress('NEW.id')} "
            "WHERE id = NEW.id; END"
        ],
        [f"DROP TRIGGER IF EXISTS {name}"],
    )


def progress_rows(rows: str) -> str:
    """What a household row gives the tally: built households, by their progress."""
    return (
        "SELECT r.programme_id, r.town_id, r.village_id, r.acceptance_progress AS progress, "
        f"r.sign FROM ({rows}) AS r WHERE r.status = 'built'"
    )


PROGRESS_TALLIES = (Tally(PROGRESS_TALLY, PROGRESS_TALLY_KEY, progress_rows),)


def triggers(vendor: str) -> tuple[list[str], list[str]]:
    """(create, drop) statements of every trigger this module describes."""
    parts = [
        (_postgresql_triggers if vendor == "postgresql" else _sqlite_triggers)(t)
        for t in (RECORDS, RECTIFICATIONS)
    ]
    parts.append(_guard(vendor))
    parts.append(
        tally_sql.triggers(
            vendor,
            name="acceptance_progress_tally",
            table=tally_sql.HOUSEHOLD,
            columns=HOUSEHOLD_COLUMNS,
            tallies=PROGRESS_TALLIES,
            on_truncate=f"DELETE FROM {PROGRESS_TALLY};",
        )
    )
    return [s for c, _d in parts for s in c], [s for _c, d in reversed(parts) for s in d]


def fill() -> list[str]:
    """Set every household's progress from its records, then count the tally (run before the
    triggers exist: the guard would keep the old values)."""
    return [
        f"UPDATE {tally_sql.HOUSEHOLD} SET acceptance_progress = "
        f"{progress(tally_sql.HOUSEHOLD + '.id')} "
        f"WHERE id IN (SELECT household_id FROM {RECORDS})",
        *tally_sql.fill(tally_sql.HOUSEHOLD, HOUSEHOLD_COLUMNS, PROGRESS_TALLIES),
    ]
