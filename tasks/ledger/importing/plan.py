"""What an import is about to do: where it may write, its row errors, its plan and outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tasks.models import Household, Programme, Village
from zichuan_heating.scoping import sees_all_towns


@dataclass(frozen=True, slots=True)
class RowError:
    row: int | None
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Scope:
    """Where an import may write: one town (a town official, `--town`) or every town."""

    town_ids: set[int] | None  # None: every town

    @classmethod
    def for_user(cls, user: Any) -> Scope:
        if sees_all_towns(user):
            return cls(None)
        return cls({user.town_id} if user.town_id else set())

    def allows(self, town_id: int) -> bool:
        return self.town_ids is None or town_id in self.town_ids


class WritePlan:
    """What every import's plan answers (its `errors`, `to_create`, `to_update`, `unchanged`):
    whether it may be written, and how many rows it creates, updates or leaves."""

    errors: list[RowError]
    to_create: list
    to_update: list
    unchanged: int

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.to_create),
            "updated": len(self.to_update),
            "unchanged": self.unchanged,
        }


@dataclass
class Plan(WritePlan):
    """The outcome of validation: what a commit would write."""

    programme: Programme
    total_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    #: New households as plain rows by attribute name (`write.new_household`).
    to_create: list[dict[str, Any]] = field(default_factory=list)
    to_update: list[Household] = field(default_factory=list)
    unchanged: int = 0
    new_villages: dict[tuple[int, str], Village] = field(default_factory=dict)
    preview: dict[str, Any] = field(default_factory=dict)
    #: Each registered extra column set's checked state, for its writer (`extra`).
    extras: dict[str, Any] = field(default_factory=dict)
    #: Seconds per phase (inspect, read, parse, classify, write), for the benchmark.
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class WriteOutcome:
    """What every import did: rows created, updated, unchanged, its row errors, and whether it
    was written."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False


@dataclass
class ImportOutcome(WriteOutcome):
    plan: Plan | None = None
