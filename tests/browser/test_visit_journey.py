"""At phone width (375 px): the district draws a sample, a town official visits a household
that says the money never came, the case that opens by itself is worked and resolved."""

from pathlib import Path

import pytest

from tests.browser.conftest import log_in
from tests.visits.conftest import paid_maker
from visits.models import Case, CaseStatus, Visit, VisitSample

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def phone(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"


def serious_violations(page, base: str) -> list[str]:
    """axe-core's serious and critical findings on the page (WCAG 2 A/AA rules); the script
    comes from the site's own static files, as the Content-Security-Policy demands."""
    page.add_script_tag(url=f"{base}/static/vendor/axe-core/axe.min.js")
    result = page.evaluate("async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
    return [
        f"{v['id']}: {v['help']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def no_sideways_scroll(page) -> None:
    """Measured once the page a click led to has loaded: during the navigation the document
    has no root element yet."""
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1


def test_draw_visit_mismatch_case_resolved_on_a_phone(
    browser, live_server, programme, finance, finance2, town_a, official_a, district
):
    paid_maker(programme, finance, finance2)(town_a, 3)
    context, page = phone(browser)
    log_in(page, live_server, "district")
    page.goto(f"{live_server.url}/visits/samples/")
    page.click("#draw-link")
    page.fill("#id_season", "2025-2026")
    page.fill("#id_seed", "7")
    page.click("#draw-preview-button")
    assert "将抽取 3 户" in page.locator("#draw-preview").inner_text()
    page.check("#id_confirm")
    page.click("#draw-submit")
    assert page.locator("#sample-size").inner_text() == "3"
    assert VisitSample.objects.count() == 1
    context.close()

    context, page = phone(browser)
    log_in(page, live_server, "official_a")
    page.goto(f"{live_server.url}/visits/?status=pending")
    page.locator("#visit-list li a").first.click()
    page.wait_for_selector("#visit-submit")
    no_sideways_scroll(page)
    if AXE.exists():
        assert serious_violations(page, live_server.url) == []
    page.check("#id_heating_works_0")
    page.fill("#id_indoor_temperature", "18.5")
    page.check("#id_alarm_present_0")
    page.check("#id_alarm_working_0")
    page.check("#id_stove_gone_0")
    page.check("#id_subsidy_received_1")  # 否: the household says nothing came
    assert page.locator(".field-amount_confirmed").is_hidden()
    page.check("#id_satisfaction_2")  # 3
    page.fill("#id_remarks", "户主称未收到本季补贴。")
    page.click("#visit-submit")
    assert page.locator("#visit-status").inner_text() == "已回访"
    assert "已自动生成工单" in page.locator(".messages").inner_text()
    visit = Visit.objects.get(status="done")
    assert (visit.subsidy_received, visit.satisfaction) == (False, 3)

    page.locator("#visit-cases a").first.click()
    page.wait_for_selector("#case-status")
    no_sideways_scroll(page)
    assert page.locator("#case-status").inner_text() == "已交办"
    page.click("#start-form button")
    assert page.locator("#case-status").inner_text() == "办理中"
    page.fill("#id_resolution", "经核实为银行卡挂失，已补发。")
    page.click("#resolve-form button")
    assert page.locator("#case-status").inner_text() == "已办结"
    assert "银行卡挂失" in page.locator("#case-resolution").inner_text()
    case = Case.objects.get()
    assert case.status == CaseStatus.RESOLVED and case.visit_id == visit.pk
    context.close()
