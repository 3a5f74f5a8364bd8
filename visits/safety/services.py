"""Business actions of safety: record an inspection with its findings, register and verify a
rectification (or send it back), upload a town's emergency plan, record a drill.

Keyword-only, the acting user as `by=`, one transaction each, history with a fixed reason.
`PermissionDenied` says who may not act; `ValidationError` what is not allowed (Chinese,
naming the field, or the finding's row).
"""

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.models import Household, Town, Village
from tasks.plans.services.access import is_town_official_of
from visits.models import (
    FINDING_FLOW,
    Drill,
    EmergencyPlan,
    HazardFinding,
    HazardInspection,
    SafetyReason,
    Severity,
)
from zichuan_heating.scoping import sees_all_towns
from zichuan_heating.services import notification_send, town_officials
from zichuan_heating.uploads import attach_file, attachment_sniff


@dataclass(frozen=True)
class FindingData:
    description: str
    severity: str
    deadline: datetime.date | None


def _require_town_official(by: Any, town_id: int, perm: str) -> None:
    if not is_town_official_of(by, town_id) or not by.has_perm(perm):
        raise PermissionDenied(_("只有本镇（街道）工作人员可以办理此事项。"))


def _require_verifier(by: Any, town_id: int) -> None:
    sees_town = is_town_official_of(by, town_id) or sees_all_towns(by)
    if not sees_town or not by.has_perm("visits.verify_hazardfinding"):
        raise PermissionDenied(_("只有本镇（街道）工作人员或区清洁取暖办可以复核隐患整改。"))


def _not_future(day: datetime.date | None, field: str, label: str, errors: dict) -> None:
    if day is None:
        errors[field] = _("请填写%(label)s。") % {"label": label}
    elif day > timezone.localdate():
        errors[field] = _("%(label)s不能晚于今天。") % {"label": label}


def _finding_errors(findings: Sequence[FindingData], inspected_on: Any) -> list[str]:
    errors = []
    for n, f in enumerate(findings, start=1):
        if not (f.description or "").strip():
            errors.append(_("第 %(n)d 条隐患：请填写隐患描述。") % {"n": n})
        if f.severity not in Severity.values:
            errors.append(_("第 %(n)d 条隐患：请选择隐患等级。") % {"n": n})
        if f.deadline is None:
            errors.append(_("第 %(n)d 条隐患：请填写整改期限。") % {"n": n})
        elif inspected_on and f.deadline < inspected_on:
            errors.append(_("第 %(n)d 条隐患：整改期限不能早于排查日期。") % {"n": n})
    return errors


def _history(obj: Any, by: Any, reason: SafetyReason) -> None:
    obj._change_reason = reason
    obj._history_user = by


def _submitted(submission: uuid.UUID, by: Any) -> HazardInspection | None:
    """The inspection this user already recorded with this form token, marked `replayed`."""
    done = HazardInspection.objects.filter(submission=submission).first()
    if done is None:
        return None
    if done.recorded_by_id != by.pk:
        raise ValidationError(_("该表单已由他人提交，请重新打开登记页面。"))
    done.replayed = True
    return done


