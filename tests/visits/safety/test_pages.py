"""Every safety URL through the access battery, and town scoping: an official sees and records
only their own town's inspections and drills (another town's objects are 404), the district
office sees all."""

import datetime

import pytest
from django.urls import reverse

from tests.acceptance.files import pdf_bytes, upload
from tests.access import battery
from visits.models import Drill, EmergencyPlan, FindingState, HazardInspection
from visits.safety.services import DrillData, drill_record, emergency_plan_upload

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"visits:safety:{name}", args=args)


@pytest.fixture
def plan_a(town_a, official_a):
    return emergency_plan_upload(
        town=town_a,
        title="洪山镇燃气安全应急预案",
        issued_on=datetime.date(2021, 10, 1),
        document=upload("预案.pdf", pdf_bytes()),
        by=official_a,
    )


@pytest.fixture
def drill_a(town_a, official_a, plan_a):
    return drill_record(
        town=town_a,
        data=DrillData(
            datetime.date(2021, 11, 5), "燃气泄漏处置演练", 30, "镇应急办", True, plan_a
        ),
        report=upload("演练报告.pdf", pdf_bytes()),
        by=official_a,
    )


def test_the_pages_every_viewer_reads(cast, inspection_a, plan_a, drill_a):
    a, b, district, finance = (cast[k] for k in ("official_a", "official_b", "district", "finance"))
    admin = cast["administrator"]
    for name in ("overview", "inspection_list", "emergency"):
        battery(url(name), ok=[a, b, district, admin], forbidden=[finance], wrong_method="post")
    for target in (
        url("inspection_detail", inspection_a.pk),
        url("plan_document", plan_a.pk),
        url("drill_report", drill_a.pk),
    ):
        battery(target, ok=[a, district], not_found=[b], forbidden=[finance], wrong_method="post")


def test_the_recording_pages_are_for_town_officials(cast):
    a, b, district, finance = (cast[k] for k in ("official_a", "official_b", "district", "finance"))
    for name in ("inspection_new", "plan_new", "drill_new"):
        battery(url(name), ok=[a, b], forbidden=[district, finance], wrong_method="put")


def test_the_finding_actions(cast, inspection_a):
    a, b, district, finance = (cast[k] for k in ("official_a", "official_b", "district", "finance"))
    finding = inspection_a.findings.first()
    battery(
        url("finding_rectify", finding.pk),
        method="post",
        ok=[a],
        ok_status=302,
        not_found=[b],
        forbidden=[district, finance],
        wrong_method="get",
    )
    for name in ("finding_verify", "finding_send_back"):
        battery(
            url(name, finding.pk),
            method="post",
            ok=[a, district],
            ok_status=302,
            not_found=[b],
            forbidden=[finance],
            wrong_method="get",
        )
    finding.refresh_from_db()
    assert finding.state == FindingState.OPEN  # empty posts changed nothing


def test_an_official_sees_only_their_own_town(
    client_for, official_b, district, inspection_a, inspection_b, town_a
):
    b = client_for(official_b)
    html = b.get(url("inspection_list")).content.decode()
    assert f'data-inspection="{inspection_b.pk}"' in html
    assert f'data-inspection="{inspection_a.pk}"' not in html
    assert b.get(url("inspection_list") + f"?town={town_a.code}").status_code == 404
    assert b.get(url("emergency") + f"?town={town_a.code}").status_code == 404
    overview = b.get(url("overview")).content.decode()
    assert 'data-town="kunlun"' in overview and 'data-town="hongshan"' not in overview
    html = client_for(district).get(url("inspection_list")).content.decode()
    assert f'data-inspection="{inspection_a.pk}"' in html
    assert f'data-inspection="{inspection_b.pk}"' in html


