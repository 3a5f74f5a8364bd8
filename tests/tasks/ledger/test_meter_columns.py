"""The meter's columns in the ledger (表号（户号）, 供气/供电单位), registered by subsidies."""

import io

import openpyxl
import pytest
from django.urls import reverse

from subsidies.metering.models import Meter, MeterKind, Utility
from tasks.ledger.importing import HEADERS, Scope, import_ledger
from tasks.models import Household
from tests.tasks.ledger.ledger_files import IDS, row, xlsx

pytestmark = pytest.mark.django_db

#: row()'s fifteen columns, then the meter's.
METER_HEADERS = [*HEADERS[:15], "表号（户号）", "供气/供电单位"]


@pytest.fixture
def gas_co(db):
    return Utility.objects.create(name="淄川燃气公司", kind=MeterKind.GAS)


@pytest.fixture
def grid_co(db):
    return Utility.objects.create(name="国网淄川供电公司", kind=MeterKind.ELECTRIC)


def meter_row(number, utility="淄川燃气公司", **over):
    return [*row(**over), number, utility]


def run(tmp_path, rows, programme, town, name="in.xlsx"):
    path = xlsx(tmp_path / name, rows, headers=METER_HEADERS)
    return import_ledger(path, programme=programme, scope=Scope({town.id}))


def meters():
    return list(
        Meter.objects.order_by("id").values_list(
            "household__id_number", "kind", "number", "utility__name", "replaced_on"
        )
    )


def test_the_template_has_the_meter_columns_and_their_rule(client_for, official_a, programme):
    response = client_for(official_a).get(reverse("ledger:ledger_template"))
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    headers = [c.value for c in wb["台账"][1]]
    assert headers[16:18] == ["表号（户号）", "供气/供电单位"]
    rules = [c.value for c in wb["说明"]["A"] if c.value]
    assert any(r.startswith("15. 表号（户号）：气代煤户填燃气表号") for r in rules)


def test_an_import_registers_meters_and_a_second_run_changes_nothing(
    tmp_path, ledger_setup, town_a, gas_co
):
    rows = [
        meter_row("G-1001", id_number=IDS[0]),
        meter_row(20230001.0, id_number=IDS[1]),  # typed as a number in Excel
        meter_row(None, None, id_number=IDS[2]),
    ]
    outcome = run(tmp_path, rows, ledger_setup, town_a)
    assert outcome.errors == [] and outcome.created == 3
    assert outcome.plan.preview["extras"] == [
        "表计：新登记 2 个（其中更换现用表 0 个），更改供气/供电单位 0 个。"
    ]
    assert meters() == [
        (IDS[0], "gas", "G-1001", "淄川燃气公司", None),
        (IDS[1], "gas", "20230001", "淄川燃气公司", None),
    ]
    meter = Meter.objects.get(number="G-1001")
    assert meter.programme_id == ledger_setup.pk
    assert meter.history.get().history_change_reason == "台账导入表计"
    history = Meter.history.count()
    again = run(tmp_path, rows, ledger_setup, town_a)
    assert again.errors == [] and again.unchanged == 3
    assert again.plan.preview["extras"] == []
    assert len(meters()) == 2 and Meter.history.count() == history


def test_a_new_number_replaces_the_current_meter_and_a_blank_cell_keeps_it(
    tmp_path, ledger_setup, town_a, gas_co
):
    run(tmp_path, [meter_row("G-1", id_number=IDS[0])], ledger_setup, town_a)
    run(tmp_path, [meter_row(None, None, id_number=IDS[0])], ledger_setup, town_a)
    assert [m[2] for m in meters()] == ["G-1"]
    outcome = run(tmp_path, [meter_row("G-2", id_number=IDS[0])], ledger_setup, town_a)
    assert outcome.errors == []
    (old, new) = meters()
    assert old[2] == "G-1" and old[4] is not None
    assert new[2] == "G-2" and new[4] is None


BAD = [
    ("another household", "G-9", "淄川燃气公司", {}, "表号（户号）",
     "表号（户号）G-9 已登记在另一户名下。"),
    ("central", "G-5", "淄川燃气公司", {"route": "集中供暖", "brand": None, "model": None,
     "contractor": None, "signed_on": None}, "表号（户号）", "集中供暖户不登记燃气表或电表。"),
    ("unknown utility", "G-5", "某公司", {}, "供气/供电单位", "供气/供电单位“某公司”未登记。"),
    ("wrong kind", "G-5", "国网淄川供电公司", {}, "供气/供电单位",
     "供气/供电单位与该户的改造方式不符。"),
    ("no utility", "G-5", None, {}, "供气/供电单位", "登记新的表号（户号）须填写供气/供电单位。"),
    ("no number", None, "淄川燃气公司", {}, "表号（户号）",
     "填写了供气/供电单位，请同时填写表号（户号）。"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "number", "utility", "over", "column", "message"), BAD)
def test_a_bad_meter_row_is_named_by_row_and_column_and_nothing_is_written(
    tmp_path, ledger_setup, town_a, gas_co, grid_co, case, number, utility, over, column, message
):
    run(tmp_path, [meter_row("G-9", id_number=IDS[0])], ledger_setup, town_a, "first.xlsx")
    households, before = Household.objects.count(), meters()
    rows = [
        meter_row("G-7", id_number=IDS[1]),
        meter_row(number, utility, id_number=IDS[2], **over),
    ]
    outcome = run(tmp_path, rows, ledger_setup, town_a)
    assert [(e.row, e.column, e.message) for e in outcome.errors] == [(3, column, message)]
    assert not outcome.committed
    assert Household.objects.count() == households and meters() == before


def test_the_same_number_twice_in_a_file_names_the_first_row(
    tmp_path, ledger_setup, town_a, gas_co
):
    rows = [meter_row("G-3", id_number=IDS[0]), meter_row("G-3", id_number=IDS[1])]
    outcome = run(tmp_path, rows, ledger_setup, town_a)
    assert [(e.row, e.column, e.message) for e in outcome.errors] == [
        (3, "表号（户号）", "表号（户号）G-3 与第 2 行重复：一个表号只属于一户。")
    ]
    assert Household.objects.count() == 0 and meters() == []


def test_the_export_carries_each_households_current_meter(
    tmp_path, client_for, district, ledger_setup, town_a, gas_co
):
    rows = [meter_row("G-1", id_number=IDS[0]), meter_row(None, None, id_number=IDS[1])]
    run(tmp_path, rows, ledger_setup, town_a)
    run(tmp_path, [meter_row("G-2", id_number=IDS[0])], ledger_setup, town_a, "again.xlsx")
    response = client_for(district).get(reverse("ledger:ledger_export"))
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))["台账"]
    lines = list(ws.iter_rows(values_only=True))
    col = {h: i for i, h in enumerate(lines[0])}
    got = {r[col["台账编号"]]: (r[col["表号（户号）"]], r[col["供气/供电单位"]]) for r in lines[1:]}
    first, second = (Household.objects.get(id_number=IDS[n]).pk for n in (0, 1))
    assert got == {first: ("G-2", "淄川燃气公司"), second: (None, None)}
