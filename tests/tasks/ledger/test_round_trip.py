"""Ledger round trip: an export (masked or not) imports back unchanged; 开工日期, 台账编号."""

import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from tasks.ledger.importing import HEADERS, Scope, import_ledger
from tasks.models import Contractor, EquipmentModel, Household, HouseholdStatus
from tests.factories import HouseholdFactory
from tests.tasks.ledger.ledger_files import IDS, row, xlsx

pytestmark = pytest.mark.django_db

D = datetime.date
COL = {h: i for i, h in enumerate(HEADERS)}


@pytest.fixture
def season(ledger_setup, approved_plan_a, programme, town_a):
    """One household of town_a at each stage, with its dates, equipment and contractor."""
    gas = {
        "equipment": EquipmentModel.objects.get(model="L1PB20"),
        "contractor": Contractor.objects.get(name="示例燃气公司"),
    }
    stages = [
        (HouseholdStatus.SURVEYED, {}),
        (HouseholdStatus.CONTRACTED, {"contract_signed_on": D(2021, 7, 1)}),
        (
            HouseholdStatus.UNDER_CONSTRUCTION,
            {"contract_signed_on": D(2021, 7, 1), "construction_started_on": D(2021, 7, 20)},
        ),
        (
            HouseholdStatus.BUILT,
            {
                "contract_signed_on": D(2021, 7, 1),
                "construction_started_on": D(2021, 7, 20),
                "construction_completed_on": D(2021, 8, 10),
            },
        ),
        (
            HouseholdStatus.ACCEPTED,
            {
                "contract_signed_on": D(2021, 7, 2),
                "construction_started_on": D(2021, 7, 21),
                "construction_completed_on": D(2021, 8, 11),
            },
        ),
    ]
    for n, (status, dates) in enumerate(stages):
        HouseholdFactory(
            programme=programme, town=town_a, id_number=IDS[n], status=status, **gas, **dates
        )
    return programme


def export(client, path: Path) -> Path:
    response = client.get(reverse("ledger:ledger_export"))
    assert response.status_code == 200
    path.write_bytes(b"".join(response.streaming_content))
    return path


def edit(path: Path, changes: dict[tuple[int, str], object]) -> Path:
    """Set cells by (household pk, header) in an exported file, as a user would in Excel."""
    wb = openpyxl.load_workbook(path)
    ws = wb["台账"]
    by_pk = {r[COL["台账编号"]].value: r for r in ws.iter_rows(min_row=2)}
    for (pk, header), value in changes.items():
        by_pk[pk][COL[header]].value = value
    wb.save(path)
    return path


def run(path: Path, programme, town):
    return import_ledger(path, programme=programme, scope=Scope({town.id}))


def snapshot() -> list[dict]:
    return list(Household.objects.order_by("id").values())


