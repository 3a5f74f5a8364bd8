"""A town official logs in through a real browser and sees the dashboard."""

import pytest

from tests.browser.conftest import log_in_through_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_official_logs_in_and_sees_2198(page, live_server, official_a, tmp_path):
    log_in_through_form(page, live_server, "official_a")
    assert page.locator("h1").first.inner_text() == "淄川区2021年冬季清洁取暖"
    row = page.locator("tr[data-town=hongshan]")
    assert row.locator("td.quota").inner_text() == "458"
    assert "2198" in page.locator("main").inner_text()
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert "Overview" in page.locator("nav").inner_text()
