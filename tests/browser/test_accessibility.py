"""axe-core (npm, served from static/vendor) finds no serious or critical violation on the main
pages of every role, in the normal display and with 大字 and 高对比 switched on.

One browser context per role walks that role's pages on a small seeded world; axe is put into
each page from its file through the DevTools protocol, so the site's Content-Security-Policy
stays as strict as in production."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.browser.conftest import log_in
from tests.browser.world import build_page_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def pages_of(role: str, world) -> list[str]:
    """The main pages each role works on."""
    common = [reverse("progress:dashboard"), reverse("progress:report_list")]
    if role == "anonymous":
        return [reverse("login"), "/no-such-page/"]
    if role == "official_a":
        return [
            *common,
            reverse("ledger:household_list"),
            reverse("ledger:household_detail", args=[world.built.pk]),
            reverse("ledger:household_detail", args=[world.accepted.pk]),
            reverse("ledger:household_create"),
            reverse("ledger:ledger_import"),
            reverse("plans:plan_index"),
            reverse("plans:notice_list"),
            reverse("plans:notice_detail", args=[world.notice.pk]),
            reverse("acceptance:list"),
            reverse("acceptance:household", args=[world.built.pk]),
            reverse("acceptance:new", args=[world.built.pk]),
            reverse("villages:list"),
            reverse("notifications:list"),
        ]
    if role == "district":
        return [
            *common,
            reverse("ledger:household_list"),
            reverse("plans:plan_overview"),
            reverse("plans:plan_review_queue"),
            reverse("plans:notice_list"),
            reverse("plans:notice_issue"),
            reverse("acceptance:list"),
        ]
    if role == "finance":
        return [
            reverse("progress:dashboard"),
            reverse("subsidies:overview"),
            reverse("subsidies:batch_list"),
            reverse("subsidies:batch_detail", args=[world.batch.pk]),
            reverse("subsidies:standard_list"),
            reverse("subsidies:household_schedule", args=[world.accepted.pk]),
        ]
    assert role == "administrator"
    return [
        reverse("progress:dashboard"),
        reverse("accounts:user_list"),
        reverse("accounts:user_create"),
        reverse("accounts:password_change"),
    ]


def axe_violations(page) -> list[str]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + ": "
                    + (n.failureSummary || "").split("\\n").slice(0, 2).join(" "))}));
        }"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']}\n      " + "\n      ".join(v["nodes"])
        for v in found
        if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize(
    ("role", "display"),
    [
        ("anonymous", "normal"),
        ("official_a", "normal"),
        ("official_a", "large+contrast"),
        ("district", "normal"),
        ("finance", "normal"),
        ("administrator", "normal"),
    ],
)
def test_main_pages_have_no_serious_accessibility_violation(
    browser, live_server, cast, programme, town_a, town_b, role, display
):
    world = build_page_world(
        programme=programme,
        town_a=town_a,
        town_b=town_b,
        district=cast["district"],
        finance=cast["finance"],
        finance2=cast["finance2"],
    )
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    if display != "normal":
        context.add_cookies(
            [
                {"name": "zh_text", "value": "large", "url": live_server.url},
                {"name": "zh_contrast", "value": "high", "url": live_server.url},
            ]
        )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        if role != "anonymous":
            log_in(page, live_server, role)
        problems = {}
        for url in pages_of(role, world):
            response = page.goto(live_server.url + url)
            assert response.status in (200, 404), f"{url}: {response.status}"
            if found := axe_violations(page):
                problems[url] = found
        report = "\n".join(f"{url}\n    " + "\n    ".join(v) for url, v in problems.items())
        assert not problems, f"axe, {role} ({display}):\n{report}"
    finally:
        context.close()


def test_keyboard_reaches_content_and_switches_large_text_and_contrast_without_flash(
    page, live_server, official_a
):
    log_in(page, live_server, "official_a")
    page.goto(f"{live_server.url}/households/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.bounding_box()["y"] >= 0  # shown on focus
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # the next stop is inside the content, past header and navigation
    assert page.evaluate("!!document.activeElement.closest('main')")

    page.locator("#switch-text").focus()
    page.keyboard.press("Space")
    page.locator("#switch-contrast").focus()
    page.keyboard.press("Enter")
    root = page.locator("html")
    assert root.evaluate("el => [...el.classList].sort().join(' ')") == "contrast-high text-large"
    assert page.get_attribute("#switch-text", "aria-pressed") == "true"
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") == 20

    # The next page arrives in both modes from the server: no flash of the normal display.
    response = page.goto(f"{live_server.url}/")
    assert '<html lang="zh-hans" class="text-large contrast-high">' in response.text()
    assert page.get_attribute("#switch-contrast", "aria-pressed") == "true"
    page.click("#switch-text")
    page.click("#switch-contrast")
    response = page.goto(f"{live_server.url}/")
    assert '<html lang="zh-hans" class="">' in response.text()


def test_display_switch_works_without_script(client, official_a):
    client.force_login(official_a)
    response = client.post("/display/", {"toggle": "text", "next": "/households/"})
    assert response.status_code == 302 and response.url == "/households/"
    assert response.cookies["zh_text"].value == "large"
    page = client.get("/households/")
    assert b'class="text-large"' in page.content
    response = client.post("/display/", {"toggle": "text", "next": "https://evil.example/"})
    assert response.url == "/"
    assert response.cookies["zh_text"].value == ""  # turned off again
    assert client.get("/display/").status_code == 405
