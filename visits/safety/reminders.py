"""The daily reminder of overdue rectifications: each town with open findings past their
deadline gets one e-mail and in-app notice a day listing them; the district office one digest.

Each (town, day) is claimed in `SafetyReminderLog` (unique constraints) BEFORE anything is sent,
so a rerun, a Celery retry or a second beat never sends twice; a failed e-mail releases the claim.
"""

import datetime
from typing import Any

from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from visits.models import SafetyReminderLog
from visits.safety.queries import OverdueFinding, overdue_findings_by_town
from zichuan_heating.claims import claim
from zichuan_heating.models import User
from zichuan_heating.services import notification_send, town_officials, users_with_role

#: At most this many findings are listed in one town's reminder; the rest are counted.
MAX_LINES = 100


def _line(f: OverdueFinding, today: datetime.date) -> str:
    where = f.village + (f"·{f.household}" if f.household else "")
    return _("%(where)s：%(what)s（%(severity)s，整改期限 %(deadline)s，已逾期 %(days)d 天）") % {
        "where": where,
        "what": f.description[:60],
        "severity": f.severity_label,
        "deadline": f.deadline.isoformat(),
        "days": (today - f.deadline).days,
    }


def _claim(town_id: int | None, today: datetime.date, count: int, recipients: list[User]) -> Any:
    return claim(
        SafetyReminderLog,
        town_id=town_id,
        day=today,
        findings=count,
        recipients=", ".join(u.email or u.username for u in recipients),
    )


def _send(log: Any, recipients: list[User], subject: str, body: str, connection: Any) -> None:
    emails = [u.email for u in recipients if u.email]
    try:
        if emails:
            EmailMessage(subject, body, to=emails, connection=connection).send()
    except Exception:
        log.delete()
        raise
    url = reverse("visits:safety:inspection_list") + "?state=overdue"
    notification_send(recipients=recipients, title=subject, body=body, url=url)


def overdue_reminders_send(*, today: datetime.date | None = None) -> list[dict[str, Any]]:
    """Send today's reminders not sent yet; one entry per reminder sent."""
    today = today or timezone.localdate()
    by_town = overdue_findings_by_town(today)
    if not by_town:
        return []
    sent: list[dict[str, Any]] = []
    digest: list[str] = []
    with get_connection() as connection:
        for town_id, findings in by_town.items():
            first = findings[0]
            lines = [_line(f, today) for f in findings[:MAX_LINES]]
            if len(findings) > MAX_LINES:
                lines.append(
                    _("……另有 %(n)d 条，请在系统中查看。") % {"n": len(findings) - MAX_LINES}
                )
            digest.append(_("%(town)s：%(n)d 条") % {"town": first.town_name, "n": len(findings)})
            recipients = town_officials(town_id)
            log = _claim(town_id, today, len(findings), recipients)
            if log is None:
                continue
            subject = _("【隐患整改逾期】%(town)s有 %(n)d 条隐患已超过整改期限") % {
                "town": first.town_name,
                "n": len(findings),
            }
            body = "\n".join([*lines, "", _("请尽快整改并登记整改情况。")])
            _send(log, recipients, subject, body, connection)
            sent.append({"town": first.town_code, "findings": len(findings), "subject": subject})
        district = users_with_role("district_office")
        total = sum(len(f) for f in by_town.values())
        log = _claim(None, today, total, district)
        if log is not None:
            subject = _("【隐患整改逾期】全区 %(day)s：%(n)d 条隐患已超过整改期限") % {
                "day": today.isoformat(),
                "n": total,
            }
            _send(log, district, subject, "\n".join(digest), connection)
            sent.append({"town": None, "findings": total, "subject": subject})
    return sent
