"""The payment account's columns in the ledger (账户类型, 开户银行, 户名, 账号), from subsidies."""

import io

import openpyxl
import pytest
from django.urls import reverse

from subsidies.payments.models import PaymentAccount
from tasks.ledger.importing import HEADERS, Scope, import_ledger
from tasks.models import Household
from tests.tasks.ledger.ledger_files import IDS, row, xlsx

pytestmark = pytest.mark.django_db

CARD = "6217000010000000003"  # a UnionPay number with its Luhn digit
HEADS = [*HEADERS[:15], "账户类型", "开户银行", "户名", "账号"]


def account_row(kind="一卡通", bank="淄川农商银行", holder=None, number=CARD, **over):
    return [*row(**over), kind, bank, holder, number]


def run(path, rows, programme, town):
    return import_ledger(
        xlsx(path, rows, headers=HEADS), programme=programme, scope=Scope({town.id})
    )


def accounts():
    return list(
        PaymentAccount.objects.order_by("id").values_list(
            "household__id_number", "kind", "bank", "holder", "number"
        )
    )


def test_the_template_has_the_account_columns(client_for, official_a, programme):
    response = client_for(official_a).get(reverse("ledger:ledger_template"))
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [c.value for c in wb["台账"][1]][-4:] == ["账户类型", "开户银行", "户名", "账号"]


def test_an_import_registers_accounts_and_a_second_run_changes_nothing(
    tmp_path, ledger_setup, town_a
):
    rows = [
        account_row(id_number=IDS[0]),
        account_row("银行账户", "工商银行", "王二", "1602 0012 3456", id_number=IDS[1]),
        account_row(None, None, None, None, id_number=IDS[2]),
    ]
    outcome = run(tmp_path / "a.xlsx", rows, ledger_setup, town_a)
    assert outcome.errors == []
    assert outcome.plan.preview["extras"] == ["收款账户：登记或修改 2 户。"]
    assert accounts() == [
        (IDS[0], "one_card", "淄川农商银行", "王建国", CARD),
        (IDS[1], "bank", "工商银行", "王二", "160200123456"),
    ]
    history = PaymentAccount.history.count()
    assert run(tmp_path / "b.xlsx", rows, ledger_setup, town_a).errors == []
    assert PaymentAccount.history.count() == history


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        (("一卡通", "淄川农商银行", None, CARD[:-1] + "4"), "账号",
         "“账号”的校验位不正确，请核对卡号。"),
        (("存折", "淄川农商银行", None, CARD), "账户类型", "账户类型应为：一卡通、银行账户。"),
        (("一卡通", None, None, CARD), "开户银行", "“开户银行”不能为空。"),
        (("一卡通", "淄川农商银行", None, "6217********0003"), "账号",
         "账号已打码，且不是该户已登记账号的打码：请填写完整账号。"),
    ],
)  # fmt: skip
def test_a_bad_account_names_row_and_column_and_nothing_is_written(
    tmp_path, ledger_setup, town_a, cells, column, message
):
    rows = [account_row(id_number=IDS[0]), account_row(*cells, id_number=IDS[1])]
    outcome = run(tmp_path / "a.xlsx", rows, ledger_setup, town_a)
    assert [(e.row, e.column, e.message) for e in outcome.errors] == [(3, column, message)]
    assert Household.objects.count() == 0 and accounts() == []


def test_a_masked_export_with_accounts_imports_back_unchanged(
    tmp_path, client_for, official_a, ledger_setup, town_a
):
    run(tmp_path / "a.xlsx", [account_row(id_number=IDS[0])], ledger_setup, town_a)
    before, history = accounts(), PaymentAccount.history.count()
    response = client_for(official_a).get(reverse("ledger:ledger_export"))
    path = tmp_path / "out.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    lines = list(openpyxl.load_workbook(path)["台账"].iter_rows(values_only=True))
    assert lines[1][-4:] == ("一卡通", "淄川农商银行", "王建国", "6217***********0003")
    outcome = import_ledger(path, programme=ledger_setup, scope=Scope({town_a.id}))
    assert outcome.errors == [] and outcome.unchanged == 1
    assert accounts() == before and PaymentAccount.history.count() == history
