"""Cases: opening one (a complaint, a 12345 ticket, or what a visit found), and every step
of its life through `CASE_FLOW`, each recorded as a `CaseEvent` (who, when, what)."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.models import Household, SupervisionNotice, Town
from tasks.plans.services.access import (
    district_recipients,
    require_district,
    require_town_official,
)
from visits.models import (
    CASE_FLOW,
    Case,
    CaseAction,
    CaseCategory,
    CaseEvent,
    CaseSource,
    CaseStatus,
    Visit,
)
from visits.models.cases import SENSITIVE_CATEGORIES, category_deadline
from zichuan_heating.services import notification_send, town_officials


def handlers(case: Case) -> list:
    """Who works on the case: the town's officials, or for a sensitive case the district."""
    return district_recipients() if case.sensitive else town_officials(case.town_id)


def _require_handler(case: Case, by: Any) -> None:
    if case.sensitive:
        require_district(by, "visits.handle_case")
    else:
        require_town_official(by, case.town_id, "visits.handle_case")


def _require_opener(town: Town, by: Any) -> None:
    if getattr(by, "town_id", None) is not None:
        require_town_official(by, town.pk, "visits.add_case")
    else:
        require_district(by, "visits.add_case")


def _event(case: Case, action: str, by: Any, before: str = "", note: str = "", **kw) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        action=action,
        by=by,
        at=kw.pop("at", None) or timezone.now(),
        from_status=before,
        to_status=case.status,
        note=note,
        **kw,
    )


def _tell(case: Case, recipients: list, title: str, body: str = "") -> None:
    notification_send(
        recipients=recipients,
        title=f"{case.number} {title}",
        body=body or case.title,
        url=case.get_absolute_url(),
    )


def _open_errors(town, category, source, title, description, household, hotline_number):
    errors = {}
    if category not in CaseCategory.values:
        errors["category"] = _("请选择工单类别。")
    if source not in CaseSource.values:
        errors["source"] = _("请选择工单来源。")
    if not title:
        errors["title"] = _("请填写事项。")
    if not description:
        errors["description"] = _("请写明情况。")
    if source == CaseSource.HOTLINE and not hotline_number:
        errors["hotline_number"] = _("12345 热线工单须填写工单编号。")
    if household is not None and household.town_id != town.pk:
        errors["household"] = _("改造户不属于所选镇（街道）。")
    return errors


@transaction.atomic
def case_open(
    *,
    town: Town,
    category: str,
    source: str,
    title: str,
    description: str,
    by: Any,
    household: Household | None = None,
    visit: Visit | None = None,
    hotline_number: str = "",
    now: datetime.datetime | None = None,
) -> Case:
    """Open a case and hand it to the town (a sensitive one to the district office)."""
    _require_opener(town, by)
    title, description = (title or "").strip()[:200], (description or "").strip()
    hotline_number = (hotline_number or "").strip()
    errors = _open_errors(town, category, source, title, description, household, hotline_number)
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    case = _create(
        hotline_number,
        town=town,
        household=household,
        visit=visit,
        category=category,
        source=source,
        title=title,
        description=description,
        sensitive=category in SENSITIVE_CATEGORIES,
        deadline=category_deadline(category, now),
        opened_by=by,
        opened_at=now,
    )
    _event(case, CaseAction.OPEN, by, at=now)
    before = CASE_FLOW.apply(case, "assign")
    case.save(update_fields=["status"])
    note = (
        _("交区清洁取暖办核查") if case.sensitive else _("交 %(town)s 办理") % {"town": town.name}
    )
    _event(case, CaseAction.ASSIGN, by, before, note, at=now)
    _tell(
        case,
        handlers(case),
        _("新工单：%(title)s（%(deadline)s 前办结）")
        % {
            "title": title,
            "deadline": timezone.localtime(case.deadline).strftime("%Y-%m-%d %H:%M"),
        },
    )
    return case


def _create(hotline_number: str, **fields: Any) -> Case:
    try:
        with transaction.atomic():
            return Case.objects.create(hotline_number=hotline_number, **fields)
    except IntegrityError:
        if hotline_number and Case.objects.filter(hotline_number=hotline_number).exists():
            raise ValidationError(
                {"hotline_number": _("工单编号 %(n)s 已登记过。") % {"n": hotline_number}}
            ) from None
        raise


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("town").get(pk=case.pk)


@transaction.atomic
def case_start(*, case: Case, by: Any, note: str = "") -> Case:
    case = _lock(case)
    _require_handler(case, by)
    before = CASE_FLOW.apply(case, "start")
    case.save(update_fields=["status"])
    _event(case, CaseAction.START, by, before, (note or "").strip())
    return case


