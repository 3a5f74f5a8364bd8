"""Models of the 建设任务 app, one module per subject."""

from .audit import IdNumberView
from .imports import ImportJob, ImportState
from .jobs import Milestone, ReminderLog, ReportJob, ReportKind, ReportState
from .ledger import Contractor, ContractorKind, EquipmentModel, Household, HouseholdStatus, Route
from .plans import (
    NoticeState,
    PlanReview,
    PlanStatus,
    ReviewDecision,
    ScheduleSetting,
    SupervisionNotice,
    TownPlan,
    TownPlanLine,
    TownPlanSubmission,
)
from .programme import Programme, Quota, Town, TownKind, Village

__all__ = [
    "Contractor",
    "ContractorKind",
    "EquipmentModel",
    "Household",
    "HouseholdStatus",
    "IdNumberView",
    "ImportJob",
    "ImportState",
    "Milestone",
    "NoticeState",
    "PlanReview",
    "PlanStatus",
    "Programme",
    "Quota",
    "ReminderLog",
    "ReportJob",
    "ReportKind",
    "ReportState",
    "ReviewDecision",
    "Route",
    "ScheduleSetting",
    "SupervisionNotice",
    "Town",
    "TownKind",
    "TownPlan",
    "TownPlanLine",
    "TownPlanSubmission",
    "Village",
]
