"""Playwright driving Debian's Chromium against Django's live server."""

import pytest
from django.conf import settings

# The session's Chromium (`browser`) is a fixture of tests/conftest.py, so that every test
# directory shares one browser a process.


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page, live_server, username: str) -> None:
    """On the dashboard as `username`, where the login form leads, for the tests that are not
    about logging in: the session is made on the server as the form's would be (the same
    backend and login signal) and given to the browser as its cookie, which spares the login
    page and its POST (some 0.4 s a log-in). `log_in_through_form` is the user's way."""
    from django.test import Client

    from zichuan_heating.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/")


def log_in_through_form(page, live_server, username: str, password: str = "pw-for-tests-1") -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
