"""A town official takes a household through acceptance in a real browser: completion passes,
commissioning fails, the rectification is recorded, the re-inspection passes, and the coal
stove's removal is recorded (先立后破); then the district office revokes the commissioning,
which it can only do by ticking the confirmation box itself."""

import datetime

import pytest
from django.utils import timezone

from acceptance.models import Acceptance
from tasks.models import ContractorKind, HouseholdStatus
from tests.browser.conftest import log_in
from tests.factories import ContractorFactory, HouseholdFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GAS_ITEMS = ("gas_pipe_pressure", "gas_leak", "gas_alarm", "gas_flue", "gas_boiler_runs")


def fill_inspection(page, *, kind, result, today, failing=(), defects="", deadline=""):
    page.click("#inspect-link")
    page.select_option("#id_kind", kind)
    page.fill("#id_date", today)
    page.fill("#id_team-0-name", "张村官")
    page.fill("#id_team-0-organisation", "东村村委会")
    page.fill("#id_team-1-name", "赵师傅")
    assert page.input_value("#id_team-1-organisation") == "淄川区燃气有限公司"
    assert page.is_checked("#id_team-1-is_contractor")
    for code in GAS_ITEMS:
        page.select_option(f"#id_item_{code}", "0" if code in failing else "1")
    page.check(f"input[name=result][value={result}]")
    if defects:
        page.fill("#id_defects", defects)
        page.fill("#id_rectification_deadline", deadline)
    with page.expect_navigation():
        page.click("#inspection-form button[type=submit]")


def test_official_inspects_fails_rectifies_reinspects_and_records_stove_removal(
    page, live_server, programme, town_a, official_a, district, approved_plan_a, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    gas = ContractorFactory(name="淄川区燃气有限公司", kind=ContractorKind.GAS)
    household = HouseholdFactory(
        programme=programme,
        town=town_a,
        contractor=gas,
        head_name="孙桂英",
        status=HouseholdStatus.BUILT,
    )
    today = timezone.localdate()
    iso = today.isoformat()

    log_in(page, live_server, "official_a")
    page.click("nav >> text=竣工验收")
    page.click(f"tr[data-household='{household.pk}'] >> text=孙桂英")
    assert page.inner_text("#acceptance-state") == "待竣工验收"

    fill_inspection(page, kind="completion", result="pass", today=iso)
    assert "已记录竣工验收：通过。" in page.inner_text(".messages")
    assert page.inner_text("#acceptance-state") == "待调试验收"

    deadline = (today + datetime.timedelta(days=7)).isoformat()
    fill_inspection(
        page,
        kind="commissioning",
        result="fail",
        today=iso,
        failing=("gas_alarm",),
        defects="燃气报警器未安装",
        deadline=deadline,
    )
    assert page.inner_text("#acceptance-state") == "整改中"
    assert page.locator("#inspect-link").count() == 0

    page.click("#rectify-link")
    page.fill("#id_description", "已补装燃气报警器并试报警")
    page.fill("#id_date", iso)
    with page.expect_navigation():
        page.click("#rectification-form button[type=submit]")
    assert "已登记整改情况，可以复验。" in page.inner_text(".messages")
    assert page.inner_text("#acceptance-state") == "整改完成待复验"

    fill_inspection(page, kind="commissioning", result="pass", today=iso)
    assert page.inner_text("#household-status") == "已验收"
    assert page.inner_text("#acceptance-state") == "已验收"

    page.fill("#stove-form #id_date", iso)
    with page.expect_navigation():
        page.click("#stove-form button[type=submit]")
    assert "已登记燃煤炉具拆除。" in page.inner_text(".messages")
    assert page.inner_text("#household-status") == "已验收"
    assert page.inner_text("#stove-removed-on") == iso
    page.screenshot(path=str(tmp_path / "acceptance.png"), full_page=True)

    household.refresh_from_db()
    assert household.status == HouseholdStatus.ACCEPTED
    assert household.coal_stove_removed_on == today
    assert list(Acceptance.objects.filter(household=household).values_list("kind", "result")) == [
        ("completion", "pass"),
        ("commissioning", "fail"),
        ("commissioning", "pass"),
    ]

    passed = Acceptance.objects.get(household=household, kind="commissioning", result="pass")
    page.context.clear_cookies()
    log_in(page, live_server, "district")
    page.goto(f"{live_server.url}/acceptance/households/{household.pk}/")
    page.click(f"#record-{passed.pk} >> text=撤销此次验收")
    page.fill("#id_reason", "现场核查报警器未接电")
    assert not page.is_checked("#id_confirm")
    page.click("#revoke-form button[type=submit]")  # the unticked box stops the form
    passed.refresh_from_db()
    assert passed.revoked is False
    page.check("#id_confirm")
    with page.expect_navigation():
        page.click("#revoke-form button[type=submit]")
    assert "已撤销 1 条验收记录。" in page.inner_text(".messages")
    assert page.inner_text("#household-status") == "已完工"
    passed.refresh_from_db()
    assert passed.revoked and passed.revoke_reason == "现场核查报警器未接电"
