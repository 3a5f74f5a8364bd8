"""Business actions of acceptance: record an inspection, a rectification, revoke an acceptance,
record the coal stove's removal. Each locks the household row and runs in one transaction.

The household becomes "accepted" here and only here, when commissioning passes; that sends
`tasks.ledger.signals.household_accepted`, and a revocation sends
`household_acceptance_revoked`, so the subsidy module can create and stop instalments
inside the same transaction.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acceptance.checklists import checklist_for, item_label
from acceptance.models import (
    Acceptance,
    AcceptanceKind,
    AcceptanceResult,
    Attachment,
    AttachmentKind,
    ChecklistResult,
    Inspector,
    Rectification,
)
from tasks.ledger import signals
from tasks.models import Household, HouseholdStatus
from tasks.plans.queries import approved_plan_town_ids

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
_MAGIC = (
    (b"\xff\xd8\xff", AttachmentKind.JPEG),
    (b"\x89PNG\r\n\x1a\n", AttachmentKind.PNG),
    (b"%PDF-", AttachmentKind.PDF),
)


@dataclass(frozen=True)
class InspectorData:
    name: str
    organisation: str = ""
    is_contractor: bool = False


# ---------------------------------------------------------------------------------------------
# Attachments


def attachment_sniff(file: Any) -> tuple[str | None, str | None]:
    """(kind, None) when the file is a JPEG, PNG or PDF of at most 10 MB, else (None, message).

    The type comes from the first bytes of the content, never from the name or the browser's
    claimed content type.
    """
    name = getattr(file, "name", "") or ""
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
    if size > ATTACHMENT_MAX_BYTES:
        return None, _("附件“%(name)s”超过 10 MB。") % {"name": name}
    if size == 0:
        return None, _("附件“%(name)s”是空文件。") % {"name": name}
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind, None
    return None, _("附件“%(name)s”不是 JPEG、PNG 照片或 PDF 扫描件。") % {"name": name}


def _attachment_errors(files: Iterable[Any]) -> list[str]:
    return [msg for f in files for _kind, msg in [attachment_sniff(f)] if msg]


def _attachments_save(
    files: Iterable[UploadedFile],
    *,
    acceptance: Acceptance,
    by: Any,
    rectification: Rectification | None = None,
) -> list[Attachment]:
    saved = []
    for f in files:
        kind, _msg = attachment_sniff(f)
        attachment = Attachment(
            acceptance=acceptance,
            rectification=rectification,
            original_name=(getattr(f, "name", "") or "")[-200:],
            kind=kind,
            size=f.size,
            uploaded_by=by,
        )
        attachment._history_user = by
        attachment.file.save(attachment.original_name or "upload", f, save=False)
        attachment.save()
        saved.append(attachment)
    return saved


# ---------------------------------------------------------------------------------------------
# Shared checks


def _require(by: Any, perm: str, household: Household) -> None:
    """The acting user holds the permission and the household is within their towns."""
    if by is None or not by.has_perm(perm):
        raise PermissionDenied
    if not Household.objects.for_user(by).filter(pk=household.pk).exists():
        raise PermissionDenied


def _lock(household: Household) -> Household:
    return (
        Household.objects.select_for_update(of=("self",))
        .select_related("contractor", "town")
        .get(pk=household.pk)
    )


def _valid_records(household: Household) -> list[Acceptance]:
    return list(
        Acceptance.objects.filter(household=household, revoked=False)
        .select_related("rectification")
        .order_by("date", "created_at", "id")
    )


def _rectification_of(record: Acceptance) -> Rectification | None:
    try:
        return record.rectification
    except Rectification.DoesNotExist:
        return None


def _today() -> datetime.date:
    return timezone.localdate()


def _fmt(day: datetime.date) -> str:
    return day.strftime("%Y-%m-%d")


def _save_household(household: Household, fields: list[str], by: Any, reason: str) -> None:
    household._history_user = by
    household._change_reason = reason
    household.save(update_fields=[*fields, "updated_at"])


# ---------------------------------------------------------------------------------------------
# Recording an inspection


def _check_inspection(
    *,
    household: Household,
    kind: str,
    date: datetime.date,
    inspectors: Sequence[InspectorData | Mapping[str, Any]],
    checklist: Mapping[str, bool],
    result: str,
    defects: str,
    rectification_deadline: datetime.date | None,
    attachments: Sequence[Any],
) -> tuple[list[str], list[InspectorData]]:
    """Every rule an inspection must meet; returns (messages, the cleaned inspectors)."""
    errors: list[str] = []
    if kind not in AcceptanceKind.values:
        errors.append(_("验收类型无效。"))
    if result not in AcceptanceResult.values:
        errors.append(_("验收结果无效。"))

    # The household: built, in a town with an approved plan, with a contractor.
    if household.status == HouseholdStatus.ACCEPTED:
        errors.append(_("该户已通过调试验收，无需再验收。"))
    elif household.status != HouseholdStatus.BUILT:
        errors.append(
            _("该户尚未完工（当前状态：%(status)s），不能验收。")
            % {"status": household.get_status_display()}
        )
    if household.town_id not in approved_plan_town_ids(household.programme):
        errors.append(
            _("%(town)s的实施方案尚未核准，不能组织验收。") % {"town": household.town.name}
        )
    if household.contractor_id is None:
        errors.append(_("该户未确定实施单位，不能验收。"))

    # The order: completion, then commissioning; a failure needs rectification, then the
    # same kind again.
    records = _valid_records(household)
    latest = records[-1] if records else None
    completion = next(
        (r for r in records if r.kind == AcceptanceKind.COMPLETION and r.passed), None
    )
    if latest is not None and not latest.passed:
        rectification = _rectification_of(latest)
        if kind != latest.kind:
            errors.append(
                _("该户%(kind)s未通过，正在整改，须先进行%(kind)s复验。")
                % {"kind": latest.get_kind_display()}
            )
        elif rectification is None:
            errors.append(_("该户正在整改，请先登记整改情况再复验。"))
        elif date and date < rectification.date:
            errors.append(
                _("复验日期不能早于整改完成日期（%(date)s）。") % {"date": _fmt(rectification.date)}
            )
    if kind == AcceptanceKind.COMPLETION and completion is not None:
        errors.append(_("该户已通过竣工验收。"))
    if kind == AcceptanceKind.COMMISSIONING:
        if completion is None:
            errors.append(_("须先通过竣工验收，才能进行调试验收。"))
        elif date and date < completion.date:
            errors.append(
                _("调试验收日期不能早于竣工验收日期（%(date)s）。")
                % {"date": _fmt(completion.date)}
            )

    if date is None:
        errors.append(_("请填写验收日期。"))
    elif date > _today():
        errors.append(_("验收日期不能晚于今天。"))

    # The team: at least two, the contractor's person among them, and someone else.
    contractor_name = household.contractor.name if household.contractor_id else ""
    team: list[InspectorData] = []
    for raw in inspectors:
        item = raw if isinstance(raw, InspectorData) else InspectorData(**raw)
        name = (item.name or "").strip()
        organisation = (item.organisation or "").strip()
        if not name and not organisation:
            continue
        if not name:
            errors.append(_("请填写单位“%(org)s”验收人员的姓名。") % {"org": organisation})
            continue
        if item.is_contractor:
            organisation = organisation or contractor_name
            if contractor_name and organisation != contractor_name:
                errors.append(
                    _("施工单位验收人员须来自该户的实施单位（%(contractor)s）。")
                    % {"contractor": contractor_name}
                )
        elif not organisation:
            errors.append(_("请填写验收人员“%(name)s”的单位。") % {"name": name})
        team.append(InspectorData(name, organisation, bool(item.is_contractor)))
    if len(team) < 2:
        errors.append(_("验收人员至少两人。"))
    if not any(m.is_contractor for m in team):
        errors.append(_("验收人员中须有施工单位人员。"))
    if team and all(m.is_contractor for m in team):
        errors.append(_("验收人员中须有镇（村）一方人员。"))

    # The checklist of the household's route, every item answered.
    wanted = [item.code for item in checklist_for(household.route)]
    missing = [code for code in wanted if code not in checklist]
    unknown = [code for code in checklist if code not in wanted]
    if missing:
        errors.append(
            _("检查项目未填写：%(items)s。") % {"items": "、".join(item_label(c) for c in missing)}
        )
    if unknown:
        errors.append(
            _("检查项目不适用于该户的改造方式：%(items)s。")
            % {"items": "、".join(item_label(c) for c in unknown)}
        )
    failed_items = [code for code in wanted if code in checklist and not checklist[code]]
    if result == AcceptanceResult.PASS and failed_items:
        errors.append(
            _("检查项目有不合格（%(items)s），不能判定为通过。")
            % {"items": "、".join(item_label(c) for c in failed_items)}
        )
    if result == AcceptanceResult.FAIL:
        if not (defects or "").strip():
            errors.append(_("不通过时须填写存在问题。"))
        if rectification_deadline is None:
            errors.append(_("不通过时须填写整改期限。"))
        elif date and rectification_deadline < date:
            errors.append(_("整改期限不能早于验收日期。"))

    errors.extend(_attachment_errors(attachments))
    return errors, team


def _write_inspection(
    *,
    household: Household,
    kind: str,
    date: datetime.date,
    team: list[InspectorData],
    checklist: Mapping[str, bool],
    result: str,
    defects: str,
    rectification_deadline: datetime.date | None,
    by: Any,
    attachments: Sequence[Any],
) -> Acceptance:
    record = Acceptance(
        household=household,
        kind=kind,
        date=date,
        result=result,
        defects=(defects or "").strip(),
        rectification_deadline=rectification_deadline if result == AcceptanceResult.FAIL else None,
        recorded_by=by,
    )
    record._history_user = by
    record.full_clean()
    record.save()
    # Written once with the record and never changed: the record's own history covers them.
    Inspector.objects.bulk_create(
        Inspector(
            acceptance=record,
            name=m.name,
            organisation=m.organisation,
            is_contractor=m.is_contractor,
        )
        for m in team
    )
    ChecklistResult.objects.bulk_create(
        ChecklistResult(acceptance=record, item=item.code, passed=bool(checklist[item.code]))
        for item in checklist_for(household.route)
    )
    _attachments_save(attachments, acceptance=record, by=by)

    if kind == AcceptanceKind.COMMISSIONING and result == AcceptanceResult.PASS:
        household.status = HouseholdStatus.ACCEPTED
        _save_household(household, ["status"], by, _("调试验收通过"))
        signals.household_accepted.send(sender=Acceptance, household=household, by=by)
    return record


@transaction.atomic
def acceptance_record(
    *,
    household: Household,
    kind: str,
    date: datetime.date,
    inspectors: Sequence[InspectorData | Mapping[str, Any]],
    checklist: Mapping[str, bool],
    result: str,
    defects: str = "",
    rectification_deadline: datetime.date | None = None,
    by: Any,
    attachments: Sequence[Any] = (),
) -> Acceptance:
    """Record one inspection of a household; raise ValidationError listing every problem."""
    _require(by, "acceptance.add_acceptance", household)
    household = _lock(household)
    errors, team = _check_inspection(
        household=household,
        kind=kind,
        date=date,
        inspectors=inspectors,
        checklist=checklist,
        result=result,
        defects=defects,
        rectification_deadline=rectification_deadline,
        attachments=attachments,
    )
    if errors:
        raise ValidationError(errors)
    return _write_inspection(
        household=household,
        kind=kind,
        date=date,
        team=team,
        checklist=checklist,
        result=result,
        defects=defects,
        rectification_deadline=rectification_deadline,
        by=by,
        attachments=attachments,
    )


@dataclass
class BatchEntry:
    household: Household
    checklist: Mapping[str, bool]
    result: str
    defects: str = ""
    rectification_deadline: datetime.date | None = None
    attachments: Sequence[Any] = field(default_factory=tuple)


@transaction.atomic
def acceptance_record_batch(
    *,
    kind: str,
    date: datetime.date,
    inspectors: Sequence[InspectorData | Mapping[str, Any]],
    entries: Sequence[BatchEntry],
    by: Any,
) -> list[Acceptance]:
    """One team, one date, a result per household: all recorded, or none.

    Every household is checked before anything is written; on any problem a ValidationError
    maps each household's id (as a string) to its messages, and nothing is saved.
    """
    if not entries:
        raise ValidationError(_("请至少选择一户。"))
    for entry in entries:
        _require(by, "acceptance.add_acceptance", entry.household)
    # Lock in id order so two batches over the same village cannot deadlock.
    locked = {
        h.pk: h
        for h in Household.objects.select_for_update(of=("self",))
        .select_related("contractor", "town")
        .filter(pk__in=[e.household.pk for e in entries])
        .order_by("pk")
    }
    errors: dict[str, list[str]] = {}
    teams: dict[int, list[InspectorData]] = {}
    for entry in entries:
        household = locked[entry.household.pk]
        messages, team = _check_inspection(
            household=household,
            kind=kind,
            date=date,
            inspectors=inspectors,
            checklist=entry.checklist,
            result=entry.result,
            defects=entry.defects,
            rectification_deadline=entry.rectification_deadline,
            attachments=entry.attachments,
        )
        if messages:
            errors[str(household.pk)] = messages
        teams[household.pk] = team
    if errors:
        raise ValidationError(errors)
    return [
        _write_inspection(
            household=locked[e.household.pk],
            kind=kind,
            date=date,
            team=teams[e.household.pk],
            checklist=e.checklist,
            result=e.result,
            defects=e.defects,
            rectification_deadline=e.rectification_deadline,
            by=by,
            attachments=e.attachments,
        )
        for e in entries
    ]


# ---------------------------------------------------------------------------------------------
# Rectification, revocation, stove removal


@transaction.atomic
def rectification_record(
    *,
    acceptance: Acceptance,
    description: str,
    date: datetime.date,
    by: Any,
    attachments: Sequence[Any] = (),
) -> Rectification:
    """What was done about a failed inspection; it opens the way to re-inspection."""
    _require(by, "acceptance.add_rectification", acceptance.household)
    household = _lock(acceptance.household)
    acceptance = Acceptance.objects.select_for_update().get(pk=acceptance.pk)
    errors: list[str] = []
    records = _valid_records(household)
    if acceptance.revoked:
        errors.append(_("该验收记录已撤销。"))
    elif acceptance.passed:
        errors.append(_("只有未通过的验收才需要整改。"))
    elif _rectification_of(acceptance) is not None:
        errors.append(_("该次验收的整改情况已登记。"))
    elif records and records[-1].pk != acceptance.pk:
        errors.append(_("该次验收之后已有新的验收记录。"))
    if not (description or "").strip():
        errors.append(_("请填写整改情况。"))
    if date is None:
        errors.append(_("请填写整改完成日期。"))
    elif date > _today():
        errors.append(_("整改完成日期不能晚于今天。"))
    elif date < acceptance.date:
        errors.append(
            _("整改完成日期不能早于验收日期（%(date)s）。") % {"date": _fmt(acceptance.date)}
        )
    errors.extend(_attachment_errors(attachments))
    if errors:
        raise ValidationError(errors)
    rectification = Rectification(
        acceptance=acceptance, description=description.strip(), date=date, recorded_by=by
    )
    rectification._history_user = by
    rectification.save()
    _attachments_save(attachments, acceptance=acceptance, by=by, rectification=rectification)
    return rectification


@transaction.atomic
def acceptance_revoke(*, acceptance: Acceptance, by: Any, reason: str) -> list[Acceptance]:
    """The district office withdraws a passed inspection; returns every record revoked.

    Revoking a completion also revokes the commissioning records that rested on it. If the
    household was accepted it goes back to "built" (its stove-removal date goes with it: the
    database allows that date only on accepted households; the household's history keeps it)
    and `household_acceptance_revoked` is sent once, so unpaid subsidies stop.
    """
    if by is None or not by.has_perm("acceptance.revoke_acceptance"):
        raise PermissionDenied
    if not Acceptance.objects.for_user(by).filter(pk=acceptance.pk).exists():
        raise PermissionDenied
    household = _lock(acceptance.household)
    acceptance = Acceptance.objects.select_for_update().get(pk=acceptance.pk)
    reason = (reason or "").strip()
    errors = []
    if acceptance.revoked:
        errors.append(_("该验收记录已撤销。"))
    elif not acceptance.passed:
        errors.append(_("只能撤销通过的验收。"))
    if not reason:
        errors.append(_("请填写撤销原因。"))
    if errors:
        raise ValidationError(errors)

    targets = [acceptance]
    if acceptance.kind == AcceptanceKind.COMPLETION:
        targets += list(
            Acceptance.objects.select_for_update()
            .filter(household=household, kind=AcceptanceKind.COMMISSIONING, revoked=False)
            .order_by("date", "id")
        )
    now = timezone.now()
    for record in targets:
        record.revoked = True
        record.revoked_at = now
        record.revoked_by = by
        record.revoke_reason = reason[:500]
        record._history_user = by
        record.save(update_fields=["revoked", "revoked_at", "revoked_by", "revoke_reason"])

    if household.status == HouseholdStatus.ACCEPTED:
        household.status = HouseholdStatus.BUILT
        household.coal_stove_removed_on = None
        _save_household(
            household,
            ["status", "coal_stove_removed_on"],
            by,
            _("撤销验收：%(reason)s") % {"reason": reason[:80]},
        )
        signals.household_acceptance_revoked.send(
            sender=Acceptance, household=household, by=by, reason=reason
        )
    return targets


@transaction.atomic
def household_record_stove_removal(
    *, household: Household, date: datetime.date, by: Any
) -> Household:
    """先立后破: the coal stove goes only after commissioning has passed."""
    _require(by, "acceptance.record_stove_removal", household)
    household = _lock(household)
    errors = []
    if household.status != HouseholdStatus.ACCEPTED:
        errors.append(_("该户尚未通过调试验收，不能登记燃煤炉具拆除（先立后破）。"))
    elif household.coal_stove_removed_on is not None:
        errors.append(
            _("该户已登记燃煤炉具拆除日期（%(date)s）。")
            % {"date": _fmt(household.coal_stove_removed_on)}
        )
    else:
        commissioning = (
            Acceptance.objects.filter(
                household=household,
                kind=AcceptanceKind.COMMISSIONING,
                result=AcceptanceResult.PASS,
                revoked=False,
            )
            .order_by("-date")
            .first()
        )
        if date and commissioning and date < commissioning.date:
            errors.append(
                _("拆除日期不能早于调试验收通过日期（%(date)s）。")
                % {"date": _fmt(commissioning.date)}
            )
    if date is None:
        errors.append(_("请填写拆除日期。"))
    elif date > _today():
        errors.append(_("拆除日期不能晚于今天。"))
    if errors:
        raise ValidationError(errors)
    household.coal_stove_removed_on = date
    _save_household(household, ["coal_stove_removed_on"], by, _("燃煤炉具已拆除"))
    return household
