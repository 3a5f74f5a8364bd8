"""Playwright driving Debian's Chromium against Django's live server."""

import pytest

# The session's Chromium (`browser`) is a fixture of tests/conftest.py, so that every test
# directory shares one browser a process.


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page, live_server, username: str, password: str = "pw-for-tests-1") -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
