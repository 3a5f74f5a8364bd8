"""Models of visits, cases and safety checks, one module a subject (Django finds them here)."""

from visits.models.cases import (
    CASE_FLOW,
    OPEN_STATUSES,
    Case,
    CaseAction,
    CaseCategory,
    CaseEvent,
    CaseSource,
    CaseStatus,
)
from visits.models.visits import (
    VISIT_FLOW,
    SampleMode,
    Visit,
    VisitPhoto,
    VisitSample,
    VisitStatus,
)

__all__ = [
    "CASE_FLOW",
    "OPEN_STATUSES",
    "VISIT_FLOW",
    "Case",
    "CaseAction",
    "CaseCategory",
    "CaseEvent",
    "CaseSource",
    "CaseStatus",
    "SampleMode",
    "Visit",
    "VisitPhoto",
    "VisitSample",
    "VisitStatus",
]
