"""The disbursement sheet: totals to the fen, masking, formula injection, byte-identical
regeneration, the full-ID export log, and the management command."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from python_calamine import CalamineWorkbook

from subsidies import services
from subsidies.exports import HEADERS, write_disbursement
from subsidies.models import SubsidyEvent
from tests.factories import UserFactory, VillageFactory
from tests.subsidies.helpers import pay_on_estimate
from zichuan_heating.spreadsheets import safe_cell

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(programme, make_accepted, town_a, town_b, finance, finance2):
    evil = VillageFactory(town=town_a, name='=HYPERLINK("http://x")')
    make_accepted(town_a, head_name="+张三", village=evil)
    make_accepted(town_a, head_name="李四")
    make_accepted(town_b, head_name="@王五", route="central", equipment=None)
    services.schedules_generate(programme=programme)
    pay_on_estimate(finance)
    batch = services.batch_prepare(
        programme=programme, season="2021-2022", towns=[town_a, town_b], by=finance
    )
    services.batch_approve(batch=batch, by=finance2)
    return batch


@pytest.fixture
def masked_user(programme):
    group, _ = Group.objects.get_or_create(name="export_only")
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="subsidies", codename="export_batch")
    )
    user = UserFactory(username="exporter")
    user.groups.add(group)
    return user


def read(data: bytes) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def export(batch, user) -> bytes:
    buf = io.BytesIO()
    services.disbursement_export(batch=batch, by=user, out=buf)
    return buf.getvalue()


def test_the_sheet_has_a_summary_and_one_sheet_per_town_with_totals_equal_to_the_batch(
    approved, masked_user
):
    sheets = read(export(approved, masked_user))
    assert list(sheets) == ["汇总", "洪山镇", "昆仑镇", "明细"]
    summary = sheets["汇总"]
    assert summary[1] == ["镇（街道）", "改造方式", "户数", "项数", "金额（元）"]
    assert summary[2][:4] == ["洪山镇", "气代煤", 2, 6]
    assert summary[3][:4] == ["昆仑镇", "集中供暖", 1, 2]
    total_row = summary[4]
    assert total_row[0] == "合计"
    assert Decimal(str(total_row[4])).quantize(Decimal("0.01")) == approved.total_amount
    assert approved.total_amount == Decimal("16000.00")  # 2×(3000+2800+900) + 2000+600
    grand = Decimal("0")
    for town in ("洪山镇", "昆仑镇"):
        rows = sheets[town]
        assert rows[0] == HEADERS
        body, foot = rows[1:-1], rows[-1]
        assert [r[0] for r in body] == list(range(1, len(body) + 1))
        town_sum = sum(Decimal(str(r[13])).quantize(Decimal("0.01")) for r in body)
        assert Decimal(str(foot[13])).quantize(Decimal("0.01")) == town_sum
        grand += town_sum
    assert grand == approved.total_amount


def test_ids_are_masked_without_the_full_export_permission_and_nothing_is_logged(
    approved, masked_user
):
    rows = read(export(approved, masked_user))["洪山镇"][1:-1]
    ids = {r[5] for r in rows}
    assert all(len(i) == 18 and i[6:14] == "********" for i in ids)
    assert not SubsidyEvent.objects.filter(action="full_id_exported").exists()


def test_a_finance_user_gets_full_ids_and_the_export_is_logged(approved, finance):
    rows = read(export(approved, finance))["洪山镇"][1:-1]
    real = set(approved.lines.values_list("instalment__household__id_number", flat=True))
    assert {r[5] for r in rows} <= real
    event = SubsidyEvent.objects.get(action="full_id_exported")
    assert (event.by, event.batch) == (finance, approved)


def test_formula_injection_is_neutralised(approved, masked_user):
    rows = read(export(approved, masked_user))
    cells = [c for sheet in rows.values() for row in sheet for c in row if isinstance(c, str)]
    assert not any(c[:1] in "=+-@" and c for c in cells)
    assert "'+张三" in cells and "'@王五" in cells and '\'=HYPERLINK("http://x")' in cells
    assert safe_cell("-1+1") == "'-1+1" and safe_cell("a\x07b") == "ab"


def test_regenerating_an_unchanged_batch_gives_a_byte_identical_file(approved, masked_user):
    first = export(approved, masked_user)
    second = export(approved, masked_user)
    assert first == second


def test_a_draft_batch_cannot_be_exported(programme, make_accepted, town_a, finance):
    make_accepted(town_a)
    services.schedules_generate(programme=programme)
    pay_on_estimate(finance)
    batch = services.batch_prepare(
        programme=programme, season="2021-2022", towns=[town_a], by=finance
    )
    with pytest.raises(Exception, match="当前状态为“草稿”，不能导出发放表"):
        export(batch, finance)


def test_the_management_command_writes_a_masked_sheet(approved, tmp_path):
    out = tmp_path / "batch.xlsx"
    stdout = io.StringIO()
    call_command("export_disbursement", approved.number, "--out", str(out), stdout=stdout)
    assert "16,000.00 元" in stdout.getvalue() and "脱敏" in stdout.getvalue()
    rows = read(out.read_bytes())["洪山镇"][1:-1]
    assert all(r[5][6:14] == "********" for r in rows)
    out2 = tmp_path / "again.xlsx"
    call_command("export_disbursement", str(approved.pk), "--out", str(out2), stdout=io.StringIO())
    assert out.read_bytes() == out2.read_bytes()


def test_the_fast_row_writer_gives_the_same_bytes_as_xlsxwriters_own_cell_calls(
    programme, make_accepted, town_a, town_b, finance, finance2
):
    awkward = VillageFactory(town=town_a, name=" A&B <东> _x0041_ 村 ")
    for name in ("张三 ", " 李四", "王\n五", "\t赵六", "钱_x0007_七", 'O"Neil & <Co>', "孙\r八"):
        make_accepted(town_a, head_name=name, village=awkward)
    make_accepted(town_b, head_name="周九", route="central", equipment=None)
    services.schedules_generate(programme=programme)
    pay_on_estimate(finance)
    batch = services.batch_prepare(
        programme=programme, season="2021-2022", towns=[town_a, town_b], by=finance
    )
    services.batch_approve(batch=batch, by=finance2)
    for full_id in (True, False):
        fast, slow = io.BytesIO(), io.BytesIO()
        assert write_disbursement(batch, fast, full_id=full_id) == batch.total_amount
        write_disbursement(batch, slow, full_id=full_id, _fast_rows=False)
        assert fast.getvalue() == slow.getvalue()
    rows = read(fast.getvalue())["洪山镇"][1:-1]
    assert {r[3] for r in rows} == {" A&B <东> _x0041_ 村 "}
    assert {r[4] for r in rows} == {
        "张三 ",
        " 李四",
        "王\n五",
        "'\t赵六",
        "钱_x0007_七",
        'O"Neil & <Co>',
        "孙\r八",
    }
