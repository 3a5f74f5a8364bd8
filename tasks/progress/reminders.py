"""Milestone reminders: who lags behind which deadline on a given day, and sending each reminder
exactly once.

A reminder fires 14, 7, 3 and 1 days before a milestone and every day once it is overdue, to the
officials of each town that does not meet it; the district office gets one digest a day. Each
(town, milestone, day) is claimed by inserting a `ReminderLog` row BEFORE anything is sent: the
unique constraints make a second insert fail, so a rerun, a Celery retry or a second beat process
cannot send it twice. Which towns miss which milestone is `queries.lagging_towns`; the queries
are a fixed handful (grouped counts), whatever the number of households.
"""

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any

from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.models import Milestone, Programme, ReminderLog, Town
from tasks.progress.queries import lagging_towns
from zichuan_heating.claims import claim
from zichuan_heating.models import User
from zichuan_heating.services import notification_send

logger = logging.getLogger("zichuan.reminders")

#: Days before a milestone on which a reminder goes out; overdue ones go out daily.
DAYS_BEFORE = (14, 7, 3, 1)


def fires_on(days_left: int) -> bool:
    """True on the days a reminder goes out; on the due day itself there is still time."""
    return days_left in DAYS_BEFORE or days_left < 0


def month_day(d: datetime.date) -> str:
    return _("%(month)s月%(day)s日") % {"month": d.month, "day": d.day}


def time_left(due: datetime.date, days_left: int) -> str:
    if days_left >= 0:
        return _("距 %(due)s 还有 %(days)s 天") % {"due": month_day(due), "days": days_left}
    return _("已超过 %(due)s %(days)s 天") % {"due": month_day(due), "days": -days_left}


@dataclass
class Reminder:
    milestone: str
    due: datetime.date
    days_left: int
    town: Town | None  # None: the district office's digest
    subject: str
    body: str
    recipients: list[User] = field(default_factory=list)

    def as_dict(self, status: str) -> dict[str, Any]:
        return {
            "town": self.town.code if self.town else None,
            "town_name": self.town.name if self.town else _("全区"),
            "milestone": self.milestone,
            "due": self.due.isoformat(),
            "days_left": self.days_left,
            "subject": self.subject,
            "recipients": sorted(u.email or u.username for u in self.recipients),
            "status": status,
        }


def reminders_for_day(programme: Programme, today: datetime.date) -> list[Reminder]:
    """Every reminder due on `today`, with recipients: at most five queries."""
    firing = [
        (key, label, due, (due - today).days)
        for key, label, due in programme.milestones()
        if fires_on((due - today).days)
    ]
    if not firing:
        return []
    lagging = lagging_towns(programme)
    town_ids = {s.town.pk for key, *_rest in firing for s in lagging[key]}
    officials: dict[int, list[User]] = {}
    for user in User.objects.filter(
        town_id__in=town_ids, is_active=True, groups__name="town_official"
    ).order_by("username"):
        officials.setdefault(user.town_id, []).append(user)

    reminders: list[Reminder] = []
    digest_lines: list[str] = []
    firing = [f for f in firing if lagging[f[0]]]
    for key, label, due, days_left in firing:
        when = time_left(due, days_left)
        digest_lines.append(
            _("%(label)s（%(when)s）：%(count)s 个镇（街道）未完成")
            % {"label": label, "when": when, "count": len(lagging[key])}
        )
        for s in lagging[key]:
            line = f"{s.figures(key)}，{when}"
            digest_lines.append(f"  {s.town.name}：{line}")
            reminders.append(
                Reminder(
                    milestone=key,
                    due=due,
                    days_left=days_left,
                    town=s.town,
                    subject=_("【节点提醒】%(town)s %(label)s：%(when)s")
                    % {"town": s.town.name, "label": label, "when": when},
                    body=_(
                        "%(town)s：%(label)s时间节点为 %(due)s。\n%(line)s。\n请抓紧推进，"
                        "按期完成。\n\n淄川区清洁取暖建设推进办公室"
                    )
                    % {"town": s.town.name, "label": label, "due": month_day(due), "line": line},
                    recipients=officials.get(s.town.pk, []),
                )
            )
    if digest_lines:
        lagging_count = len({r.town.pk for r in reminders})
        district = list(
            User.objects.filter(is_active=True, groups__name="district_office").order_by("username")
        )
        reminders.append(
            Reminder(
                milestone=Milestone.DIGEST,
                due=min(due for _k, _l, due, _d in firing),
                days_left=min(d for *_r, d in firing),
                town=None,
                subject=_("【节点提醒】全区汇总 %(day)s：%(count)s 个镇（街道）未达到时间节点")
                % {"day": today.isoformat(), "count": lagging_count},
                body="\n".join(digest_lines),
                recipients=district,
            )
        )
    return reminders


def _claim(programme: Programme, today: datetime.date, r: Reminder) -> ReminderLog | None:
    """Insert the log row; None when another run already holds it (the unique constraint)."""
    return claim(
        ReminderLog,
        programme=programme,
        town=r.town,
        milestone=r.milestone,
        day=today,
        subject=r.subject[:200],
        recipients=", ".join(u.email or u.username for u in r.recipients),
    )


def reminders_send(
    *, programme: Programme, today: datetime.date | None = None, dry_run: bool = False
) -> list[dict[str, Any]]:
    """Send (or with dry_run, list) the reminders due today that were not sent yet.

    Returns one entry per reminder sent or that would be sent. A failed e-mail releases its
    claim and raises, so a retry sends it again; the in-app notification is written only after
    the e-mail went out, so it is never duplicated either.
    """
    today = today or timezone.localdate()
    reminders = reminders_for_day(programme, today)
    results: list[dict[str, Any]] = []
    if dry_run:
        sent = set(
            ReminderLog.objects.filter(programme=programme, day=today).values_list(
                "town_id", "milestone"
            )
        )
        return [
            r.as_dict("would_send")
            for r in reminders
            if (r.town.pk if r.town else None, r.milestone) not in sent
        ]
    if not reminders:
        return results
    url = reverse("progress:dashboard")
    connection = get_connection()
    with connection:
        for r in reminders:
            log = _claim(programme, today, r)
            if log is None:
                continue
            emails = [u.email for u in r.recipients if u.email]
            try:
                if emails:
                    EmailMessage(r.subject, r.body, to=emails, connection=connection).send()
            except Exception:
                log.delete()
                raise
            if r.recipients:
                notification_send(recipients=r.recipients, title=r.subject, body=r.body, url=url)
            logger.info("reminder sent: %s", r.subject)
            results.append(r.as_dict("sent"))
    return results
