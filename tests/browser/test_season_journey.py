"""A new town official runs a season from a fresh `bootstrap` (not the demo): finds the town's
villages, imports 200 households from a workbook made here, moves all 200 to 已完工 in bulk
(all matching the filter), accepts a village in one pass (completion, then commissioning) and
prints a household's acceptance certificate, whose text is read back from the PDF.

The clicks of each stage are counted; none of them depends on the number of households except
acceptance, which is one pass per village (the note on issue 12 gives the figures for 458).
"""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from acceptance.models import Acceptance
from bench.generate import unique_id_numbers
from tasks.models import Household, HouseholdStatus, Programme, Town, Village
from tests.browser.conftest import log_in_through_form
from tests.browser.test_bulk_journey import Clicks
from tests.factories import ApprovedPlanFactory, UserFactory
from tests.tasks.ledger.ledger_files import row, xlsx
from tests.tasks.progress.conftest import pdf_text
from zichuan_heating.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOUSEHOLDS = 200
VILLAGES = 4  # the first four committees of 洪山镇, 50 households each
BOILER = ("示例品牌甲（示例数据）", "L1PB20-示例")
GAS_COMPANY = "示例燃气公司（示例数据）"


def workbook(path, villages):
    ids = unique_id_numbers(HOUSEHOLDS, seed=1212)
    rows = [
        row(
            village=villages[i % VILLAGES].name,
            head_name=f"户主{i:03d}",
            id_number=ids[i],
            phone="",
            address=f"{villages[i % VILLAGES].name}{i}号",
            brand=BOILER[0],
            model=BOILER[1],
            contractor=GAS_COMPANY,
            signed_on=None,
        )
        for i in range(HOUSEHOLDS)
    ]
    return xlsx(path, rows)


def find_villages(clicks, town):
    page = clicks.page
    clicks.click("nav.main-nav >> text=村（居）管理")
    page.wait_for_selector("#village-table")
    count = Village.objects.filter(town=town).count()
    assert f"共 {count} 个村（居）" in page.inner_text("#village-count")
    codes = page.locator("#village-table tbody td:nth-child(3)").all_inner_texts()
    assert codes and all(c.startswith("370302") and len(c) == 12 for c in codes)


def import_households(clicks, path):
    page = clicks.page
    clicks.click("nav.main-nav >> text=导入台账")
    page.set_input_files("input[type=file]", str(path))
    clicks.n += 1  # choosing the file
    clicks.click("text=上传并校验")
    page.wait_for_selector("#import-preview", timeout=120_000)
    assert page.inner_text("#count-created") == str(HOUSEHOLDS)
    clicks.click("#confirm-import")
    page.wait_for_selector("#import-result", timeout=120_000)
    assert page.inner_text("#count-created") == str(HOUSEHOLDS)


def bulk_stage(clicks, button, day):
    """All matching the list's filter → the action → its date → the box → submit → back."""
    page = clicks.page
    clicks.click("#bulk-all-matching")
    clicks.click(f"#bulk-bar button[value={button}]")
    page.wait_for_selector("#bulk-apply-form")
    assert f"将对 {HOUSEHOLDS} 户" in page.locator("#bulk-count").inner_text()
    if day is not None:
        clicks.fill("#id_day", day.isoformat())
    clicks.click("#id_confirm")
    clicks.click("#bulk-apply")
    page.wait_for_selector("#bulk-results", timeout=120_000)
    assert f"已办理 {HOUSEHOLDS} 户" in page.locator("#bulk-done").inner_text()
    clicks.click("#bulk-back")
    page.wait_for_selector("#bulk-form")


def accept_village(clicks, village, kind):
    """One pass: village and kind, one team, every default (all in, all items passed), save."""
    page = clicks.page
    clicks.click("nav.main-nav >> text=竣工验收")
    clicks.click("#batch-link")
    clicks.select("#batch-start select[name=village]", str(village.pk))
    clicks.select("#batch-start select[name=kind]", kind)
    clicks.click("#batch-start button[type=submit]")
    page.wait_for_selector("#batch-form")
    assert page.locator("#batch-rows tbody tr").count() == HOUSEHOLDS // VILLAGES
    clicks.fill("#id_team-0-name", "张村官")
    clicks.fill("#id_team-0-organisation", f"{village.name}委员会")
    clicks.fill("#id_team-1-name", "赵师傅")
    with page.expect_navigation(timeout=120_000):
        clicks.click("#batch-form button[type=submit]")
    assert "已记录 50 户" in page.inner_text(".messages")


