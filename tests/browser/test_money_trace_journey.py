"""Every yuan traced, through the pages (issue 14): finance uploads the gas and grid companies'
season readings, the household whose usage is near zero (返煤 risk) is held until its town
official decides, finance prepares the season's batch (the amounts first, then confirm), a
second finance user approves, finance downloads the password-protected sheet for the bank (read
back here: it opens with the password, not without, and carries min(rate × usage, cap) per
household), marks it exported, imports the bank's return keyed on 明细编号 and records the
payment; the trace page, from the household and from a batch line, shows standard → reading →
instalment → batch → approvals → bank return with who and when, and passes axe."""

import io
import zipfile
from decimal import Decimal

import msoffcrypto
import openpyxl
import pytest
from django.utils import timezone

from subsidies.exports import DETAIL_HEADERS, HEADERS
from subsidies.metering.models import Meter, MeterKind, Utility
from subsidies.models import BatchLine, DisbursementBatch
from subsidies.services import schedules_generate, standards_load
from tests.browser.conftest import log_in
from tests.browser.test_accessibility import axe_violations
from tests.subsidies.helpers import accepted_household
from tests.subsidies.payments.helpers import give_account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEASON = "2021-2022"
PASSWORD = "yinhang-2021冬"
READING_HEADERS = ["表号（户号）", "身份证号", "采暖季", "起始读数", "截止读数", "用量", "抄表日期"]
# The example standards (示例): gas 1 元/m³ capped at 900, electric 0.2 元/kWh capped at 600;
# construction 3000 (gas) and 1000 (electric) are due in the same batch.
CAST = {
    # head name: (route, meter number, start, end, operating amount, construction)
    "甲燃气": ("gas", "RQ0001", 100, 750, Decimal("650.00"), Decimal("3000.00")),  # below cap
    "乙燃气": ("gas", "RQ0002", 0, 1500, Decimal("900.00"), Decimal("3000.00")),  # above cap
    "丙电代": ("electric", "DL0001", 1000, 4000, Decimal("600.00"), Decimal("1000.00")),  # at
    "丁返煤": ("gas", "RQ0003", 20, 32, Decimal("12.00"), Decimal("3000.00")),  # near zero
}


def world(programme, town, official):
    standards_load()
    utilities = {
        MeterKind.GAS: Utility.objects.create(name="淄川燃气公司", kind=MeterKind.GAS),
        MeterKind.ELECTRIC: Utility.objects.create(name="国网淄川供电公司", kind="electric"),
    }
    households = {}
    for n, (name, (route, number, *_rest)) in enumerate(CAST.items(), start=1):
        h = accepted_household(programme=programme, town=town, head_name=name, route=route)
        Meter.objects.create(
            household=h, programme=programme, kind=route, number=number, utility=utilities[route]
        )
        give_account(h, official, n)
        households[name] = h
    schedules_generate(programme=programme)
    return households


def readings_file(path, households):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(READING_HEADERS)
    for name, (_route, number, start, end, *_rest) in CAST.items():
        masked = households[name].id_number[:6] + "********" + households[name].id_number[-4:]
        ws.append([number, masked, SEASON, start, end, end - start, "2022-03-16"])
    wb.save(path)
    return path


def bank_return_file(path, detail_numbers):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["明细编号", "结果", "失败原因"])
    for number in detail_numbers:
        ws.append([number, "成功", ""])
    wb.save(path)
    return path


def new_page(browser, live_server, username):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, username)
    return context, page


def upload_readings(page, live_server, path):
    page.goto(f"{live_server.url}/subsidies/readings/upload/")
    page.set_input_files("#readings-upload input[type=file]", str(path))
    page.select_option("#readings-upload select[name=season]", SEASON)
    with page.expect_navigation():
        page.click("#readings-upload button[type=submit]")
    note = page.locator("ul.messages").inner_text()
    assert "新增 4 条" in note and "用量异常 1 户" in note, note
    imports = page.locator("#readings-imports tbody tr").first.inner_text()
    assert SEASON in imports and "finance" in imports


