"""The daily job's work on cases: remind the handlers of every overdue case once a day, and
escalate a case to the district office once it is `ESCALATE_AFTER_DAYS` days overdue.

Each reminder and each escalation is claimed by inserting its `CaseEvent` first (unique per
case, action and day; an escalation once per case), so a rerun, a retry or a second beat never
sends twice. The in-app notification is written only after the e-mail went out.
"""

import datetime
import logging
from typing import Any

from django.core.mail import EmailMessage, get_connection
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.plans.services.access import district_recipients
from visits.models import Case, CaseAction, CaseEvent
from visits.models.cases import ESCALATE_AFTER_DAYS
from visits.queries import overdue_cases
from visits.services.cases import handlers
from zichuan_heating.claims import claim
from zichuan_heating.services import notification_send

logger = logging.getLogger("zichuan.reminders")


def _claim(case: Case, action: str, today: datetime.date, note: str) -> CaseEvent | None:
    return claim(
        CaseEvent,
        case=case,
        action=action,
        by=None,
        at=timezone.now(),
        from_status=case.status,
        to_status=case.status,
        note=note,
        day=today,
    )


def _send(connection: Any, recipients: list, subject: str, body: str, url: str) -> None:
    emails = [u.email for u in recipients if u.email]
    if emails:
        EmailMessage(subject, body, to=emails, connection=connection).send()
    if recipients:
        notification_send(recipients=recipients, title=subject, body=body, url=url)


def _one(case: Case, today: datetime.date, connection: Any) -> list[dict[str, Any]]:
    days = (today - timezone.localdate(case.deadline)).days
    deadline = timezone.localtime(case.deadline).strftime("%Y-%m-%d %H:%M")
    done = []
    steps = [(CaseAction.REMIND, handlers(case))]
    if days >= ESCALATE_AFTER_DAYS and case.escalated_at is None:
        steps.append((CaseAction.ESCALATE, district_recipients()))
    for action, recipients in steps:
        subject = (
            _("【工单逾期】%(number)s %(title)s：已超过办理期限 %(days)s 天")
            if action == CaseAction.REMIND
            else _("【工单上报】%(number)s %(title)s：逾期 %(days)s 天未办结，请区清洁取暖办督办")
        ) % {"number": case.number, "title": case.title, "days": days}
        body = _("%(town)s，办理期限 %(deadline)s，当前状态：%(status)s。") % {
            "town": case.town.name,
            "deadline": deadline,
            "status": case.get_status_display(),
        }
        event = _claim(case, action, today, subject)
        if event is None:
            continue
        try:
            _send(connection, recipients, subject, body, case.get_absolute_url())
        except Exception:
            event.delete()
            raise
        if action == CaseAction.ESCALATE:
            Case.objects.filter(pk=case.pk).update(escalated_at=event.at)
        logger.info("case %s: %s", case.number, action)
        done.append({"case": case.pk, "action": str(action), "days_overdue": days})
    return done


def case_reminders_send(*, today: datetime.date | None = None) -> list[dict[str, Any]]:
    """Remind (and escalate) every case overdue on `today`; returns what was sent."""
    today = today or timezone.localdate()
    results: list[dict[str, Any]] = []
    connection = get_connection()
    with connection:
        for case in overdue_cases(today).order_by("deadline", "id"):
            results.extend(_one(case, today, connection))
    return results