def test_an_official_cannot_record_for_another_towns_village_or_household(
    client_for, official_b, village_a, household_a, today
):
    b = client_for(official_b)
    assert b.get(url("inspection_new") + f"?household={household_a.pk}").status_code == 404
    response = b.post(
        url("inspection_new"),
        {
            "village": village_a.pk,
            "inspected_on": today.isoformat(),
            "inspectors": "李四",
            "findings-TOTAL_FORMS": "0",
            "findings-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not HazardInspection.objects.exists()


def test_an_inspection_recorded_through_the_form_and_its_finding_rectified(
    client_for, official_a, official_a2, village_a, household_a, today
):
    a = client_for(official_a)
    deadline = (today + datetime.timedelta(days=3)).isoformat()
    response = a.post(
        url("inspection_new"),
        {
            "household": household_a.pk,
            "village": village_a.pk,
            "inspected_on": today.isoformat(),
            "inspectors": "王建军",
            "notes": "",
            "findings-TOTAL_FORMS": "2",
            "findings-INITIAL_FORMS": "0",
            "findings-0-description": "燃气报警器未通电。",
            "findings-0-severity": "major",
            "findings-0-deadline": deadline,
            "findings-1-description": "",
            "findings-1-severity": "",
            "findings-1-deadline": "",
        },
    )
    inspection = HazardInspection.objects.get()
    assert response.status_code == 302 and response.url == inspection.get_absolute_url()
    assert inspection.household == household_a and inspection.findings.count() == 1
    finding = inspection.findings.get()
    page = a.get(response.url).content.decode()
    assert "燃气报警器未通电" in page and "rectify-form" in page
    a.post(
        url("finding_rectify", finding.pk),
        {"rectified_on": today.isoformat(), "rectification": "已接通电源。"},
    )
    finding.refresh_from_db()
    assert finding.state == FindingState.RECTIFIED
    # official_a rectified it: the page asks for someone else; official_a2 verifies.
    assert "需由其他工作人员复核" in a.get(inspection.get_absolute_url()).content.decode()
    client_for(official_a2).post(url("finding_verify", finding.pk), {"confirm": "on"})
    finding.refresh_from_db()
    assert finding.state == FindingState.VERIFIED and finding.verified_by == official_a2
    page = a.get(inspection.get_absolute_url()).content.decode()
    assert page.count("复核销号") >= 2  # the state and the history row


def test_verifying_needs_the_box_ticked(client_for, official_a, district, inspection_a, today):
    from visits.safety.services import finding_rectify

    finding = inspection_a.findings.first()
    finding_rectify(finding=finding, rectified_on=today, rectification="已整改。", by=official_a)
    response = client_for(district).post(url("finding_verify", finding.pk), {}, follow=True)
    assert "请勾选确认后再提交。" in response.content.decode()
    finding.refresh_from_db()
    assert finding.state == FindingState.RECTIFIED


def test_empty_pages_say_what_to_do(client_for, official_a):
    a = client_for(official_a)
    assert "点击“登记隐患排查”录入" in a.get(url("inspection_list")).content.decode()
    html = a.get(url("emergency")).content.decode()
    assert "尚未上传应急预案" in html and "尚无应急演练记录" in html
    assert not EmergencyPlan.objects.exists() and not Drill.objects.exists()


def test_the_list_filters_by_finding_state_and_keeps_each_inspections_counts(
    official_a, district, inspection_a, inspection_b, today
):
    from visits.safety.queries import inspections_for_user

    # inspection_a: 2 findings open, 1 of them overdue; inspection_b: 1 open, not overdue.
    overdue = list(inspections_for_user(district, state="overdue", today=today))
    assert [i.pk for i in overdue] == [inspection_a.pk]
    assert (overdue[0].finding_count, overdue[0].open_count, overdue[0].overdue_count) == (2, 2, 1)
    assert {i.pk for i in inspections_for_user(district, state="open")} == {
        inspection_a.pk,
        inspection_b.pk,
    }
    assert list(inspections_for_user(district, state="verified")) == []
    assert [i.pk for i in inspections_for_user(official_a, state="open")] == [inspection_a.pk]
    assert [i.pk for i in inspections_for_user(district, q="王建国")] == [inspection_a.pk]
