"""A town of 458 households moved through 签约, 开工 and 完工 in bulk at desktop width: filter,
take all matching, one date, tick the box, submit; the results list the refused household.
The clicks each stage takes are counted (the note on issue 12 quotes them)."""

import datetime

import pytest
from django.utils import timezone

from tasks.models import Household, HouseholdStatus, Route
from tests.browser.conftest import log_in
from tests.factories import (
    ContractorFactory,
    EquipmentModelFactory,
    HouseholdFactory,
    VillageFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOWN_SIZE = 458  # 洪山镇's task


class Clicks:
    """Counts what the user does: a click, a choice in a list, or typing into a field."""

    def __init__(self, page):
        self.page, self.n = page, 0

    def click(self, selector):
        self.n += 1
        self.page.click(selector)

    def select(self, selector, value):
        self.n += 1
        self.page.select_option(selector, value)

    def fill(self, selector, value):
        self.n += 1
        self.page.fill(selector, value)


def stage(clicks, button, day, expect_done):
    """One bulk stage from the filtered list: all matching → action → date → box → submit."""
    page = clicks.page
    before = clicks.n
    clicks.click("#bulk-all-matching")
    clicks.click(f"#bulk-bar button[value={button}]")
    page.wait_for_selector("#bulk-apply-form")
    assert f"将对 {TOWN_SIZE + 1} 户" in page.locator("#bulk-count").inner_text()
    if day is not None:
        clicks.fill("#id_day", day.isoformat())
    box = page.locator("#id_confirm")
    assert box.is_visible() and not box.is_checked()
    clicks.click("#id_confirm")
    clicks.click("#bulk-apply")
    page.wait_for_selector("#bulk-results", timeout=180_000)
    assert f"已办理 {expect_done} 户" in page.locator("#bulk-done").inner_text()
    used = clicks.n - before
    refused = page.locator("#bulk-refused").inner_text()
    clicks.click("#bulk-back")
    page.wait_for_selector("#bulk-form")
    return used, refused


def test_a_town_moves_458_households_to_built_in_bulk(
    page, live_server, programme, official_a, town_a, town_b, approved_plan_a
):
    company = ContractorFactory(name="淄川燃气公司", kind="gas")
    boiler = EquipmentModelFactory(brand="示例品牌", model="L1PB20", route=Route.GAS)
    east, west = VillageFactory(town=town_a, name="东村"), VillageFactory(town=town_a, name="西村")
    built = [
        HouseholdFactory.build(
            programme=programme,
            town=town_a,
            village=east if i % 2 else west,
            contractor=company,
            equipment=boiler,
        )
        for i in range(TOWN_SIZE)
    ]
    for h in built:
        h.id_tail = h.id_number[-6:]  # what save() sets; bulk_create skips it
    Household.objects.bulk_create(built)
    unready = HouseholdFactory(programme=programme, town=town_a, village=east, head_name="缺单位")
    HouseholdFactory(programme=programme, town=town_a, village=east, route=Route.ELECTRIC)
    other_town = HouseholdFactory(
        programme=programme, town=town_b, contractor=company, equipment=boiler
    )

    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_default_timeout(180_000)  # 458 households through their services per submit
    log_in(page, live_server, "official_a")
    page.goto(f"{live_server.url}/households/")
    clicks = Clicks(page)
    clicks.select("#id_route", "gas")
    clicks.click("form[role=search] button[type=submit]")
    page.wait_for_selector("#bulk-form")
    filter_clicks = clicks.n
    assert f"全部 {TOWN_SIZE + 1} 户" in page.locator("#bulk-bar").inner_text()

    today = timezone.localdate()
    used = {}
    used["签约"], refused = stage(clicks, "contract", today - datetime.timedelta(days=2), TOWN_SIZE)
    assert "缺单位" in refused and "请先在台账信息中选择实施单位，再签约。" in refused
    used["开工"], refused = stage(clicks, "start", today - datetime.timedelta(days=1), TOWN_SIZE)
    assert "当前状态为“已摸底”，不能开工。" in refused
    used["完工"], _refused = stage(clicks, "complete", None, TOWN_SIZE)  # the date shown: today

    statuses = Household.objects.filter(town=town_a, route=Route.GAS).values_list(
        "status", flat=True
    )
    assert list(statuses).count(HouseholdStatus.BUILT) == TOWN_SIZE
    assert Household.objects.get(pk=unready.pk).status == HouseholdStatus.SURVEYED
    assert Household.objects.get(pk=other_town.pk).status == HouseholdStatus.SURVEYED
    # Filter once (2); per stage: all matching, action, date (not when it is today), box,
    # submit; then one click back to the filtered list for the next stage.
    assert filter_clicks == 2
    assert used == {"签约": 5, "开工": 5, "完工": 4}
    assert clicks.n == filter_clicks + sum(used.values()) + 3
    print(f"\nclicks for {TOWN_SIZE} households: filter {filter_clicks}, per stage {used}")
