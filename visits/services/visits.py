"""Recording a verification visit: what the household and the visitor found, the photos, and
a case opened by itself for every mismatch (not received, another amount, the stove back, the
equipment broken)."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.plans.services.access import require_town_official
from visits.models import VISIT_FLOW, Case, CaseCategory, CaseSource, Visit, VisitPhoto
from visits.services.cases import case_open
from zichuan_heating.uploads import attachment_errors, attachments_save

MAX_PHOTOS = 10


@dataclass(frozen=True)
class Findings:
    heating_works: bool
    alarm_present: bool
    alarm_working: bool
    stove_gone: bool
    subsidy_received: bool
    satisfaction: int
    amount_confirmed: Decimal | None = None
    indoor_temperature: Decimal | None = None
    remarks: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None


def findings_errors(f: Findings) -> dict[str, str]:
    errors = {}
    if f.satisfaction not in range(1, 6):
        errors["satisfaction"] = _("满意度应为 1 到 5。")
    t = f.indoor_temperature
    if t is not None and not Decimal("-30") <= t <= Decimal("40"):
        errors["indoor_temperature"] = _("室内温度应在 -30 到 40 ℃ 之间。")
    if f.subsidy_received and f.amount_confirmed is None:
        errors["amount_confirmed"] = _("已收到补贴时请填写户主确认的金额。")
    if f.amount_confirmed is not None and f.amount_confirmed < 0:
        errors["amount_confirmed"] = _("金额不能为负数。")
    if (f.latitude is None) != (f.longitude is None):
        errors["latitude"] = _("位置须同时有纬度和经度，或都不填。")
    elif f.latitude is not None and (abs(f.latitude) > 90 or abs(f.longitude) > 180):
        errors["latitude"] = _("位置的经纬度超出范围。")
    return errors


def mismatches(visit: Visit) -> list[tuple[str, str, str]]:
    """(category, title, description) for each problem the visit found, one per category."""
    found: dict[str, list[str]] = {}
    paid = visit.paid_amount
    if not visit.subsidy_received:
        found.setdefault(CaseCategory.SUBSIDY, []).append(
            _("户主表示未收到补贴（本采暖季已发放 %(paid)s 元）。") % {"paid": paid}
        )
    elif visit.amount_confirmed != paid:
        found.setdefault(CaseCategory.SUBSIDY, []).append(
            _("户主确认收到 %(got)s 元，与已发放 %(paid)s 元不符。")
            % {"got": visit.amount_confirmed, "paid": paid}
        )
    if not visit.heating_works:
        found.setdefault(CaseCategory.EQUIPMENT, []).append(_("采暖设备不能正常运行。"))
    if not visit.alarm_present:
        found.setdefault(CaseCategory.SAFETY, []).append(_("未安装燃气/一氧化碳报警器。"))
    elif not visit.alarm_working:
        found.setdefault(CaseCategory.SAFETY, []).append(_("燃气/一氧化碳报警器不能正常工作。"))
    if not visit.stove_gone:
        found.setdefault(CaseCategory.SAFETY, []).append(
            _("燃煤炉具仍在或已复用，存在一氧化碳中毒风险。")
        )
    titles = {
        CaseCategory.SUBSIDY: _("回访发现补贴未收到或金额不符"),
        CaseCategory.EQUIPMENT: _("回访发现采暖设备故障"),
        CaseCategory.SAFETY: _("回访发现燃气/一氧化碳安全隐患"),
    }
    return [(c, titles[c], "\n".join(lines)) for c, lines in found.items()]


@transaction.atomic
def visit_record(
    *,
    visit: Visit,
    by: Any,
    findings: Findings,
    photos: Iterable[UploadedFile] = (),
    now: datetime.datetime | None = None,
) -> tuple[Visit, list[Case]]:
    """Record the visit once (a second submission is refused by the flow on the locked row)
    and open a case for each mismatch; returns the visit and the cases opened."""
    visit = Visit.objects.select_for_update().select_related("town", "household").get(pk=visit.pk)
    require_town_official(by, visit.town_id, "visits.record_visit")
    VISIT_FLOW.check(visit, "record")
    photos = list(photos)
    errors = findings_errors(findings)
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = _("照片最多 %(n)s 张。") % {"n": MAX_PHOTOS}
    elif bad := attachment_errors(photos):
        errors["photos"] = "；".join(bad)
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    for name, value in findings.__dict__.items():
        setattr(visit, name, value)
    if not visit.subsidy_received:
        visit.amount_confirmed = None
    if not visit.alarm_present:
        visit.alarm_working = False
    visit.remarks = (findings.remarks or "").strip()
    VISIT_FLOW.apply(visit, "record")
    visit.visited_by, visit.visited_at = by, now
    visit.save()
    attachments_save(photos, lambda: VisitPhoto(visit=visit), by=by)
    cases = [
        case_open(
            town=visit.town,
            category=category,
            source=CaseSource.VISIT,
            title=title,
            description=description,
            by=by,
            household=visit.household,
            visit=visit,
            now=now,
        )
        for category, title, description in mismatches(visit)
    ]
    return visit, cases
