"""Business actions for town plans (实施方案) and supervision notices (督办), by topic.

Every action is keyword-only, runs in one transaction, takes the acting user as `by=` and
checks who is acting (the service is the last line: a town official can never approve,
whatever the view lets through): `PermissionDenied` says who may not act, `ValidationError`
what is not allowed. Status moves through `PLAN_FLOW` / `NOTICE_FLOW`; history is recorded
with a fixed reason, and the other side is notified.
"""

from tasks.plans.services.access import is_town_official_of
from tasks.plans.services.editing import (
    LINE_FIELDS,
    plan_create,
    plan_revision_open,
    plan_update,
)
from tasks.plans.services.review import plan_approve, plan_return, plan_submit
from tasks.plans.services.schedule import schedule_setting_update
from tasks.plans.services.supervision import (
    notice_answer,
    notice_close,
    notice_issue,
    notice_send_back,
)

__all__ = [
    "LINE_FIELDS",
    "is_town_official_of",
    "notice_answer",
    "notice_close",
    "notice_issue",
    "notice_send_back",
    "plan_approve",
    "plan_create",
    "plan_return",
    "plan_revision_open",
    "plan_submit",
    "plan_update",
    "schedule_setting_update",
]
