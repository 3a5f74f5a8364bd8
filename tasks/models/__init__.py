"""Models of the 建设任务 app, one module per subject."""

from .imports import ImportJob, ImportState
from .ledger import Contractor, ContractorKind, EquipmentModel, Household, HouseholdStatus, Route
from .plans import PlanStatus, TownPlan
from .programme import Programme, Quota, Town, TownKind, Village

__all__ = [
    "Contractor",
    "ContractorKind",
    "EquipmentModel",
    "Household",
    "HouseholdStatus",
    "ImportJob",
    "ImportState",
    "PlanStatus",
    "Programme",
    "Quota",
    "Route",
    "Town",
    "TownKind",
    "TownPlan",
    "Village",
]
