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
from visits.models.safety import (
    FINDING_FLOW,
    Drill,
    EmergencyPlan,
    FindingState,
    HazardFinding,
    HazardInspection,
    SafetyReason,
    SafetyReminderLog,
    Severity,
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
    "FINDING_FLOW",
    "OPEN_STATUSES",
    "VISIT_FLOW",
    "Case",
    "CaseAction",
    "CaseCategory",
    "CaseEvent",
    "CaseSource",
    "CaseStatus",
    "Drill",
    "EmergencyPlan",
    "FindingState",
    "HazardFinding",
    "HazardInspection",
    "SafetyReason",
    "SafetyReminderLog",
    "SampleMode",
    "Severity",
    "Visit",
    "VisitPhoto",
    "VisitSample",
    "VisitStatus",
]
