"""Supervision notices (督办): the district office issues one, the town answers, the office
closes it or sends it back."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.models import (
    NOTICE_FLOW,
    NoticeAttachment,
    NoticeReason,
    NoticeState,
    Programme,
    SupervisionNotice,
    Town,
)
from tasks.plans.services.access import district_recipients, require_district, require_town_official
from zichuan_heating.feedback import required_text
from zichuan_heating.services import notification_send, town_officials
from zichuan_heating.uploads import attachment_errors, attachments_save


def _lock_notice(notice: SupervisionNotice) -> SupervisionNotice:
    return (
        SupervisionNotice.objects.select_for_update()
        .select_related("town", "programme")
        .get(pk=notice.pk)
    )


def _next_number(programme: Programme) -> int:
    """The next 文号 of the programme; the programme row lock serialises concurrent issues."""
    Programme.objects.select_for_update().filter(pk=programme.pk).first()
    last = SupervisionNotice.objects.filter(programme=programme).aggregate(n=Max("number"))["n"]
    return (last or 0) + 1


def _deadline_error(deadline: datetime.date) -> str | None:
    if deadline < timezone.localdate():
        return _("整改期限不能早于今天。")
    return None


def _save_and_tell(
    notice: SupervisionNotice,
    by: Any,
    reason: NoticeReason,
    recipients: list,
    title: str,
    body: str,
) -> SupervisionNotice:
    notice._change_reason = reason
    notice._history_user = by
    notice.save()
    notification_send(recipients=recipients, title=title, body=body, url=notice.get_absolute_url())
    return notice


@transaction.atomic
def notice_issue(
    *,
    programme: Programme,
    town: Town,
    by: Any,
    title: str,
    problem: str,
    deadline: datetime.date,
) -> SupervisionNotice:
    require_district(by, "tasks.issue_supervisionnotice")
    title, problem = (title or "").strip(), (problem or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("请填写督办事项。")
    if not problem:
        errors["problem"] = _("请写明存在的问题。")
    if deadline is None:
        errors["deadline"] = _("请填写整改期限。")
    elif _deadline_error(deadline):
        errors["deadline"] = _deadline_error(deadline)
    if errors:
        raise ValidationError(errors)
    notice = SupervisionNotice(
        programme=programme,
        town=town,
        number=_next_number(programme),
        title=title,
        problem=problem,
        deadline=deadline,
        state=NoticeState.OPEN,
        issued_by=by,
        issued_at=timezone.now(),
    )
    return _save_and_tell(
        notice,
        by,
        NoticeReason.ISSUE,
        town_officials(town.pk),
        _("督办：%(title)s（%(deadline)s 前整改）")
        % {"title": title, "deadline": deadline.isoformat()},
        problem,
    )


@transaction.atomic
def notice_answer(
    *,
    notice: SupervisionNotice,
    by: Any,
    answer: str,
    attachments: Iterable[UploadedFile] = (),
) -> SupervisionNotice:
    """The town's answer, with photos or scans (JPEG, PNG, PDF; the content is sniffed)."""
    require_town_official(by, notice.town_id, "tasks.answer_supervisionnotice")
    notice = _lock_notice(notice)
    answer = (answer or "").strip()
    attachments = list(attachments)
    NOTICE_FLOW.check(notice, "answer")
    errors = {}
    if not answer:
        errors["answer"] = _("请填写整改情况。")
    if problems := attachment_errors(attachments):
        errors["attachments"] = problems
    if errors:
        raise ValidationError(errors)
    NOTICE_FLOW.apply(notice, "answer")
    notice.answer = answer
    notice.answered_by = by
    notice.answered_at = timezone.now()
    _save_and_tell(
        notice,
        by,
        NoticeReason.ANSWER,
        [notice.issued_by, *district_recipients()],
        _("%(town)s已反馈督办整改情况：%(title)s")
        % {"town": notice.town.name, "title": notice.title},
        answer,
    )
    attachments_save(attachments, lambda: NoticeAttachment(notice=notice), by=by)
    return notice


def _office_decides(
    notice: SupervisionNotice, by: Any, action: str, comment: str, reason: NoticeReason, title: str
) -> SupervisionNotice:
    """Move an answered notice on (close or send back) and tell the town why."""
    NOTICE_FLOW.apply(notice, action)
    notice.office_comment = comment
    return _save_and_tell(
        notice, by, reason, town_officials(notice.town_id), title % {"title": notice.title}, comment
    )


@transaction.atomic
def notice_close(*, notice: SupervisionNotice, by: Any, comment: str = "") -> SupervisionNotice:
    require_district(by, "tasks.issue_supervisionnotice")
    notice = _lock_notice(notice)
    notice.closed_by = by
    notice.closed_at = timezone.now()
    return _office_decides(
        notice, by, "close", (comment or "").strip(), NoticeReason.CLOSE, _("督办已销号：%(title)s")
    )


@transaction.atomic
def notice_send_back(
    *, notice: SupervisionNotice, by: Any, comment: str, deadline: datetime.date | None = None
) -> SupervisionNotice:
    require_district(by, "tasks.issue_supervisionnotice")
    notice = _lock_notice(notice)
    NOTICE_FLOW.check(notice, "send_back")
    comment = required_text(comment, _("退回时必须说明理由。"), field="comment")
    if deadline is not None:
        if _deadline_error(deadline):
            raise ValidationError({"deadline": _deadline_error(deadline)})
        notice.deadline = deadline
    return _office_decides(
        notice, by, "send_back", comment, NoticeReason.SEND_BACK, _("督办整改情况被退回：%(title)s")
    )