@transaction.atomic
def case_resolve(*, case: Case, by: Any, resolution: str) -> Case:
    case = _lock(case)
    _require_handler(case, by)
    resolution = (resolution or "").strip()
    CASE_FLOW.check(case, "resolve")
    if not resolution:
        raise ValidationError({"resolution": _("请写明办理结果。")})
    before = CASE_FLOW.apply(case, "resolve")
    case.resolution = resolution
    case.save(update_fields=["status", "resolution"])
    _event(case, CaseAction.RESOLVE, by, before, resolution)
    if not case.sensitive:
        _tell(case, district_recipients(), _("已办结，待区清洁取暖办关闭"))
    return case


@transaction.atomic
def case_close(*, case: Case, by: Any, note: str = "") -> Case:
    case = _lock(case)
    require_district(by, "visits.manage_case")
    before = CASE_FLOW.apply(case, "close")
    case.save(update_fields=["status"])
    _event(case, CaseAction.CLOSE, by, before, (note or "").strip())
    return case


@transaction.atomic
def case_reopen(*, case: Case, by: Any, reason: str, now: datetime.datetime | None = None) -> Case:
    """Back to the handler with a new deadline counted from now."""
    case = _lock(case)
    require_district(by, "visits.manage_case")
    reason = (reason or "").strip()
    CASE_FLOW.check(case, "reopen")
    if not reason:
        raise ValidationError({"reason": _("请写明重新打开的原因。")})
    now = now or timezone.now()
    before = CASE_FLOW.apply(case, "reopen")
    case.deadline = category_deadline(case.category, now)
    case.save(update_fields=["status", "deadline"])
    _event(case, CaseAction.REOPEN, by, before, reason, at=now)
    _tell(case, handlers(case), _("已重新打开：%(reason)s") % {"reason": reason})
    return case


@transaction.atomic
def case_to_notice(
    *, case: Case, by: Any, deadline: datetime.date, problem: str = ""
) -> SupervisionNotice:
    """Turn an open case into a supervision notice (督办) to its town, via the plans service."""
    from tasks.plans.services import notice_issue
    from tasks.queries import active_programme

    case = _lock(case)
    require_district(by, "visits.manage_case")
    if case.sensitive:
        raise ValidationError(_("敏感工单不能转为督办：督办会下发到镇（街道）。"))
    if case.notice_id:
        raise ValidationError(_("该工单已转为督办。"))
    if case.status not in (
        CaseStatus.NEW,
        CaseStatus.ASSIGNED,
        CaseStatus.IN_PROGRESS,
        CaseStatus.REOPENED,
    ):
        raise ValidationError(_("工单已办结，无需督办。"))
    programme = case.household.programme if case.household_id else active_programme()
    notice = notice_issue(
        programme=programme,
        town=case.town,
        by=by,
        title=_("工单 %(number)s 逾期未办结：%(title)s")
        % {"number": case.number, "title": case.title[:150]},
        problem=(problem or "").strip() or case.description,
        deadline=deadline,
    )
    case.notice = notice
    case.save(update_fields=["notice"])
    _event(case, CaseAction.NOTICE, by, case.status, notice.title)
    return notice


@transaction.atomic
def case_reassign(*, case: Case, town: Town, by: Any, reason: str) -> Case:
    """The district hands a case assigned to the wrong town to the right one."""
    case = _lock(case)
    require_district(by, "visits.manage_case")
    reason = (reason or "").strip()
    CASE_FLOW.check(case, "reassign")
    errors = {}
    if town.pk == case.town_id:
        errors["town"] = _("工单已在%(town)s，无需改派。") % {"town": town.name}
    elif case.household_id and case.household.town_id != town.pk:
        errors["town"] = _("工单所涉改造户不属于%(town)s。") % {"town": town.name}
    if not reason:
        errors["reason"] = _("请写明改派原因。")
    if errors:
        raise ValidationError(errors)
    before = CASE_FLOW.apply(case, "reassign")
    old = case.town.name
    case.town = town
    case.save(update_fields=["status", "town"])
    note = _("由 %(old)s 改派 %(new)s：%(reason)s") % {
        "old": old,
        "new": town.name,
        "reason": reason,
    }
    _event(case, CaseAction.REASSIGN, by, before, note)
    if not case.sensitive:
        _tell(case, town_officials(town.pk), _("改派本镇办理：%(title)s") % {"title": case.title})
    return case
