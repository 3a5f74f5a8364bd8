"""Models of the 建设任务 app, one module per subject."""

from tasks.models.audit import IdNumberView
from tasks.models.imports import ImportJob, ImportState
from tasks.models.jobs import Milestone, ReminderLog, ReportJob, ReportKind, ReportState
from tasks.models.ledger import (
    Contractor,
    ContractorKind,
    EquipmentModel,
    Household,
    HouseholdStatus,
    Route,
)
from tasks.models.plans import (
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
from tasks.models.programme import Programme, Quota, Town, TownKind, Village

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
