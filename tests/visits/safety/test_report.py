"""Safety by town: the overview page's figures and the section of the PDF progress reports,
read back from the PDF's text."""

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.acceptance.files import pdf_bytes, upload
from tests.tasks.progress.conftest import pdf_text
from visits.safety.queries import safety_by_town
from visits.safety.services import DrillData, drill_record, emergency_plan_upload, finding_rectify

from .conftest import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def safety_world(town_a, town_b, village_a, village_b, official_a, official_b, inspection_a, today):
    """洪山镇: 2 findings open (1 overdue), 1 rectified; a plan, two drills (one with the fire
    service). 昆仑镇: 1 finding open, no plan, no drill."""
    later = record(
        town_a,
        village_a,
        official_a,
        on=today,
        findings=[("灭火器过期。", "general", today + datetime.timedelta(days=5))],
    )
    finding_rectify(
        finding=later.findings.get(), rectified_on=today, rectification="已更换。", by=official_a
    )
    record(
        town_b,
        village_b,
        official_b,
        findings=[("调压箱无警示标志。", "general", today + datetime.timedelta(days=7))],
    )
    plan = emergency_plan_upload(
        town=town_a,
        title="洪山镇燃气安全应急预案",
        issued_on=datetime.date(2021, 10, 1),
        document=upload("预案.pdf", pdf_bytes()),
        by=official_a,
    )
    for day, fire in ((datetime.date(2021, 11, 5), True), (datetime.date(2021, 12, 3), False)):
        drill_record(
            town=town_a,
            data=DrillData(day, "燃气泄漏处置演练", 30, "", fire, plan),
            report=upload("报告.pdf", pdf_bytes()),
            by=official_a,
        )


def test_findings_and_drills_by_town(safety_world, town_a, town_b, today):
    rows = {r.code: r for r in safety_by_town(today=today)}
    assert len(rows) == 9
    a, b = rows["hongshan"], rows["kunlun"]
    assert (a.open, a.overdue, a.rectified, a.verified) == (2, 1, 1, 0)
    assert (a.plans, a.drills, a.fire_service_drills) == (1, 2, 1)
    assert a.last_drill == datetime.date(2021, 12, 3)
    assert (b.open, b.overdue, b.rectified, b.plans, b.drills) == (1, 0, 0, 0, 0)
    assert rows["luocun"].total == 0


def test_the_overview_page_shows_the_figures(client_for, district, safety_world):
    html = client_for(district).get(reverse("visits:safety:overview")).content.decode()
    row = html.split('data-town="hongshan"', 1)[1].split("</tr>", 1)[0]
    cells = dict(re.findall(r'data-col="(\w+)">(.*?)</td>', row, re.S))
    assert cells["open"] == "2" and cells["rectified"] == "1" and cells["drills"] == "2"
    assert ">1</a>" in cells["overdue"] and cells["fire"] == "1"
    assert "未上传" in html.split('data-town="kunlun"', 1)[1].split("</tr>", 1)[0]


def test_the_district_report_has_the_safety_section(programme, safety_world, tmp_path):
    out = tmp_path / "district.pdf"
    call_command("progress_report", "--programme", "2021", "--out", str(out), stdout=io.StringIO())
    text = pdf_text(out)
    assert "安全隐患排查与应急演练" in text
    section = text.split("安全隐患排查与应急演练", 1)[1]
    hongshan = next(line for line in section.splitlines() if line.strip().startswith("洪山镇"))
    assert re.split(r"\s+", hongshan.strip()) == ["洪山镇", "2", "1", "1", "1", "2", "1"]
    kunlun = next(line for line in section.splitlines() if line.strip().startswith("昆仑镇"))
    assert re.split(r"\s+", kunlun.strip()) == ["昆仑镇", "1", "0", "0", "0", "0", "0"]


def test_the_town_report_has_its_own_town_only(programme, safety_world, tmp_path):
    out = tmp_path / "town.pdf"
    call_command(
        "progress_report",
        "--programme", "2021", "--town", "kunlun", "--out", str(out),
        stdout=io.StringIO(),
    )  # fmt: skip
    section = pdf_text(out).split("安全隐患排查与应急演练", 1)[1]
    assert "昆仑镇" in section and "洪山镇" not in section.split("附件")[0]
