"""Business actions of the subsidies app, by topic.

- `standards`: the shipped example standards, a new version and the re-pricing it causes;
- `schedules`: each accepted household's instalments, and cancelling the unpaid ones;
- `batches`: prepare, approve or return, resubmit or withdraw, export, pay, fail a line,
  write the sheet;
- `bank_return`: the bank's per-line return of an exported batch;
- `common`: who may act, the locks, the audit event, paying and failing lines.

Every action runs in one transaction with the acting user as `by=`. `PermissionDenied` says
who may not act, `ValidationError` what is not allowed. Reads live in `subsidies.queries`,
the amounts in `subsidies.pricing`. The names below are the package's public actions.
"""

from subsidies.services.bank_return import BankReturnError, BankReturnResult, bank_return_import
from subsidies.services.batches import (
    batch_approve,
    batch_line_add,
    batch_mark_exported,
    batch_mark_paid,
    batch_prepare,
    batch_resubmit,
    batch_return,
    batch_withdraw,
    disbursement_export,
    line_mark_failed,
)
from subsidies.services.schedules import instalments_cancel, schedule_generate, schedules_generate
from subsidies.services.standards import STANDARD_FIELDS, standard_change, standards_load

__all__ = [
    "STANDARD_FIELDS",
    "BankReturnError",
    "BankReturnResult",
    "bank_return_import",
    "batch_approve",
    "batch_line_add",
    "batch_mark_exported",
    "batch_mark_paid",
    "batch_prepare",
    "batch_resubmit",
    "batch_return",
    "batch_withdraw",
    "disbursement_export",
    "instalments_cancel",
    "line_mark_failed",
    "schedule_generate",
    "schedules_generate",
    "standard_change",
    "standards_load",
]
