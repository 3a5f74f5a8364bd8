"""Screenshots of the main pages for the README (docs/screenshots/*.png), made from the living
demo (`bootstrap --demo`) at desktop size, at phone size and with 大字 and 高对比 on.

Loading the demo takes about a minute, so this runs only with ZH_SCREENSHOTS=1:

    ZH_SCREENSHOTS=1 REDIS_DB=6 pgtest design tests/browser/test_screenshots.py
"""

import datetime
import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from subsidies.models import BatchState, DisbursementBatch
from tasks.models import Household, HouseholdStatus
from tasks.models.plans import SupervisionNotice
from tests.browser.conftest import log_in_through_form
from zichuan_heating.models import User

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("ZH_SCREENSHOTS"), reason="set ZH_SCREENSHOTS=1"),
]

OUT = Path(settings.BASE_DIR) / "docs" / "screenshots"
TODAY = datetime.date(2026, 12, 1)
PASSWORD = "pw-for-screens-1"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}


def shots(urls: dict[str, str]) -> dict[str, list[tuple[str, str, dict, dict]]]:
    """user → [(file name, url, viewport, cookies)]."""
    big = {"zh_text": "large", "zh_contrast": "high"}
    return {
        "official-hongshan": [
            ("ledger", urls["ledger"], DESKTOP, {}),
            ("household", urls["household"], DESKTOP, {}),
            ("acceptance", urls["acceptance"], DESKTOP, {}),
            ("phone-ledger", urls["ledger"], PHONE, {}),
            ("phone-household", urls["household"], PHONE, {}),
            ("large-text-high-contrast", urls["ledger"], DESKTOP, big),
        ],
        "district": [
            ("dashboard", urls["dashboard"], DESKTOP, {}),
            ("plans-overview", urls["plans"], DESKTOP, {}),
            ("supervision", urls["notice"], DESKTOP, {}),
        ],
        "finance2": [("subsidy-batch", urls["batch"], DESKTOP, {})],
        "admin": [("users", urls["users"], DESKTOP, {})],
    }


def demo_urls() -> dict[str, str]:
    household = (
        Household.objects.filter(town__code="hongshan", status=HouseholdStatus.ACCEPTED)
        .order_by("pk")
        .first()
    )
    batch = DisbursementBatch.objects.filter(state=BatchState.DRAFT).first()
    notice = SupervisionNotice.objects.order_by("-pk").first()
    return {
        "dashboard": reverse("progress:dashboard"),
        "ledger": reverse("ledger:household_list"),
        "household": reverse("ledger:household_detail", args=[household.pk]),
        "acceptance": reverse("acceptance:list"),
        "plans": reverse("plans:plan_overview"),
        "notice": reverse("plans:notice_detail", args=[notice.pk]),
        "batch": reverse("subsidies:batch_detail", args=[batch.pk]),
        "users": reverse("accounts:user_list"),
    }


def take(browser, live_server, user: str | None, name: str, url: str, viewport, cookies) -> Path:
    context = browser.new_context(locale="zh-CN", viewport=viewport, device_scale_factor=1)
    context.add_cookies(
        [{"name": k, "value": v, "url": live_server.url} for k, v in cookies.items()]
    )
    page = context.new_page()
    try:
        if user:
            log_in_through_form(page, live_server, user, PASSWORD)
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        page.evaluate("document.fonts.ready.then(() => true)")
        path = OUT / f"{name}.png"
        page.screenshot(path=str(path))
        return path
    finally:
        context.close()


def test_screenshots_of_the_main_pages(browser, live_server):
    call_command(
        "bootstrap", "--demo", "--no-migrate", "--today", TODAY.isoformat(), stdout=io.StringIO()
    )
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    OUT.mkdir(parents=True, exist_ok=True)
    made = [take(browser, live_server, None, "login", reverse("login"), DESKTOP, {})]
    for user, pages in shots(demo_urls()).items():
        for name, url, viewport, cookies in pages:
            made.append(take(browser, live_server, user, name, url, viewport, cookies))
    assert all(p.stat().st_size > 10_000 for p in made), made
