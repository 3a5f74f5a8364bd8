"""A town official imports a ledger with two bad rows, fixes them, confirms, sees the result."""

import pytest

from tasks.models import Household
from tests.browser.conftest import log_in
from tests.tasks.ledger.ledger_files import IDS, ledger_setup, row, xlsx

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures(ledger_setup.__name__),
]


def test_official_fixes_two_bad_rows_and_imports(page, live_server, official_a, tmp_path):
    town = official_a.town
    assert Household.objects.filter(town=town).count() == 0
    bad = xlsx(
        tmp_path / "台账.xlsx",
        [
            row(),
            row(id_number="370302199001011235", head_name="李秀英"),
            row(id_number=IDS[2], head_name="张强", village="无名村"),
        ],
    )
    good = xlsx(
        tmp_path / "台账-改正.xlsx",
        [row(), row(id_number=IDS[1], head_name="李秀英"), row(id_number=IDS[2], head_name="张强")],
    )
    log_in(page, live_server, "official_a")
    registered = page.locator("tr[data-town=hongshan] td.stage-registered")
    assert registered.inner_text().split()[0] == "0"
    page.click("text=导入台账")
    assert page.locator("h1").first.inner_text().startswith("导入台账")

    page.set_input_files("input[type=file]", str(bad))
    page.click("text=上传并校验")
    page.wait_for_selector("#import-errors")
    cells = page.locator("#import-errors tbody tr").all_inner_texts()
    assert len(cells) == 2
    assert cells[0].split("\t")[:2] == ["3", "身份证号"] and "校验位不正确" in cells[0]
    assert cells[1].split("\t")[:2] == ["4", "村（居）"] and "无名村" in cells[1]
    assert Household.objects.count() == 0

    page.click("text=重新上传")
    page.set_input_files("input[type=file]", str(good))
    page.click("text=上传并校验")
    page.wait_for_selector("#import-preview")
    assert page.inner_text("#count-created") == "3"
    assert "李秀英" in page.inner_text("#import-preview")
    assert Household.objects.count() == 0

    page.click("#confirm-import")
    page.wait_for_selector("#import-result")
    assert page.inner_text("#count-created") == "3"
    assert Household.objects.filter(town=town).count() == 3

    with page.expect_navigation():
        page.click("text=查看工作总览")
    assert page.locator("tr[data-town=hongshan] td.quota").inner_text() == "458"
    # The dashboard count moved: 3 of 458 registered.
    assert registered.inner_text().split() == ["3", "0.7%"]
