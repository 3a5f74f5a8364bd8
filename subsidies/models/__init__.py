"""Subsidy standards, each household's instalments, disbursement batches and their lines.

History: every model keeps django-simple-history rows for single-row saves. Bulk actions
(schedule generation, batch preparation, marking a batch paid, bank returns, re-pricing)
write through `QuerySet.update` / `bulk_create`, which simple-history does not see, so each
of them writes ONE compact `SubsidyEvent` row (who, when, what, how many, how much, ids).
"""

# One module a subject, everything importable from `subsidies.models` as before. The metering
# package (meters, readings, flags, adjustments) and the payments package (accounts, fund shares,
# budgets) keep their models beside their services; imported here, Django registers them with
# this app.
from subsidies.metering.models import *  # noqa: F403
from subsidies.models.batches import *  # noqa: F403
from subsidies.models.common import MONEY  # noqa: F401
from subsidies.models.events import *  # noqa: F403
from subsidies.models.instalments import *  # noqa: F403
from subsidies.models.standards import *  # noqa: F403
from subsidies.payments.models import (  # noqa: F401
    FundBudget,
    FundShare,
    PaymentAccount,
)