def test_a_new_town_official_runs_the_season_from_a_fresh_bootstrap(
    page, live_server, transactional_db, tmp_path
):
    call_command("bootstrap", "--no-migrate", stdout=io.StringIO())
    programme = Programme.objects.get(year=2021)
    town = Town.objects.get(name="洪山镇")
    villages = list(Village.objects.filter(town=town).order_by("code")[:VILLAGES])
    assert len(villages) == VILLAGES and not Household.objects.exists()
    UserFactory(username="hongshan-new", town=town, role=Role.TOWN_OFFICIAL)
    # The district office approved 洪山镇's plan (the plan journey shows how).
    district = UserFactory(username="district-office", role=Role.DISTRICT_OFFICE)
    ApprovedPlanFactory(programme=programme, town=town, approved_by=district)
    path = workbook(tmp_path / "洪山镇台账.xlsx", villages)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_default_timeout(60_000)
    log_in_through_form(page, live_server, "hongshan-new")
    clicks, used = Clicks(page), {}

    def stage(name, fn, *args):
        before = clicks.n
        fn(*args)
        used[name] = clicks.n - before

    stage("村（居）", find_villages, clicks, town)
    stage("导入", import_households, clicks, path)
    assert Household.objects.filter(town=town, status=HouseholdStatus.SURVEYED).count() == 200

    today = timezone.localdate()
    page.goto(f"{live_server.url}/households/")
    stage("签约", bulk_stage, clicks, "contract", today - datetime.timedelta(days=3))
    stage("开工", bulk_stage, clicks, "start", today - datetime.timedelta(days=2))
    stage("完工", bulk_stage, clicks, "complete", today - datetime.timedelta(days=1))
    assert Household.objects.filter(town=town, status=HouseholdStatus.BUILT).count() == 200

    first = villages[0]
    stage("竣工验收（一村）", accept_village, clicks, first, "completion")
    stage("调试验收（一村）", accept_village, clicks, first, "commissioning")
    accepted = Household.objects.filter(village=first, status=HouseholdStatus.ACCEPTED)
    assert accepted.count() == 50
    assert Household.objects.filter(town=town, status=HouseholdStatus.BUILT).count() == 150
    assert Acceptance.objects.filter(household__village=first, result="pass").count() == 100

    household = accepted.order_by("head_name").first()
    before = clicks.n
    page.goto(f"{live_server.url}/acceptance/households/{household.pk}/")
    link = page.locator(".certificate-link").first
    assert "竣工验收单" in link.inner_text()
    response = page.request.get(live_server.url + link.get_attribute("href"))
    clicks.n += 1  # the click on the link
    used["打印验收单"] = clicks.n - before
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(response.body())
    text = pdf_text(pdf)
    record = Acceptance.objects.filter(household=household, kind="completion").get()
    for expected in (
        "洪山镇竣工验收单",
        household.head_name,
        first.name,
        GAS_COMPANY,
        "张村官",
        "赵师傅",
        "通过",
        f"{record.date.year}年{record.date.month}月{record.date.day}日",
        "户主（签字）",
        "第1页/共1页",  # pdftotext drops the spaces between Chinese characters
    ):
        assert expected in text.replace(" ", ""), expected
    assert household.id_number not in text  # masked for a town official

    # The clicks each stage took (none depends on the number of households but acceptance,
    # which is one pass per village and kind).
    assert used == {
        "村（居）": 1,
        "导入": 4,
        "签约": 6,
        "开工": 6,
        "完工": 6,
        "竣工验收（一村）": 9,
        "调试验收（一村）": 9,
        "打印验收单": 1,
    }, used
