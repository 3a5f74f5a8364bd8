"""A town official registers a household in the browser and signs its contract, ticking the
confirmation box; the history table shows the change."""

import datetime

import pytest

from bench.generate import id_number
from tests.browser.conftest import log_in
from tests.factories import ContractorFactory, VillageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_official_registers_and_contracts_a_household(page, live_server, official_a, town_a):
    VillageFactory(town=town_a, name="东村")
    ContractorFactory(name="淄川燃气公司", kind="gas")  # 签约 needs a contractor
    number = id_number(456, datetime.date(1966, 9, 9))
    log_in(page, live_server, "official_a")
    page.click("nav >> text=改造户台账")
    assert "台账中还没有改造户。" in page.locator("main").inner_text()
    page.click("text=登记改造户")
    page.select_option("#id_village", label="东村")
    page.fill("#id_head_name", "周明")
    page.fill("#id_id_number", number[:-1])  # one character short: a field error
    page.select_option("#id_route", "gas")
    page.select_option("#id_contractor", label="淄川燃气公司")
    page.click("main button[type=submit]")
    assert page.locator("#error-id_number").inner_text() == "身份证号应为18位，当前为17位。"
    page.fill("#id_id_number", number)
    page.click("main button[type=submit]")
    page.wait_for_url("**/households/*/")
    assert page.locator("#household-status").inner_text() == "已摸底"
    assert page.locator("#id-number").inner_text() == number[:6] + "********" + number[-4:]

    page.fill("#id_contract-signed_on", "2021-06-01")
    box = page.locator("#id_contract-confirm")
    assert box.is_visible() and not box.is_checked()
    assert box.get_attribute("required") is not None
    page.click("#contract-form button:has-text('签约')")  # not ticked: the form is not sent
    assert page.locator("#household-status").inner_text() == "已摸底"
    box.check()
    with page.expect_navigation():
        page.click("#contract-form button:has-text('签约')")
    assert page.locator("#household-status").inner_text() == "已签约"
    history = page.locator("#history-table").inner_text()
    assert "签约日期：— → 2021-06-01" in history
    assert "状态：已摸底 → 已签约" in history