@transaction.atomic
def inspection_record(
    *,
    town: Town,
    village: Village,
    household: Household | None = None,
    inspected_on: datetime.date,
    inspectors: str,
    notes: str = "",
    findings: Sequence[FindingData] = (),
    submission: uuid.UUID | None = None,
    by: Any,
) -> HazardInspection:
    """An inspection of a village (or one household in it) and the hazards it found.

    `submission` is the form's one-time token: posted again (a double click, a retry, two
    racing requests) it returns the inspection already recorded, with `replayed` set."""
    _require_town_official(by, town.pk, "visits.add_hazardinspection")
    errors: dict[str, Any] = {}
    if village.town_id != town.pk:
        errors["village"] = _("该村（居）不属于本镇（街道）。")
    if household is not None and household.village_id != village.pk:
        errors["household"] = _("该改造户不在所选村（居）。")
    _not_future(inspected_on, "inspected_on", _("排查日期"), errors)
    if not (inspectors or "").strip():
        errors["inspectors"] = _("请填写排查人员。")
    if problems := _finding_errors(findings, inspected_on):
        errors["findings"] = problems
    if errors:
        raise ValidationError(errors)
    if submission is not None and (done := _submitted(submission, by)) is not None:
        return done
    inspection = HazardInspection(
        town=town,
        village=village,
        household=household,
        inspected_on=inspected_on,
        inspectors=inspectors.strip(),
        notes=(notes or "").strip(),
        recorded_by=by,
        submission=submission,
    )
    _history(inspection, by, SafetyReason.RECORD)
    try:
        with transaction.atomic():  # a racing twin's insert waits on the unique index
            inspection.save()
    except IntegrityError:
        if submission is None or (done := _submitted(submission, by)) is None:
            raise
        return done
    inspection.replayed = False
    for f in findings:
        finding = HazardFinding(
            inspection=inspection,
            description=f.description.strip(),
            severity=f.severity,
            found_on=inspected_on,
            deadline=f.deadline,
        )
        _history(finding, by, SafetyReason.RECORD)
        finding.save()
    return inspection


def _lock(finding: HazardFinding) -> HazardFinding:
    finding = (
        HazardFinding.objects.select_for_update(of=("self",))
        .select_related("inspection__town")
        .get(pk=finding.pk)
    )
    if finding.inspection.voided_at is not None:
        raise ValidationError(_("该排查已撤销，其隐患不再办理。"))
    return finding


@transaction.atomic
def finding_rectify(
    *, finding: HazardFinding, rectified_on: datetime.date, rectification: str, by: Any
) -> HazardFinding:
    """The town registers what was done to put the hazard right; it then waits for review."""
    finding = _lock(finding)
    _require_town_official(by, finding.inspection.town_id, "visits.rectify_hazardfinding")
    FINDING_FLOW.check(finding, "rectify")
    errors: dict[str, Any] = {}
    _not_future(rectified_on, "rectified_on", _("整改完成日期"), errors)
    if rectified_on and rectified_on < finding.found_on:
        errors["rectified_on"] = _("整改完成日期不能早于发现日期。")
    if not (rectification or "").strip():
        errors["rectification"] = _("请填写整改情况。")
    if errors:
        raise ValidationError(errors)
    FINDING_FLOW.apply(finding, "rectify")
    finding.rectification = rectification.strip()
    finding.rectified_on = rectified_on
    finding.rectified_by = by
    finding.verified_by = None
    finding.verified_at = None
    _history(finding, by, SafetyReason.RECTIFY)
    finding.save()
    return finding


@transaction.atomic
def finding_verify(*, finding: HazardFinding, by: Any, comment: str = "") -> HazardFinding:
    """Someone other than who registered the rectification confirms it on the spot."""
    finding = _lock(finding)
    _require_verifier(by, finding.inspection.town_id)
    FINDING_FLOW.check(finding, "verify")
    if finding.rectified_by_id == by.pk:
        raise ValidationError(_("登记整改的人不能复核自己登记的整改，请由其他工作人员复核。"))
    FINDING_FLOW.apply(finding, "verify")
    finding.verified_by = by
    finding.verified_at = timezone.now()
    finding.review_comment = (comment or "").strip()
    _history(finding, by, SafetyReason.VERIFY)
    finding.save()
    return finding


@transaction.atomic
def finding_send_back(*, finding: HazardFinding, by: Any, comment: str) -> HazardFinding:
    """The rectification did not hold: the finding is open again, with the reason; the town's
    officials are told."""
    finding = _lock(finding)
    _require_verifier(by, finding.inspection.town_id)
    FINDING_FLOW.check(finding, "send_back")
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("退回时必须说明理由。")})
    FINDING_FLOW.apply(finding, "send_back")
    finding.review_comment = comment
    _history(finding, by, SafetyReason.SEND_BACK)
    finding.save()
    notification_send(
        recipients=town_officials(finding.inspection.town_id),
        title=_("隐患整改被退回：%(what)s") % {"what": finding.description[:40]},
        body=comment,
        url=finding.get_absolute_url(),
    )
    return finding


