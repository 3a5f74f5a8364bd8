"""The demo's safety work: each town's emergency plan and a drill or two, and this heating
season's hazard inspections — some findings verified, some awaiting verification, some still
open (a few past their deadline, so the daily reminder has something to say).

Everything through the services with the demo users; dates relative to the demo's day, the
timestamps the services stamp "now" back-dated afterwards. The same day gives the same rows.
"""

import datetime
import io

from django.core.files.base import ContentFile
from django.utils import timezone

from tasks.models import Household, Town
from visits.models import HazardFinding, HazardInspection, SafetyReason
from visits.safety.services import (
    DrillData,
    FindingData,
    drill_record,
    emergency_plan_upload,
    finding_rectify,
    finding_verify,
    inspection_record,
)
from zichuan_heating.demo.common import Cast, Progress, at, backdate

VILLAGE_FINDINGS = (
    (
        "村内燃气调压箱警示标志缺失，周边堆放柴草。",
        "general",
        "已补设警示标志，清理柴草并设置围挡。",
    ),
    ("两户燃气软管老化开裂，存在漏气风险。", "major", "已更换为金属波纹管并试压合格。"),
)
HOUSEHOLD_FINDINGS = (
    ("燃气报警器未通电，无法报警。", "major"),
    ("壁挂炉烟道出口距窗户过近。", "serious"),
)
DRILLS = (
    ("燃气泄漏疏散与处置演练", "镇应急办、村委会、燃气公司抢修队", 42),
    ("冬季供暖设备故障抢修演练", "镇清洁取暖办、实施主体、村级安全员", 26),
)


def _pdf(title: str) -> ContentFile:
    """A small valid one-page PDF standing for a scanned document."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (4, xref))
    return ContentFile(out.getvalue(), name=f"{title}.pdf")


def _plans_and_drills(cast: Cast, town: Town, n: int, base: datetime.date) -> int:
    official = cast.officials[town.code]
    plan = emergency_plan_upload(
        town=town,
        title=f"{town.name}冬季清洁取暖安全生产应急预案",
        issued_on=datetime.date(cast.programme.year, 10, 8 + n % 5),
        document=_pdf(f"{town.name}应急预案"),
        by=official,
    )
    drills = DRILLS[: 1 + n % 2]
    for i, (subject, units, people) in enumerate(drills):
        held = base - datetime.timedelta(days=20 + 9 * i + n)
        drill_record(
            town=town,
            data=DrillData(held, subject, people + n, units, with_fire_service=i == 0, plan=plan),
            report=_pdf(f"{town.name}{subject}总结"),
            by=official,
        )
    return len(drills)


def _inspect_village(cast: Cast, town: Town, household: Household, day: datetime.date) -> None:
    official = cast.officials[town.code]
    inspection = inspection_record(
        town=town,
        village=household.village,
        inspected_on=day,
        inspectors=f"{town.name}安监办、{household.village.name}村级安全员",
        notes="入冬前全村燃气设施与入户设备安全排查。",
        findings=[
            FindingData(text, severity, day + datetime.timedelta(days=7))
            for text, severity, _fix in VILLAGE_FINDINGS
        ],
        by=official,
    )
    findings = list(inspection.findings.order_by("id"))
    for finding, (_text, _severity, fix) in zip(findings, VILLAGE_FINDINGS, strict=True):
        finding_rectify(
            finding=finding,
            rectified_on=day + datetime.timedelta(days=5),
            rectification=fix,
            by=official,
        )
    # The district office verified the first on the spot; the second awaits verification.
    finding_verify(finding=findings[0], by=cast.district, comment="现场复核，整改到位。")
    backdate(
        HazardFinding.objects.filter(pk=findings[0].pk),
        verified_at=at(day + datetime.timedelta(days=6), 15),
    )
    _backdate(inspection, day)


def _inspect_household(cast: Cast, town: Town, household: Household, day: datetime.date, n: int):
    text, severity = HOUSEHOLD_FINDINGS[n % 2]
    # Every third town is late: its deadline has passed and the finding is still open.
    deadline = day + datetime.timedelta(days=3 if n % 3 == 0 else 30)
    inspection = inspection_record(
        town=town,
        village=household.village,
        household=household,
        inspected_on=day,
        inspectors=f"{town.name}安监办、燃气公司安全员",
        notes="入户检查燃气管道、报警器和烟道。",
        findings=[FindingData(text, severity, deadline)],
        by=cast.officials[town.code],
    )
    _backdate(inspection, day)


def _backdate(inspection: HazardInspection, day: datetime.date) -> None:
    """DEMO BACK-DATING: record, rectify and verify happened on their own days."""
    backdate(HazardInspection.objects.filter(pk=inspection.pk), created_at=at(day, 16))
    backdate(inspection.history.all(), history_date=at(day, 16))
    history = HazardFinding.history.filter(inspection_id=inspection.pk)
    backdate(history.filter(history_change_reason=SafetyReason.RECORD), history_date=at(day, 16))
    backdate(
        history.filter(history_change_reason=SafetyReason.RECTIFY),
        history_date=at(day + datetime.timedelta(days=5), 11),
    )
    backdate(
        history.filter(history_change_reason=SafetyReason.VERIFY),
        history_date=at(day + datetime.timedelta(days=6), 15),
    )


def safety_record(cast: Cast, progress: Progress) -> None:
    """Per town: its plan, one or two drills, a village inspection and a household one."""
    base = min(cast.today, timezone.localdate())
    drills = 0
    for n, town in enumerate(cast.towns):
        households = Household.objects.filter(programme=cast.programme, town=town)
        first = households.select_related("village").order_by("village_id", "id").first()
        drills += _plans_and_drills(cast, town, n, base)
        if first is None:
            continue
        _inspect_village(cast, town, first, base - datetime.timedelta(days=30 + n))
        _inspect_household(cast, town, first, base - datetime.timedelta(days=10 + n), n)
    progress(f"  safety: {len(cast.towns)} emergency plans, {drills} drills, inspections per town")
