"""Officials work in villages: at 375 px (a phone held upright) the ledger, the household page
with its status actions and the inspection form fit the screen (tables scroll inside their own
box, never the page), every control is at least 44 px tall and can be tapped."""

import pytest
from django.utils import timezone

from tasks.models import ContractorKind, HouseholdStatus
from tests.browser.conftest import log_in
from tests.browser.world import build_page_world
from tests.factories import ContractorFactory, HouseholdFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 375
TAP = 44

#: Every control a finger has to hit, with the box it is hit by (a checkbox: its label or cell).
TARGETS_JS = """(tap) => {
  const bad = [];
  const selector = "main button, main input:not([type=hidden]), main select, main textarea, "
    + "main a.button, .main-nav a, .pagination a, .site-header button, .site-header a, "
    + ".topbar button";
  for (const el of document.querySelectorAll(selector)) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    let box = r;
    if (el.type === "checkbox" || el.type === "radio") {
      const label = el.closest("label")
        || (el.id && document.querySelector(`label[for="${el.id}"]`));
      if (label) box = label.getBoundingClientRect();
    }
    if (box.height < tap - 0.5) {
      bad.push(`${el.outerHTML.slice(0, 90)}: ${Math.round(box.height)} px tall`);
    }
  }
  return bad;
}"""


def assert_fits_a_phone(page) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= WIDTH, f"{page.url}: the page scrolls sideways ({width} px wide)"
    small = page.evaluate(TARGETS_JS, TAP)
    assert not small, f"{page.url}: tap targets under {TAP} px:\n" + "\n".join(small)


def test_ledger_household_actions_and_inspection_work_on_a_phone(
    browser, live_server, cast, programme, town_a, town_b
):
    build_page_world(
        programme=programme,
        town_a=town_a,
        town_b=town_b,
        district=cast["district"],
        finance=cast["finance"],
        finance2=cast["finance2"],
    )
    gas = ContractorFactory(name="淄川区燃气有限公司", kind=ContractorKind.GAS)
    household = HouseholdFactory(
        programme=programme,
        town=town_a,
        contractor=gas,
        head_name="孙桂英",
        status=HouseholdStatus.UNDER_CONSTRUCTION,
        construction_started_on=timezone.localdate(),
    )
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": WIDTH, "height": 740},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/login/")
        assert_fits_a_phone(page)
        log_in(page, live_server, "official_a")
        # The dashboard, its money charts too: every chart grid gives up its second column.
        page.goto(f"{live_server.url}/")
        assert page.locator("#money-card .chart-grid").count() == 1
        assert_fits_a_phone(page)

        # The ledger: the table scrolls inside its own box; search and the rows stay at hand.
        with page.expect_navigation():
            page.tap(".main-nav >> text=改造户台账")
        assert_fits_a_phone(page)
        wrap = page.locator("#household-table").locator("xpath=..")
        assert wrap.evaluate(
            "el => el.scrollWidth > el.clientWidth && getComputedStyle(el).overflowX"
        )
        page.fill("#id_q", "孙桂英")
        with page.expect_navigation():
            page.tap("form[role=search] button[type=submit]")
        assert page.locator("#household-table tbody tr").count() == 1
        name = page.locator("#household-table >> text=孙桂英")
        assert name.is_visible()
        with page.expect_navigation(url=f"**/households/{household.pk}/"):
            name.tap()

        # The household page and its status action: fill the date, tick, tap.
        assert_fits_a_phone(page)
        assert page.locator("#status-actions").is_visible()
        page.fill("#id_complete-completed_on", timezone.localdate().isoformat())
        page.locator("#id_complete-confirm").tap()
        with page.expect_navigation():
            page.locator("#complete-form button:has-text('登记完工')").tap()
        assert page.inner_text("#household-status") == "已完工"
        assert_fits_a_phone(page)

        # The inspection form: every field reachable and the team laid out for a narrow screen.
        page.goto(f"{live_server.url}/acceptance/households/{household.pk}/")
        assert_fits_a_phone(page)
        with page.expect_navigation():
            page.locator("#inspect-link").tap()
        assert_fits_a_phone(page)
        page.select_option("#id_kind", "completion")
        page.fill("#id_date", timezone.localdate().isoformat())
        page.fill("#id_team-0-name", "张村官")
        page.fill("#id_team-0-organisation", "东村村委会")
        page.fill("#id_team-1-name", "赵师傅")
        for select in page.locator("select[id^=id_item_]").all():
            select.select_option("1")
        page.locator("input[name=result][value=pass]").tap()
        submit = page.locator("#inspection-form button[type=submit]")
        submit.scroll_into_view_if_needed()
        box = submit.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
        with page.expect_navigation():
            submit.tap()
        assert "已记录竣工验收：通过。" in page.inner_text(".messages")
        assert_fits_a_phone(page)
    finally:
        context.close()