def _document_errors(document: UploadedFile | None, field: str, label: str) -> dict[str, str]:
    if document is None:
        return {field: _("请上传%(label)s（JPEG、PNG 或 PDF）。") % {"label": label}}
    _kind, message = attachment_sniff(document)
    return {field: message} if message else {}


@transaction.atomic
def emergency_plan_upload(
    *,
    town: Town,
    title: str,
    issued_on: datetime.date,
    document: UploadedFile | None,
    by: Any,
) -> EmergencyPlan:
    _require_town_official(by, town.pk, "visits.add_emergencyplan")
    errors: dict[str, Any] = {}
    if not (title or "").strip():
        errors["title"] = _("请填写预案名称。")
    _not_future(issued_on, "issued_on", _("印发日期"), errors)
    errors.update(_document_errors(document, "document", _("预案文件")))
    if errors:
        raise ValidationError(errors)
    plan = EmergencyPlan(town=town, title=title.strip(), issued_on=issued_on, uploaded_by=by)
    attach_file(plan, document)
    _history(plan, by, SafetyReason.PLAN_UPLOAD)
    plan.save()
    return plan


@dataclass(frozen=True)
class DrillData:
    held_on: datetime.date | None
    subject: str
    participants: int | None
    participant_units: str = ""
    with_fire_service: bool = False
    plan: EmergencyPlan | None = None


@transaction.atomic
def drill_record(*, town: Town, data: DrillData, report: UploadedFile | None, by: Any) -> Drill:
    """A drill the town held, with its report (a scan or photo) attached."""
    _require_town_official(by, town.pk, "visits.add_drill")
    errors: dict[str, Any] = {}
    _not_future(data.held_on, "held_on", _("演练日期"), errors)
    if not (data.subject or "").strip():
        errors["subject"] = _("请填写演练内容。")
    if not data.participants or data.participants < 1:
        errors["participants"] = _("参演人数至少为 1 人。")
    if data.plan is not None and data.plan.town_id != town.pk:
        errors["plan"] = _("只能选择本镇（街道）的应急预案。")
    errors.update(_document_errors(report, "report", _("演练报告")))
    if errors:
        raise ValidationError(errors)
    drill = Drill(
        town=town,
        plan=data.plan,
        held_on=data.held_on,
        subject=data.subject.strip(),
        participants=data.participants,
        participant_units=(data.participant_units or "").strip(),
        with_fire_service=data.with_fire_service,
        recorded_by=by,
    )
    attach_file(drill, report)
    _history(drill, by, SafetyReason.DRILL_RECORD)
    drill.save()
    return drill


Voidable = HazardInspection | EmergencyPlan | Drill


@transaction.atomic
def safety_void(*, record: Voidable, reason: str, by: Any) -> Voidable:
    """Withdraw an inspection, emergency plan or drill recorded by mistake: voided with the
    reason, kept with its history, left out of counts, the reminder and the reports. Its town's
    officials or the district office."""
    record = type(record).objects.select_for_update(of=("self",)).get(pk=record.pk)
    may = is_town_official_of(by, record.town_id) or sees_all_towns(by)
    if not may or not by.has_perm("visits.void_safetyrecord"):
        raise PermissionDenied(_("只有本镇（街道）工作人员或区清洁取暖办可以撤销误登记的记录。"))
    if record.voided_at is not None:
        raise ValidationError(
            _("该记录已于 %(at)s 撤销。") % {"at": f"{record.voided_at:%Y-%m-%d}"}
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写撤销原因。")})
    record.voided_at, record.voided_by, record.void_reason = timezone.now(), by, reason.strip()
    _history(record, by, SafetyReason.VOID)
    record.save()
    return record