def decide_flag(page, live_server):
    page.goto(f"{live_server.url}/subsidies/flags/")
    row = page.locator("#flag-table tbody tr", has_text="丁返煤")
    assert "用量过低（疑似返煤）" in row.inner_text() and "待处理" in row.inner_text()
    assert page.locator("#flag-table tbody tr[data-flag]").count() == 1
    row.locator("a").click()
    page.get_by_label("核实无误，放行（恢复发放）").check()
    page.fill("#flag-decide textarea[name=reason]", "入户核实：冬季外出务工，房屋空置")
    with page.expect_navigation():
        page.click("#flag-decide button[type=submit]")
    props = page.locator("dl.props").inner_text()
    assert "核实无误，放行" in props and "official_a" in props
    assert "入户核实：冬季外出务工，房屋空置" in props


def preview(page, live_server):
    page.goto(f"{live_server.url}/subsidies/batches/new/")
    page.select_option("select[name=season]", SEASON)
    page.get_by_label("洪山镇").check()
    with page.expect_navigation():
        page.click("#choose-form button[type=submit]")
    return page.locator("#preview-total td").all_inner_texts()  # households, lines, total


def expected_total(names):
    return sum((CAST[n][4] + CAST[n][5] for n in names), Decimal("0"))


def yuan(amount: Decimal) -> str:
    return f"{amount:,.2f} 元"


