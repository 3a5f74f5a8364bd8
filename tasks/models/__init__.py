"""Models of the 建设任务 app, one module per subject."""

from .jobs import Milestone, ReminderLog, ReportJob, ReportKind, ReportState
from .ledger import Contractor, ContractorKind, EquipmentModel, Household, HouseholdStatus, Route
from .plans import PlanStatus, TownPlan
from .programme import Programme, Quota, Town, TownKind, Village

__all__ = [
    "Contractor",
    "ContractorKind",
    "EquipmentModel",
    "Household",
    "HouseholdStatus",
    "Milestone",
    "PlanStatus",
    "Programme",
    "Quota",
    "ReminderLog",
    "ReportJob",
    "ReportKind",
    "ReportState",
    "Route",
    "Town",
    "TownKind",
    "TownPlan",
    "Village",
]
