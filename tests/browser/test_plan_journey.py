"""A town writes and submits its plan, the district returns it with a comment, the town fixes
and resubmits, the district approves: all through Chromium."""

import datetime

import pytest

from tasks.models import HouseholdStatus
from tasks.plans.queries import approved_plan_town_ids
from tests.browser.conftest import log_in
from tests.factories import ContractorFactory, HouseholdFactory, VillageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_line(page, i: int, village: str, households: int) -> None:
    p = f"#id_lines-{i}-"
    page.select_option(p + "village", label=village)
    page.select_option(p + "route", value="gas")
    page.fill(p + "households", str(households))
    page.fill(p + "planned_start", "2021-06-20")
    page.fill(p + "planned_finish", "2021-08-25")
    page.select_option(p + "contractor", label="淄川燃气公司")
    page.fill(p + "contractor_safety_officer", "张安全")
    page.fill(p + "contractor_safety_phone", "13905331111")
    page.fill(p + "village_safety_officer", "李村")
    page.fill(p + "village_safety_phone", "13905332222")


def test_plan_is_returned_fixed_and_approved(
    browser, page, live_server, programme, town_a, official_a, district, tmp_path
):
    east = VillageFactory(town=town_a, name="东村")
    VillageFactory(town=town_a, name="西村")
    ContractorFactory(name="淄川燃气公司")
    household = HouseholdFactory(
        programme=programme,
        town=town_a,
        village=east,
        head_name="周明",
        status=HouseholdStatus.CONTRACTED,
        contract_signed_on=datetime.date(2021, 6, 1),
    )

    # Before approval the household cannot start construction, and the page says why.
    log_in(page, live_server, "official_a")
    page.goto(f"{live_server.url}/households/{household.pk}/")
    assert "尚未经区清洁取暖办核准" in page.locator("#start-refusal").inner_text()

    # The town official writes the plan.
    page.goto(f"{live_server.url}/")
    page.click("nav >> text=实施方案")
    assert page.locator("h1").inner_text().startswith("洪山镇 · 实施方案")
    page.click("text=编制实施方案")
    page.fill("#id_summary", "东村、西村气代煤改造。")
    page.fill("#id_emergency_arrangements", "镇应急办值班电话 0533-5180000。")
    fill_line(page, 0, "东村", 300)
    page.click("#add-line")  # one blank line is offered; the second is added on the page
    fill_line(page, 1, "西村", 158)
    page.click("#save-plan")
    assert "方案已保存。" in page.locator(".messages").inner_text()
    page.click("#submit-plan")
    assert "方案已报送区清洁取暖办审核。" in page.locator(".messages").inner_text()
    assert page.locator("#plan-working").inner_text().endswith("已报送")

    # The district office returns it with a comment.
    office = browser.new_context(locale="zh-CN").new_page()
    office.set_default_timeout(15_000)
    log_in(office, live_server, "district")
    assert office.locator("#unread-count").inner_text() == "1"
    office.goto(f"{live_server.url}/plans/review/")
    office.click("#review-queue >> text=洪山镇")
    office.fill("#id_comment", "请补充应急演练安排。")
    office.click("#return-plan")
    assert "已退回" in office.locator(".messages").inner_text()
    assert office.locator("#plan-status").inner_text() == "已退回"

    # The town sees the comment at once, fixes the plan and resubmits.
    page.goto(f"{live_server.url}/")
    assert page.locator("#unread-count").inner_text() == "1"
    page.click(".notif-link")
    page.click("text=实施方案（第1版）被退回，请修改后重新报送")
    assert "请补充应急演练安排。" in page.locator("#reviews").inner_text()
    page.click("nav >> text=实施方案")
    assert "请补充应急演练安排。" in page.locator("#reviews").inner_text()
    page.click("text=编辑方案")
    page.fill("#id_emergency_arrangements", "镇应急办值班电话 0533-5180000；每月组织一次应急演练。")
    page.click("#save-plan")
    page.click("#submit-plan")
    assert "方案已报送区清洁取暖办审核。" in page.locator(".messages").inner_text()

    # The district sees what changed and approves after confirming.
    office.goto(f"{live_server.url}/plans/review/")
    office.click("#review-queue >> text=洪山镇")
    diff = office.locator("#plan-diff").inner_text()
    assert "应急联络安排" in diff and "每月组织一次应急演练" in diff
    office.click("#approve-link")
    office.check("#id_confirm")
    office.click("#confirm-approve")
    assert "已核准洪山镇实施方案（第1版）。" in office.locator(".messages").inner_text()
    assert office.locator("#plan-status").inner_text() == "已核准"
    office.screenshot(path=str(tmp_path / "plan-approved.png"), full_page=True)

    page.goto(f"{live_server.url}/plans/")
    assert "第1版" in page.locator("#plan-in-force").inner_text()
    assert approved_plan_town_ids(programme) == {town_a.pk}

    # 核准后实施: the town's households can now start construction.
    page.goto(f"{live_server.url}/households/{household.pk}/")
    assert page.locator("#start-refusal").count() == 0
    page.fill("#id_start-started_on", "2021-06-20")
    page.check("#id_start-confirm")  # the confirmation box the user ticks
    with page.expect_navigation():
        page.click("button:has-text('开工')")
    assert page.locator("#household-status").inner_text() == "施工中"
    household.refresh_from_db()
    assert household.status == HouseholdStatus.UNDER_CONSTRUCTION
