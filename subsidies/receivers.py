"""Keep schedules in step with the ledger: acceptance creates them, revocation/withdrawal cancels.

Receivers run inside the sender's transaction, so the schedule commits or rolls back with
the change of status that caused it.
"""

import logging

from django.dispatch import receiver

from subsidies import queries, services
from tasks.ledger.signals import (
    household_acceptance_revoked,
    household_accepted,
    household_withdrawn,
)

logger = logging.getLogger(__name__)


@receiver(household_accepted, dispatch_uid="subsidies_schedule_on_accept")
def on_household_accepted(sender, *, household, by=None, **kwargs):
    # Without a standard for the route there is nothing to schedule yet; acceptance itself
    # must not fail for that (schedules_generate catches up once the standard exists).
    if household.route not in queries.current_standards(household.programme):
        logger.warning(
            "no subsidy standard for %s; household %s not scheduled", household.route, household.pk
        )
        return
    services.schedule_generate(household=household, by=by)


@receiver(household_acceptance_revoked, dispatch_uid="subsidies_cancel_on_revoke")
def on_acceptance_revoked(sender, *, household, by=None, reason="", **kwargs):
    services.instalments_cancel(household=household, by=by, reason=f"撤销验收：{reason}")


@receiver(household_withdrawn, dispatch_uid="subsidies_cancel_on_withdraw")
def on_household_withdrawn(sender, *, household, by=None, reason="", **kwargs):
    services.instalments_cancel(household=household, by=by, reason=f"退出改造：{reason}")
