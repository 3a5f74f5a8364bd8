"""Every state change of visits and cases: one module a subject."""

from visits.services.case_reminders import case_reminders_send
from visits.services.cases import (
    case_close,
    case_open,
    case_reassign,
    case_reopen,
    case_resolve,
    case_start,
    case_to_notice,
)
from visits.services.sampling import sample_draw
from visits.services.visits import Findings, mismatches, visit_record

__all__ = [
    "Findings",
    "case_close",
    "case_open",
    "case_reassign",
    "case_reminders_send",
    "case_reopen",
    "case_resolve",
    "case_start",
    "case_to_notice",
    "mismatches",
    "sample_draw",
    "visit_record",
]