def test_an_export_without_the_full_id_permission_imports_back_unchanged(
    tmp_path, client_for, official_a, season, town_a
):
    before, history = snapshot(), Household.history.count()
    path = export(client_for(official_a), tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(path)["台账"]
    ids = [r[COL["身份证号"]] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert all("********" in i for i in ids)
    outcome = run(path, season, town_a)
    assert outcome.errors == []
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 5)
    assert snapshot() == before
    assert Household.history.count() == history


def test_an_export_with_meters_imports_back_unchanged(
    tmp_path, client_for, official_a, season, town_a
):
    """The meter's columns (registered by subsidies) go out and come back as they were."""
    from subsidies.metering.models import Meter, MeterKind, Utility

    gas_co = Utility.objects.create(name="淄川燃气公司", kind=MeterKind.GAS)
    for n, number in ((1, "G-0001"), (4, "00012345")):
        household = Household.objects.get(id_number=IDS[n])
        Meter.objects.create(
            household=household, programme=season, kind="gas", number=number, utility=gas_co
        )
    before, history = snapshot(), (Household.history.count(), Meter.history.count())
    meters = list(Meter.objects.order_by("id").values())
    path = export(client_for(official_a), tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(path)["台账"]
    cells = {r[COL["表号（户号）"]] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert cells == {"G-0001", "00012345", None}
    outcome = run(path, season, town_a)
    assert outcome.errors == []
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 5)
    assert snapshot() == before
    assert list(Meter.objects.order_by("id").values()) == meters
    assert (Household.history.count(), Meter.history.count()) == history


def test_a_masked_export_with_changes_updates_those_households_only(
    tmp_path, client_for, official_a, season, town_a
):
    contracted = Household.objects.get(id_number=IDS[1])
    built = Household.objects.get(id_number=IDS[3])
    path = edit(
        export(client_for(official_a), tmp_path / "out.xlsx"),
        {(contracted.pk, "家庭住址"): "东村8号", (built.pk, "户主姓名"): "王改名"},
    )
    outcome = run(path, season, town_a)
    assert outcome.errors == []
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 2, 3)
    contracted.refresh_from_db()
    built.refresh_from_db()
    assert (contracted.address, contracted.id_number) == ("东村8号", IDS[1])
    assert (built.head_name, built.id_number) == ("王改名", IDS[3])


def test_an_accepted_household_repeated_unchanged_is_fine_and_a_change_is_refused_by_row(
    tmp_path, client_for, official_a, finance, season, town_a
):
    accepted = Household.objects.get(id_number=IDS[4])
    for client in (client_for(official_a), client_for(finance)):
        outcome = run(export(client, tmp_path / "out.xlsx"), season, town_a)
        assert outcome.errors == [] and outcome.unchanged == 5
    before = snapshot()
    path = edit(
        export(client_for(official_a), tmp_path / "out.xlsx"),
        {
            (accepted.pk, "家庭住址"): "改过的地址",
        },
    )
    outcome = run(path, season, town_a)
    assert [(e.column, e.message) for e in outcome.errors] == [
        ("身份证号", "该户已验收，不能通过导入修改。")
    ]
    sheet = openpyxl.load_workbook(path)["台账"]
    line = next(r for r in sheet.iter_rows(min_row=2) if r[COL["台账编号"]].value == accepted.pk)
    assert outcome.errors[0].row == line[0].row
    assert snapshot() == before


def test_a_masked_id_may_not_change_nor_point_at_another_household(
    tmp_path, client_for, official_a, season, town_a
):
    first, second = (Household.objects.get(id_number=IDS[n]) for n in (0, 1))
    other_tail = IDS[0][:6] + "********" + IDS[0][-4:-1] + ("1" if IDS[0][-1] != "1" else "2")
    before = snapshot()
    path = edit(
        export(client_for(official_a), tmp_path / "out.xlsx"),
        {(first.pk, "身份证号"): other_tail, (second.pk, "台账编号"): first.pk},
    )
    outcome = run(path, season, town_a)
    messages = sorted(e.message for e in outcome.errors)
    assert messages == [
        f"身份证号与台账编号 {first.pk} 的户不符：身份证号不能通过导入修改。",
        f"身份证号与台账编号 {first.pk} 的户不符：身份证号不能通过导入修改。",
    ]
    assert {e.column for e in outcome.errors} == {"身份证号"}
    assert snapshot() == before


def test_a_masked_id_without_its_ledger_number_says_to_keep_the_column(
    tmp_path, client_for, official_a, season, town_a
):
    first = Household.objects.get(id_number=IDS[0])
    path = edit(
        export(client_for(official_a), tmp_path / "out.xlsx"), {(first.pk, "台账编号"): None}
    )
    outcome = run(path, season, town_a)
    assert [(e.column, e.message) for e in outcome.errors] == [
        (
            "身份证号",
            "身份证号已打码（导出时没有查看完整身份证号的权限）：请保留导出文件中的“台账编号”列，"
            "按台账编号识别该户。",
        )
    ]


def test_an_unknown_ledger_number_of_a_masked_row_is_refused(
    tmp_path, client_for, official_a, season, town_a
):
    first = Household.objects.get(id_number=IDS[0])
    path = edit(
        export(client_for(official_a), tmp_path / "out.xlsx"), {(first.pk, "台账编号"): 999999}
    )
    outcome = run(path, season, town_a)
    assert [(e.column, e.message) for e in outcome.errors] == [
        ("台账编号", "台账编号 999999 不是本年度台账中的户。")
    ]


def test_the_template_and_the_export_carry_the_start_date_and_the_ledger_number(
    client_for, official_a, season
):
    wb = openpyxl.load_workbook(
        io.BytesIO(
            b"".join(
                client_for(official_a).get(reverse("ledger:ledger_template")).streaming_content
            )
        )
    )
    header = [c.value for c in wb["台账"][1]]
    assert header[header.index("签约日期") : header.index("完工日期") + 1] == [
        "签约日期",
        "开工日期",
        "完工日期",
    ]
    assert "台账编号" in header
    notes = "\n".join(str(c.value) for c in wb["说明"]["A"] if c.value)
    assert "开工日期" in notes and "台账编号" in notes
    export_wb = openpyxl.load_workbook(
        io.BytesIO(
            b"".join(client_for(official_a).get(reverse("ledger:ledger_export")).streaming_content)
        )
    )
    rows = list(export_wb["台账"].iter_rows(values_only=True))
    assert list(rows[0]) == header
    started = Household.objects.get(id_number=IDS[2])
    line = next(r for r in rows[1:] if r[COL["台账编号"]] == started.pk)
    assert line[COL["开工日期"]] == datetime.datetime(2021, 7, 20)


def test_an_imported_start_date_starts_construction_through_the_service_rules(
    tmp_path, ledger_setup, approved_plan_a, town_a
):
    path = xlsx(tmp_path / "a.xlsx", [row(started_on="2021-07-10")])
    outcome = run(path, ledger_setup, town_a)
    assert outcome.errors == []
    h = Household.objects.get(id_number=IDS[0])
    assert (h.status, h.construction_started_on) == (
        HouseholdStatus.UNDER_CONSTRUCTION,
        D(2021, 7, 10),
    )
    path = xlsx(tmp_path / "b.xlsx", [row(id_number=IDS[1], started_on="2021-07-01")])
    outcome = run(path, ledger_setup, town_a)
    assert [(e.column, e.message) for e in outcome.errors] == [
        ("开工日期", "开工日期不能早于签约日期。")
    ]
    path = xlsx(
        tmp_path / "c.xlsx",
        [row(id_number=IDS[2], started_on="2021-07-10", completed_on="2021-08-01")],
    )
    assert run(path, ledger_setup, town_a).errors == []
    h = Household.objects.get(id_number=IDS[2])
    assert (h.status, h.construction_started_on, h.construction_completed_on) == (
        HouseholdStatus.BUILT,
        D(2021, 7, 10),
        D(2021, 8, 1),
    )


def test_a_start_date_needs_the_towns_approved_plan(tmp_path, ledger_setup, town_a):
    path = xlsx(tmp_path / "a.xlsx", [row(started_on="2021-07-10")])
    outcome = run(path, ledger_setup, town_a)
    assert [e.column for e in outcome.errors] == ["开工日期"]
    assert "尚未经区清洁取暖办核准" in outcome.errors[0].message


def test_the_ledger_list_has_an_export_button_that_keeps_the_filters(client_for, official_a):
    page = client_for(official_a).get(reverse("ledger:household_list"), {"status": "built"})
    content = page.content.decode()
    assert 'id="ledger-export"' in content
    assert reverse("ledger:ledger_export") + "?status=built" in content


def test_a_household_twice_in_a_masked_export_names_both_rows(
    tmp_path, client_for, official_a, season, town_a
):
    path = export(client_for(official_a), tmp_path / "out.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["台账"]
    ws.append([c.value for c in ws[2]])
    wb.save(path)
    outcome = run(path, season, town_a)
    assert [(e.row, e.column, e.message) for e in outcome.errors] == [
        (7, "身份证号", "身份证号与第 2 行重复（同一户只能登记一次）。")
    ]
