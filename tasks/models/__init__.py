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
    NOTICE_FLOW,
    PLAN_FLOW,
    NoticeAttachment,
    NoticeReason,
    NoticeState,
    PlanReason,
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
from tasks.models.tallies import HouseholdTally, StageDayTally

__all__ = [
    "NOTICE_FLOW",
    "PLAN_FLOW",
    "Contractor",
    "ContractorKind",
    "EquipmentModel",
    "Household",
    "HouseholdStatus",
    "HouseholdTally",
    "IdNumberView",
    "ImportJob",
    "ImportState",
    "Milestone",
    "NoticeAttachment",
    "NoticeReason",
    "NoticeState",
    "PlanReason",
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
    "StageDayTally",
    "SupervisionNotice",
    "Town",
    "TownKind",
    "TownPlan",
    "TownPlanLine",
    "TownPlanSubmission",
    "Village",
]