def read_protected(data: bytes) -> dict[str, list[tuple]]:
    with pytest.raises((zipfile.BadZipFile, OSError, KeyError, ValueError)):
        openpyxl.load_workbook(io.BytesIO(data))  # not without the password
    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    assert office.is_encrypted()
    wrong = msoffcrypto.OfficeFile(io.BytesIO(data))
    wrong.load_key(password="not-the-password")
    with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
        wrong.decrypt(io.BytesIO())
    office.load_key(password=PASSWORD)
    plain = io.BytesIO()
    office.decrypt(plain)
    book = openpyxl.load_workbook(plain, read_only=True, data_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def check_sheet(sheets, batch, households) -> list[str]:
    """One line per household: the items summed; the operating item priced on the reading."""
    col = {h: i for i, h in enumerate(HEADERS)}
    town = sheets["洪山镇"]
    assert list(town[0]) == HEADERS
    body = {r[col["户主姓名"]]: r for r in town[1:-1]}
    assert set(body) == set(CAST)
    for name, row in body.items():
        assert Decimal(str(row[col["金额（元）"]])).quantize(Decimal("0.01")) == (
            CAST[name][4] + CAST[name][5]
        )
        assert row[col["项数"]] == 2
        assert row[col["明细编号"]].startswith(batch.number)
        # finance holds subsidies.export_full_id: the bank gets the whole account number
        assert str(row[col["账号"]]) == households[name].payment_account.number
    dcol = {h: i for i, h in enumerate(DETAIL_HEADERS)}
    operating = {
        r[dcol["户主姓名"]]: Decimal(str(r[dcol["金额（元）"]])).quantize(Decimal("0.01"))
        for r in sheets["明细"][1:]
        if r[dcol["补贴项目"]] == "运行费用补贴"
    }
    assert operating == {name: c[4] for name, c in CAST.items()}
    return [row[col["明细编号"]] for row in body.values()]


def prepare_and_approve(page, browser, live_server):
    total = expected_total(CAST)
    assert preview(page, live_server) == ["4", "8", yuan(total)]  # the amounts come first
    page.get_by_label("我已核对上述金额与明细，确认执行").check()
    with page.expect_navigation():
        page.click("#prepare-form button[type=submit]")
    assert page.locator("#batch-total").inner_text() == yuan(total)
    assert page.locator("#batch-count").inner_text() == "8"
    assert page.locator("#approve-form").count() == 0  # the preparer cannot approve
    batch_url = page.url
    context, p2 = new_page(browser, live_server, "finance2")
    p2.goto(batch_url)
    p2.locator("#approve-form input[name=confirm]").check()
    with p2.expect_navigation():
        p2.click("#approve-form button[type=submit]")
    assert p2.locator("#batch-state").inner_text() == "已审核"
    context.close()
    return batch_url


def download_protected(page, batch_url) -> bytes:
    page.goto(batch_url)
    page.fill("#protected-export-form input[name=password]", PASSWORD)
    page.fill("#protected-export-form input[name=password2]", PASSWORD)
    with page.expect_download() as dl:
        page.click("#protected-export-form button[type=submit]")
    assert dl.value.suggested_filename.endswith("-加密.xlsx")
    return open(dl.value.path(), "rb").read()


def export_return_and_pay(page, batch_url, bank_file):
    page.goto(batch_url)
    page.locator("#export-form input[name=confirm]").check()
    with page.expect_navigation():
        page.click("#export-form button[type=submit]")
    assert page.locator("#batch-state").inner_text() == "已导出"
    page.set_input_files("#bank-form input[type=file]", str(bank_file))
    with page.expect_navigation():
        page.click("#bank-form button[type=submit]")
    assert "成功 8 笔，失败 0 笔" in page.inner_text("main")
    page.fill("#paid-form input[name=reference]", "ZF2022-0316")
    page.fill("#paid-form input[name=date]", "2022-03-20")
    page.locator("#paid-form input[name=confirm]").check()
    with page.expect_navigation():
        page.click("#paid-form button[type=submit]")
    assert page.locator("#batch-state").inner_text() == "已发放"


def check_chain(section, batch, number, start, end, usage, amount, flag=None):
    def step(key):
        return section.locator(f"li[data-step={key}]").first.inner_text()

    keys = section.locator("ol.trace-steps > li").evaluate_all(
        "els => els.map(e => e.dataset.step)"
    )
    assert keys == ["standard", "reading", "instalment", "batch", "approvals", "bank"]
    standard = step("standard")
    assert "补贴标准：气代煤 第 1 版" in standard and "示例数据" in standard
    reading = step("reading")
    for text in (number, f"{start}", f"{end}", f"{usage}", "2022-03-16", "finance"):
        assert text in reading, (text, reading)
    assert f"{amount:,.2f}" in reading and "上限" in reading
    assert f"经办：finance · {timezone.localdate():%Y-%m-%d}" in reading  # who imported, when
    if flag:
        assert flag in reading, reading
    assert f"{amount:,.2f}" in step("instalment") and SEASON in step("instalment")
    assert batch.number in step("batch") and "finance" in step("batch")
    assert f"{timezone.localtime(batch.prepared_at):%Y-%m-%d}" in step("batch")
    approvals = step("approvals")
    assert (
        "finance2" in approvals and f"{timezone.localtime(batch.approved_at):%Y-%m-%d}" in approvals
    )
    assert "审核通过" in approvals
    bank = step("bank")
    assert "已支付" in bank and "ZF2022-0316" in bank and "银行回单" in bank and "finance" in bank


def test_readings_to_bank_return_traced_yuan_by_yuan(
    browser, page, live_server, programme, town_a, official_a, finance, finance2, tmp_path
):
    households = world(programme, town_a, official_a)

    log_in(page, live_server, "finance")
    upload_readings(page, live_server, readings_file(tmp_path / "readings.xlsx", households))
    # held out of the season's batch until someone decides
    held_out = ["3", "6", yuan(expected_total(["甲燃气", "乙燃气", "丙电代"]))]
    assert preview(page, live_server) == held_out

    context, official = new_page(browser, live_server, "official_a")
    decide_flag(official, live_server)
    context.close()

    batch_url = prepare_and_approve(page, browser, live_server)
    batch = DisbursementBatch.objects.get()
    sheets = read_protected(download_protected(page, batch_url))
    detail_numbers = check_sheet(sheets, batch, households)
    export_return_and_pay(page, batch_url, bank_return_file(tmp_path / "bank.xlsx", detail_numbers))
    batch.refresh_from_db()

    # from the household's page
    page.goto(f"{live_server.url}/households/{households['乙燃气'].pk}/")
    with page.expect_navigation():
        page.click("#trace-link")
    section = page.locator("section.trace", has_text="运行费用补贴").filter(has_text=SEASON)
    check_chain(section.first, batch, "RQ0002", 0, 1500, 1500, Decimal("900.00"))
    assert not axe_violations(page)

    # from the batch line of the flagged household, decided and paid
    line = BatchLine.objects.get(
        instalment__household=households["丁返煤"], instalment__item="operating"
    )
    page.goto(batch_url)
    with page.expect_navigation():
        page.locator(f"#line-table tr[data-line='{line.pk}'] a", has_text="追溯").click()
    assert page.locator("section.trace").count() == 1
    decision = "用量过低（疑似返煤） · 核实无误，放行 · official_a"
    trace = page.locator("section.trace")
    check_chain(trace, batch, "RQ0003", 20, 32, 12, Decimal("12.00"), decision)
    assert "入户核实：冬季外出务工，房屋空置" in trace.inner_text()
    assert not axe_violations(page)
