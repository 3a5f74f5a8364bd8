"""The disbursement sheet: one line per household per batch with its 明细编号 and account,
the items on 明细, masking, and the password-protected file for the bank."""

import io
from decimal import Decimal

import msoffcrypto
import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from subsidies import services
from subsidies.exports import DETAIL_HEADERS, HEADERS
from subsidies.payments.models import detail_number
from tests.subsidies.helpers import pay_on_estimate
from tests.subsidies.payments.helpers import approved_batch, card, give_account
from tests.subsidies.test_exports import masked_user  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db
COL = {h: i for i, h in enumerate(HEADERS)}


@pytest.fixture
def batch(programme, make_accepted, town_a, town_b, official_a, finance, finance2):
    h1 = make_accepted(town_a, head_name="张三")
    h2 = make_accepted(town_a, head_name="李四")
    make_accepted(town_b, head_name="王五", route="central", equipment=None)
    give_account(h1, official_a, 1)
    give_account(h2, official_a, 2, kind="bank")
    services.schedules_generate(programme=programme)
    pay_on_estimate(finance)
    return approved_batch(programme, [town_a, town_b], finance, finance2)


def read(data: bytes) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def export(batch, user, password=None) -> bytes:
    buf = io.BytesIO()
    services.disbursement_export(batch=batch, by=user, out=buf, password=password)
    return buf.getvalue()


def test_one_line_per_household_with_its_items_summed_and_the_items_on_the_detail_sheet(
    batch, finance
):
    sheets = read(export(batch, finance))
    assert list(sheets) == ["汇总", "洪山镇", "昆仑镇", "明细"]
    town = sheets["洪山镇"]
    assert town[0] == HEADERS
    body = town[1:-1]
    assert sorted(r[COL["户主姓名"]] for r in body) == ["张三", "李四"]
    lines = list(batch.lines.select_related("instalment__household"))
    for row in body:
        mine = [ln for ln in lines if ln.instalment.household.head_name == row[COL["户主姓名"]]]
        household = mine[0].instalment.household
        assert row[COL["明细编号"]] == detail_number(batch.pk, household.pk)
        assert row[COL["项数"]] == len(mine) == 3
        assert Decimal(str(row[COL["金额（元）"]])).quantize(Decimal("0.01")) == sum(
            ln.amount for ln in mine
        )
        assert row[COL["补贴项目"]] == "建设补贴、设备购置补贴、运行费用补贴"
    detail = sheets["明细"]
    assert detail[0] == DETAIL_HEADERS
    items = detail[1:-1]
    assert len(items) == len(lines) == 8
    assert {r[0] for r in items} == {
        detail_number(batch.pk, ln.instalment.household_id) for ln in lines
    }
    assert sorted(int(r[6]) for r in items) == sorted(ln.pk for ln in lines)
    total = sum(Decimal(str(r[5])).quantize(Decimal("0.01")) for r in items)
    assert total == batch.total_amount == Decimal(str(detail[-1][5])).quantize(Decimal("0.01"))


def test_finance_gets_full_accounts_and_ids_and_an_exporter_without_the_right_masked_ones(
    batch,
    finance,
    masked_user,  # noqa: F811
):
    full = {r[COL["户主姓名"]]: r for r in read(export(batch, finance))["洪山镇"][1:-1]}
    assert full["张三"][COL["账号"]] == card(1)
    assert full["张三"][COL["账户类型"]] == "一卡通"
    assert full["李四"][COL["账户类型"]] == "银行账户"
    masked = {r[COL["户主姓名"]]: r for r in read(export(batch, masked_user))["洪山镇"][1:-1]}
    assert masked["张三"][COL["账号"]] == card(1)[:4] + "*" * 11 + card(1)[-4:]
    assert masked["张三"][COL["身份证号"]][6:14] == "********"
    assert masked["张三"][COL["开户银行"]] == "淄川农商银行"
    wang = read(export(batch, finance))["昆仑镇"][1]
    assert wang[COL["账户类型"]] == "未登记" and wang[COL["账号"]] == ""


def test_the_summary_shows_what_each_fund_source_pays(batch, finance):
    summary = read(export(batch, finance))["汇总"]
    start = next(i for i, r in enumerate(summary) if r and r[0] == "资金来源")
    rows = summary[start + 1 :]
    assert [r[0] for r in rows] == ["中央", "省级", "市级", "区级", "未设定来源"]
    assert Decimal(str(rows[-1][1])).quantize(Decimal("0.01")) == batch.total_amount


def test_the_protected_sheet_opens_with_its_password_only(batch, finance):
    data = export(batch, finance, password="银行-Secret-2026")
    assert data[:4] != b"PK\x03\x04"  # not a plain zip: an encrypted OLE container
    with pytest.raises(Exception):  # noqa: B017  (calamine cannot read it without the password)
        read(data)
    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    assert office.is_encrypted()
    with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
        wrong = msoffcrypto.OfficeFile(io.BytesIO(data))
        wrong.load_key(password="wrong-password")
        wrong.decrypt(io.BytesIO())
    plain = io.BytesIO()
    office.load_key(password="银行-Secret-2026")
    office.decrypt(plain)
    assert read(plain.getvalue())["洪山镇"][1:-1] == read(export(batch, finance))["洪山镇"][1:-1]


def test_the_protected_download_needs_a_confirmed_password_and_stores_none(
    batch, finance, client_for
):
    from subsidies.models import SubsidyEvent

    c = client_for(finance)
    url = reverse("subsidies:batch_download_protected", args=[batch.pk])
    short = c.post(url, {"password": "abc", "password2": "abc"})
    assert short.status_code == 302
    mismatch = c.post(url, {"password": "long-enough-1", "password2": "long-enough-2"})
    assert mismatch.status_code == 302
    response = c.post(url, {"password": "long-enough-1", "password2": "long-enough-1"})
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    office.load_key(password="long-enough-1")
    office.decrypt(io.BytesIO())
    for e in SubsidyEvent.objects.all():
        assert "long-enough" not in f"{e.note} {e.details}"


def test_the_command_encrypts_with_a_password_read_from_stdin_never_from_an_argument(
    batch, finance, tmp_path
):
    from django.core.management import CommandError, call_command

    out = tmp_path / "bank.xlsx"
    stdout = io.StringIO()
    call_command(
        "export_disbursement",
        batch.number,
        "--out",
        str(out),
        "--password-stdin",
        stdin=io.StringIO("银行-Secret-2026\n"),
        stdout=stdout,
    )
    assert "已加密" in stdout.getvalue()
    office = msoffcrypto.OfficeFile(io.BytesIO(out.read_bytes()))
    assert office.is_encrypted()
    plain = io.BytesIO()
    office.load_key(password="银行-Secret-2026")
    office.decrypt(plain)
    rows = read(plain.getvalue())["洪山镇"][1:-1]
    full = read(export(batch, finance))["洪山镇"][1:-1]
    # Without --user the command writes masked numbers; the lines and amounts are the same.
    assert [(r[1], r[-1]) for r in rows] == [(r[1], r[-1]) for r in full] and rows
    assert all("****" in r[5] for r in rows)
    with pytest.raises(CommandError, match="至少 8 个字符"):
        call_command(
            "export_disbursement",
            batch.number,
            "--out",
            str(tmp_path / "short.xlsx"),
            "--password-stdin",
            stdin=io.StringIO("short\n"),
            stdout=io.StringIO(),
        )
