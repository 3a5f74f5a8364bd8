"""Finance prepares a batch, a second finance user approves, exports and marks it paid; the
household's schedule page then shows the instalments paid."""

import pytest

from subsidies.services import schedules_generate, standards_load
from tests.browser.conftest import log_in
from tests.factories import EquipmentModelFactory
from tests.subsidies.helpers import accepted_household, pay_on_estimate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_finance_pays_a_batch_with_four_eyes(
    browser, page, live_server, programme, town_a, finance, finance2
):
    standards_load()
    h = accepted_household(
        programme=programme,
        town=town_a,
        head_name="赵一",
        equipment=EquipmentModelFactory(price_cap="4200.00"),
    )
    schedules_generate(programme=programme)
    pay_on_estimate(finance)  # no reading yet: finance pays the operating subsidy on the estimate

    log_in(page, live_server, "finance")
    page.click("nav.main-nav >> text=补贴发放")
    page.click("text=编制批次")
    page.select_option("select[name=season]", "2021-2022")
    page.get_by_label("洪山镇").check()
    page.click("#choose-form button[type=submit]")
    # the amounts come before the confirmation
    assert "6,700.00 元" in page.locator("#preview-total").inner_text()
    page.get_by_label("我已核对上述金额与明细，确认执行").check()
    with page.expect_navigation():
        page.click("#prepare-form button[type=submit]")
    assert page.locator("#batch-total").inner_text() == "6,700.00 元"
    assert page.locator("#batch-state").inner_text() == "草稿"
    assert page.locator("#approve-form").count() == 0  # the preparer cannot approve
    batch_url = page.url

    other = browser.new_context(locale="zh-CN")
    p2 = other.new_page()
    p2.set_default_timeout(15_000)
    log_in(p2, live_server, "finance2")
    p2.goto(batch_url)
    p2.locator("#approve-form input[name=confirm]").check()
    with p2.expect_navigation():
        p2.click("#approve-form button[type=submit]")
    assert p2.locator("#batch-state").inner_text() == "已审核"
    p2.locator("#export-form input[name=confirm]").check()
    with p2.expect_navigation():
        p2.click("#export-form button[type=submit]")
    assert p2.locator("#batch-state").inner_text() == "已导出"
    with p2.expect_download() as dl:
        p2.click("#download-link")
    assert dl.value.suggested_filename.endswith(".xlsx")
    p2.fill("input[name=reference]", "ZF2021-001")
    p2.fill("input[name=date]", "2021-12-01")
    p2.locator("#paid-form input[name=confirm]").check()
    with p2.expect_navigation():
        p2.click("#paid-form button[type=submit]")
    assert p2.locator("#batch-state").inner_text() == "已发放"
    assert "ZF2021-001" in p2.locator("#batch-reference").inner_text()
    trail = p2.locator("#trail").inner_text()
    for step in ("编制批次", "审核通过", "导出发放表", "确认发放"):
        assert step in trail

    p2.goto(f"{live_server.url}/subsidies/households/{h.pk}/")
    paid = p2.locator("#subsidy-schedule tr:has(.status-paid)")
    assert paid.count() == 3
    # The instalment's status badge (an estimate's 估算 badge sits in the amount cell).
    status = "#subsidy-schedule tr[data-season='{}'] span.status"
    assert p2.locator(status.format("2021-2022")).inner_text() == "已发放"
    assert p2.locator(status.format("2022-2023")).inner_text() == "待发放"
    other.close()
