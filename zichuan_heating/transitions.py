"""One way to move a status: a flow names each action, the states it may start from and the
state it leads to; services call `Flow.apply`, which refuses with a Chinese message naming the
action and the current state, so no service hand-writes its own "if status not in …" block.

A flow checks and moves only; the service around it locks the row first, checks what else the
action needs (dates, permissions), saves and records history.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Transition:
    name: str
    label: str | Promise
    sources: frozenset[str]
    target: str


class Flow:
    """The allowed moves of one status field, e.g. `Flow("status", [Transition(...), ...])`."""

    def __init__(self, field: str, transitions: Iterable[Transition]) -> None:
        self.field = field
        self.transitions = {t.name: t for t in transitions}

    def __getitem__(self, name: str) -> Transition:
        return self.transitions[name]

    def can(self, obj: Any, name: str) -> bool:
        return getattr(obj, self.field) in self.transitions[name].sources

    def available(self, obj: Any) -> list[Transition]:
        return [t for t in self.transitions.values() if getattr(obj, self.field) in t.sources]

    def check(self, obj: Any, name: str) -> Transition:
        """The transition if `obj` may take it now; otherwise a ValidationError saying why."""
        transition = self.transitions[name]
        if getattr(obj, self.field) not in transition.sources:
            raise ValidationError(
                _("当前状态为“%(state)s”，不能%(action)s。")
                % {"state": self.state_label(obj), "action": transition.label}
            )
        return transition

    def apply(self, obj: Any, name: str) -> str:
        """Check, then set the target state on `obj` (not saved); returns the state it left."""
        transition = self.check(obj, name)
        before = getattr(obj, self.field)
        setattr(obj, self.field, transition.target)
        return before

    def state_label(self, obj: Any) -> str:
        display = getattr(obj, f"get_{self.field}_display", None)
        return str(display()) if display else str(getattr(obj, self.field))
