"""At phone width (375 px) in a real browser: a town official records an inspection of a
household with a hazard, registers its rectification, a colleague verifies it, and a drill is
recorded with its report; no page scrolls sideways."""

import datetime

import pytest
from django.utils import timezone

from tasks.models import TownPlanLine
from tests.acceptance.files import pdf_bytes
from tests.browser.conftest import log_in
from visits.models import Drill, FindingState, HazardFinding

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def no_sideways_scroll(page) -> None:
    # A click that navigates returns before the next document exists: wait for it.
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')]"
        ".filter(e => e.getBoundingClientRect().right > 376).slice(0, 5)"
        ".map(e => e.tagName + '#' + e.id + '.' + e.className)"
    )
    assert width <= 375, f"{page.url} is {width} px wide: {wide}"


def test_an_inspection_rectified_and_verified_and_a_drill_at_phone_width(
    phone, live_server, approved_plan_a, household_a, official_a, official_a2, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    TownPlanLine.objects.create(
        plan=approved_plan_a,
        village=household_a.village,
        route="gas",
        households=20,
        planned_start=datetime.date(2021, 6, 20),
        planned_finish=datetime.date(2021, 8, 20),
        contractor_safety_officer="赵安全",
        contractor_safety_phone="13905332222",
        village_safety_officer="孙村安",
        village_safety_phone="13905331111",
    )
    today = timezone.localdate()
    page = phone
    log_in(page, live_server, "official_a")
    page.goto(f"{live_server.url}{household_a.get_absolute_url()}")
    assert page.get_attribute("#safety-officers a.tel >> nth=0", "href") == "tel:13905332222"
    no_sideways_scroll(page)
    with page.expect_navigation():
        page.click("text=登记该户的安全隐患排查")
    no_sideways_scroll(page)
    page.select_option("#id_village", str(household_a.village_id))
    page.fill("#id_inspectors", "王建军（镇安监办）")
    page.fill("#id_findings-0-description", "燃气报警器未通电。")
    page.select_option("#id_findings-0-severity", "major")
    page.fill("#id_findings-0-deadline", (today + datetime.timedelta(days=3)).isoformat())
    with page.expect_navigation():
        page.click("#inspection-form button[type=submit]")
    assert "已登记隐患排查，发现隐患 1 条。" in page.inner_text(".messages")
    no_sideways_scroll(page)
    page.click(".finding-card summary >> text=登记整改")
    page.fill(".rectify-form textarea", "已接通电源并试验报警。")
    with page.expect_navigation():
        page.click(".rectify-form button[type=submit]")
    finding = HazardFinding.objects.get()
    assert finding.state == FindingState.RECTIFIED

    page.context.clear_cookies()
    log_in(page, live_server, "official_a2")
    page.goto(f"{live_server.url}{finding.get_absolute_url()}")
    page.click(".finding-card summary >> text=复核")
    page.check(".verify-form input[name=confirm]")
    with page.expect_navigation():
        page.click(".verify-form button[type=submit]")
    assert "已复核，隐患销号。" in page.inner_text(".messages")
    finding.refresh_from_db()
    assert finding.state == FindingState.VERIFIED and finding.verified_by == official_a2

    page.goto(f"{live_server.url}/visits/safety/emergency/drills/new/")
    no_sideways_scroll(page)
    page.fill("#id_held_on", today.isoformat())
    page.fill("#id_subject", "燃气泄漏疏散演练")
    page.fill("#id_participants", "35")
    page.check("#id_with_fire_service")
    page.set_input_files(
        "#id_report", {"name": "演练报告.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    with page.expect_navigation():
        page.click("#drill-form button[type=submit]")
    assert "已登记应急演练。" in page.inner_text(".messages")
    no_sideways_scroll(page)
    drill = Drill.objects.get()
    assert drill.with_fire_service and drill.participants == 35
