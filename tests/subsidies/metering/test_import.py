"""Season readings import: every bad-row kind named in Chinese, all or nothing, idempotent,
dry run, csv and xlsx, hostile files, and the management command's contract."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from subsidies.metering import services
from subsidies.metering.models import MeterReading, ReadingImport
from subsidies.metering.services import readings_import_file
from subsidies.models import Instalment
from tasks.validators import mask_id_number
from tests.factories import HouseholdFactory
from tests.subsidies.metering.conftest import SEASON, add_meter
from zichuan_heating.file_checks import UnusableFile

pytestmark = pytest.mark.django_db


def run(path, programme, season=SEASON, **kw):
    return readings_import_file(path=path, programme=programme, season=season, **kw)


def good_rows(metered):
    return [
        ["G0001", metered["g1"].id_number, SEASON, 100, 700, 600, "2022-03-20"],
        ["G0002", mask_id_number(metered["g2"].id_number), SEASON, "0", "1500.5", "", "2022/3/20"],
        ["E0001", "", SEASON, 1000, 3000, None, "2022年3月21日"],
    ]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_good_file_writes_every_reading_and_prices_the_season(
    programme, metered, write_file, kind
):
    outcome = run(write_file(good_rows(metered), kind), programme)
    assert (outcome.created, outcome.updated, outcome.unchanged, outcome.errors) == (3, 0, 0, [])
    assert MeterReading.objects.get(meter__number="G0002").usage == Decimal("1500.50")
    op = Instalment.objects.get(household=metered["g1"], item="operating", season=SEASON)
    # 600 m³ × 1.00 = 600.00 (below the 900 cap); the estimate of 900 stays as the previous
    assert (op.amount, op.previous_amount, op.difference) == (
        Decimal("600.00"),
        Decimal("900.00"),
        Decimal("-300.00"),
    )
    assert Instalment.objects.get(
        household=metered["g2"], item="operating", season=SEASON
    ).amount == Decimal("900.00")  # 1500.5 × 1 capped at 900
    assert Instalment.objects.get(
        household=metered["e1"], item="operating", season=SEASON
    ).amount == Decimal("400.00")  # 2000 kWh × 0.2
    # other seasons are not touched
    assert (
        Instalment.objects.get(
            household=metered["g1"], item="operating", season="2022-2023"
        ).previous_amount
        is None
    )


def test_reimporting_the_same_file_changes_nothing(programme, metered, write_file):
    path = write_file(good_rows(metered))
    run(path, programme)
    amounts = list(Instalment.objects.order_by("id").values_list("amount", "previous_amount"))
    again = run(path, programme)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert list(Instalment.objects.order_by("id").values_list("amount", "previous_amount")) == (
        amounts
    )
    assert MeterReading.objects.count() == 3


def test_a_changed_reading_updates_and_keeps_the_old_values(programme, metered, write_file):
    run(write_file(good_rows(metered)), programme)
    rows = good_rows(metered)
    rows[0][4], rows[0][5] = 800, 700
    outcome = run(write_file(rows), programme)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 1, 2)
    reading = MeterReading.objects.get(meter__number="G0001")
    assert reading.usage == Decimal("700.00")
    record = ReadingImport.objects.order_by("-id").first()
    assert record.details["previous"] == [[reading.pk, "100.00", "700.00", "600.00", "2022-03-20"]]
    op = Instalment.objects.get(household=metered["g1"], item="operating", season=SEASON)
    assert (op.amount, op.previous_amount) == (Decimal("700.00"), Decimal("600.00"))


def test_a_large_submission_is_copied_in_with_the_same_outcome(
    programme, metered, write_file, monkeypatch
):
    # Every write above COPY_ABOVE rows goes through COPY and a temporary table: here all of them.
    monkeypatch.setattr(services, "COPY_ABOVE", 0)
    run(write_file(good_rows(metered)), programme)
    rows = good_rows(metered)
    rows[0][4], rows[0][5], rows[0][6] = 800, 700, "2022-03-25"
    outcome = run(write_file(rows), programme)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 1, 2)
    reading = MeterReading.objects.get(meter__number="G0001")
    record = ReadingImport.objects.order_by("-id").first()
    assert (reading.start, reading.end, reading.usage, str(reading.read_on)) == (
        Decimal("100.00"),
        Decimal("800.00"),
        Decimal("700.00"),
        "2022-03-25",
    )
    assert reading.source_import_id == record.pk
    assert MeterReading.objects.get(meter__number="E0001").usage == Decimal("2000.00")
    op = Instalment.objects.get(household=metered["g1"], item="operating", season=SEASON)
    assert (op.amount, op.previous_amount) == (Decimal("700.00"), Decimal("600.00"))


def test_dry_run_writes_nothing(programme, metered, write_file):
    outcome = run(write_file(good_rows(metered)), programme, dry_run=True)
    assert (outcome.created, outcome.committed) == (3, False)
    assert not MeterReading.objects.exists()
    assert not ReadingImport.objects.exists()
    assert not Instalment.objects.filter(previous_amount__isnull=False).exists()


def bad_file_errors(programme, write_file, rows, season=SEASON):
    outcome = run(write_file(rows), programme, season=season)
    assert not outcome.committed
    assert not MeterReading.objects.exists()
    return [(e.row, e.column, e.message) for e in outcome.errors]


def test_each_bad_row_is_named_and_nothing_is_written(programme, metered, write_file, gas_co):
    withdrawn = HouseholdFactory(
        programme=programme,
        town=metered["g1"].town,
        status="withdrawn",
        withdrawal_reason="搬迁",
        status_before_withdrawal="accepted",
    )
    add_meter(withdrawn, gas_co, "G0009")
    not_accepted = HouseholdFactory(programme=programme, town=metered["g1"].town, status="built")
    add_meter(not_accepted, gas_co, "G0010")
    rows = [
        ["G0001", "", SEASON, 100, 700, "", "2022-03-20"],  # good
        ["G9999", "", SEASON, 1, 2, "", "2022-03-20"],  # unknown meter
        ["G0002", metered["g1"].id_number, SEASON, 1, 2, "", "2022-03-20"],  # another's
        ["G0003", "", SEASON, 500, 400, "", "2022-03-20"],  # end below start
        ["E0001", "", SEASON, 100, 300, 250, "2022-03-20"],  # usage does not match
        ["G0001", "", SEASON, 100, 700, "", "2022-03-20"],  # duplicate of row 2
        ["G0009", "", SEASON, 1, 100, "", "2022-03-20"],  # withdrawn
        ["G0010", "", SEASON, 1, 100, "", "2022-03-20"],  # not accepted
        ["G0002", "", "2020-2021", 1, 100, "", "2022-03-20"],  # other season than --season
        ["G0002", "", SEASON, "abc", 100, "", "not a date"],  # not a number, not a date
    ]
    errors = bad_file_errors(programme, write_file, rows)
    assert errors == [
        (3, "表号（户号）", "表号（户号）G9999 未登记，请先在台账中登记该户的表计"),
        (4, "身份证号", "该表号（户号）登记在另一户名下，身份证号不符"),
        (5, "截止读数", "截止读数 400.00 小于起始读数 500.00"),
        (6, "用量", "用量 250.00 与读数不符（截止读数 − 起始读数 = 200.00）"),
        (7, "表号（户号）", "与第 2 行重复：同一表号同一采暖季只能有一行"),
        (8, "表号（户号）", "该户已退出，不能登记抄表数据"),
        (9, "表号（户号）", "该户尚未通过验收，不能登记抄表数据"),
        (10, "采暖季", "采暖季 2020-2021 与本次导入的采暖季 2021-2022 不一致"),
        (11, "表号（户号）", "与第 10 行重复：同一表号同一采暖季只能有一行"),
        (11, "起始读数", "不是数字：abc"),
        (11, "抄表日期", "不是有效日期：not a date"),
    ]


def test_a_season_outside_the_households_six_is_refused(programme, metered, write_file):
    rows = [["G0001", "", "2027-2028", 1, 2, "", "2022-03-20"]]
    errors = bad_file_errors(programme, write_file, rows, season="2027-2028")
    assert errors[0] == (2, "采暖季", "采暖季 2027-2028 不在该户的 6 个补贴采暖季内")


def call(path, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_meter_readings", str(path), *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as e:
        code = e.code
    return code, out.getvalue(), err.getvalue()


def test_the_command_keeps_the_ledger_contract(programme, metered, write_file, tmp_path):
    path = write_file(good_rows(metered))
    code, out, _err = call(path, "--season", SEASON, "--dry-run", "--json")
    assert (code, json.loads(out)) == (
        0,
        {"created": 3, "updated": 0, "unchanged": 0, "errors": []},
    )
    assert not MeterReading.objects.exists()
    code, out, _err = call(path, "--season", SEASON, "--json")
    assert (code, json.loads(out)["created"]) == (0, 3)
    code, out, _err = call(path, "--season", SEASON, "--json")
    assert json.loads(out) == {"created": 0, "updated": 0, "unchanged": 3, "errors": []}
    bad = write_file([["G9999", "", SEASON, 1, 2, "", "2022-03-20"]], "csv")
    code, out, _err = call(bad, "--season", SEASON, "--json")
    assert code == 1
    assert json.loads(out)["errors"][0]["row"] == 2
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    code, out, _err = call(junk, "--season", SEASON, "--json")
    assert code == 2 and json.loads(out)["errors"][0]["message"]
    code, out, _err = call(path, "--season", "2021", "--json")
    assert code == 2


def test_an_empty_or_too_large_csv_is_refused_with_its_message(
    programme, metered, tmp_path, settings
):
    path = tmp_path / "f.csv"
    path.write_bytes(b"")
    with pytest.raises(UnusableFile) as refused:
        run(path, programme)
    assert refused.value.message == "文件是空的，请上传填写好的抄表数据文件（xlsx 或 csv）。"
    settings.READINGS_IMPORT_MAX_BYTES = 2 * 1048576
    path.write_bytes(b"0" * (3 * 1048576))
    with pytest.raises(UnusableFile) as refused:
        run(path, programme)
    assert refused.value.message == "文件过大（3.0 MB），最大允许 2 MB。"
    assert not MeterReading.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\x01\x02\x03" * 100,
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
        "表号（户号）,起始读数\n".encode(),
        b'"unterminated,quote\n' * 3,
        "表号（户号）,起始读数,截止读数,抄表日期\n".encode() + b"x," * 50 + b"\n",
        "\ufeff表号（户号）,起始读数,截止读数,抄表日期\n=1+1,1e400,-5,9999-99-99\n".encode(),
    ],
)
def test_hostile_files_never_crash(programme, metered, tmp_path, data):
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    code, out, _err = call(path, "--season", SEASON, "--json")
    assert code in (1, 2)
    assert json.loads(out)["errors"]
    assert not MeterReading.objects.exists()
