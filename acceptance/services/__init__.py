"""Business actions of acceptance, by topic: inspections (one household or a village batch),
rectifications, revocation, the coal stove's removal, and the attachments they carry.

Each action locks the household row first (`Household.objects….locked()`), runs in one
transaction and records history. The household becomes "accepted" only when commissioning
passes (`HOUSEHOLD_FLOW` "accept"), which sends `tasks.ledger.signals.household_accepted`;
a revocation ("revoke_acceptance") sends `household_acceptance_revoked`, so the subsidy module
creates and stops instalments inside the same transaction.
"""

from acceptance.services.attachments import ATTACHMENT_MAX_BYTES, attachment_sniff
from acceptance.services.checks import InspectorData
from acceptance.services.inspections import (
    BatchEntry,
    Inspection,
    acceptance_record,
    acceptance_record_batch,
)
from acceptance.services.rectifications import rectification_record
from acceptance.services.revocation import acceptance_revoke
from acceptance.services.stove_removal import household_record_stove_removal

__all__ = [
    "ATTACHMENT_MAX_BYTES",
    "BatchEntry",
    "Inspection",
    "InspectorData",
    "acceptance_record",
    "acceptance_record_batch",
    "acceptance_revoke",
    "attachment_sniff",
    "household_record_stove_removal",
    "rectification_record",
]
