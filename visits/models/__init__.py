"""Models of visits, cases and safety checks, one module a subject (Django finds them here)."""

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

__all__ = [
    "FINDING_FLOW",
    "Drill",
    "EmergencyPlan",
    "FindingState",
    "HazardFinding",
    "HazardInspection",
    "SafetyReason",
    "SafetyReminderLog",
    "Severity",
]
