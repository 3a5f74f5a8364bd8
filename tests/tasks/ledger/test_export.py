"""Ledger export: template columns, masking, formula injection, filters, round trip."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from tasks.ledger.importing import HEADERS, Scope, import_ledger
from tasks.models import EquipmentModel, Household, Village
from tests.access import battery
from tests.factories import HouseholdFactory, UserFactory
from tests.tasks.ledger.ledger_files import IDS, row, xlsx

pytestmark = pytest.mark.django_db


def sheet_rows(response) -> list[list]:
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert wb.sheetnames == ["台账"]
    return [list(r) for r in wb["台账"].iter_rows(values_only=True)]


def test_export_access_battery(cast):
    battery(
        reverse("ledger:ledger_export"),
        ok=[cast["official_a"], cast["district"], cast["finance"], cast["administrator"]],
        forbidden=[UserFactory(username="no-role")],
        wrong_method="post",
    )


def test_a_town_official_naming_another_town_in_the_filter_gets_404(client_for, official_a, town_b):
    response = client_for(official_a).get(reverse("ledger:ledger_export"), {"town": town_b.pk})
    assert response.status_code == 404


def test_export_has_the_template_columns_and_masks_ids(
    client_for, official_a, programme, town_a, town_b, ledger_setup
):
    HouseholdFactory(
        programme=programme,
        town=town_a,
        id_number=IDS[0],
        head_name="王建国",
        equipment=EquipmentModel.objects.get(model="L1PB20"),
        contract_signed_on=datetime.date(2021, 7, 5),
        status="contracted",
    )
    HouseholdFactory(programme=programme, town=town_b, id_number=IDS[1])
    response = client_for(official_a).get(reverse("ledger:ledger_export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = sheet_rows(response)
    assert rows[0] == HEADERS
    assert len(rows) == 2  # only town_a's household
    assert rows[1][:4] == ["洪山镇", "东村", "王建国", IDS[0][:6] + "********" + IDS[0][-4:]]
    assert rows[1][8:12] == ["示例燃气", "L1PB20", None, datetime.datetime(2021, 7, 5)]


def test_roles_with_the_full_id_permission_export_full_numbers(
    client_for, finance, programme, town_a
):
    HouseholdFactory(programme=programme, town=town_a, id_number=IDS[0])
    rows = sheet_rows(client_for(finance).get(reverse("ledger:ledger_export")))
    assert rows[1][3] == IDS[0]


def test_formula_injection_is_neutralised_and_control_characters_removed(
    client_for, finance, programme, town_a
):
    HouseholdFactory(
        programme=programme,
        town=town_a,
        id_number=IDS[0],
        head_name="@SUM(1)",
        address='=HYPERLINK("http://evil")',
        notes="+1-2\x07",
        phone="",
    )
    HouseholdFactory(programme=programme, town=town_a, id_number=IDS[1], notes="-减少")
    rows = sheet_rows(client_for(finance).get(reverse("ledger:ledger_export")))
    by_id = {r[3]: r for r in rows[1:]}
    assert by_id[IDS[0]][2] == "'@SUM(1)"
    assert by_id[IDS[0]][5] == '\'=HYPERLINK("http://evil")'
    assert by_id[IDS[0]][HEADERS.index("备注")] == "'+1-2"
    assert by_id[IDS[1]][HEADERS.index("备注")] == "'-减少"


def test_export_follows_the_list_filters(client_for, district, programme, town_a, town_b):
    HouseholdFactory(programme=programme, town=town_a, id_number=IDS[0], route="gas")
    HouseholdFactory(programme=programme, town=town_a, id_number=IDS[1], route="electric")
    HouseholdFactory(programme=programme, town=town_b, id_number=IDS[2], route="gas")
    client = client_for(district)
    assert len(sheet_rows(client.get(reverse("ledger:ledger_export"), {"route": "gas"}))) == 3
    rows = sheet_rows(
        client.get(reverse("ledger:ledger_export"), {"town": town_a.pk, "route": "gas"})
    )
    assert len(rows) == 2 and rows[1][0] == "洪山镇"
    rows = sheet_rows(client.get(reverse("ledger:ledger_export"), {"q": IDS[2][-6:]}))
    assert [r[0] for r in rows[1:]] == ["昆仑镇"]


def test_export_then_import_round_trips(tmp_path, client_for, administrator, ledger_setup, town_a):
    rows = [
        row(),
        row(id_number=IDS[1], head_name="李秀英", village="西村", signed_on=None, notes="=备注"),
        row(
            id_number=IDS[2],
            head_name="-张三",
            phone="0533-5181234",
            size=None,
            brand=None,
            model=None,
            contractor=None,
            signed_on=None,  # signing needs a contractor and the route's equipment
        ),
    ]
    # "=备注" cannot be imported as text, so it enters through the ORM like a form would.
    rows[1][HEADERS.index("备注")] = ""
    import_ledger(xlsx(tmp_path / "in.xlsx", rows), programme=ledger_setup, scope=Scope(None))
    Household.objects.filter(id_number=IDS[1]).update(notes="=备注")
    before = list(Household.objects.order_by("id").values())
    history_before = Household.history.count()

    response = client_for(administrator).get(reverse("ledger:ledger_export"))
    exported = tmp_path / "out.xlsx"
    exported.write_bytes(b"".join(response.streaming_content))
    outcome = import_ledger(exported, programme=ledger_setup, scope=Scope({town_a.id}))

    assert outcome.errors == []
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 3)
    assert list(Household.objects.order_by("id").values()) == before
    assert Household.history.count() == history_before
    assert Village.objects.filter(town=town_a).count() == 2


def test_the_template_has_the_columns_a_text_id_column_and_the_rules(client_for, official_a):
    response = client_for(official_a).get(reverse("ledger:ledger_template"))
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert wb.sheetnames == ["台账", "说明"]
    ws = wb["台账"]
    assert [c.value for c in ws[1]] == HEADERS
    assert ws.column_dimensions["D"].number_format == "@" or ws["D2"].number_format == "@"
    validations = ws.data_validations.dataValidation
    route = [v for v in validations if "H2" in str(v.sqref)]
    assert route and route[0].formula1 == '"集中供暖,气代煤,电代煤"'
    rules = "\n".join(str(c.value) for c in wb["说明"]["A"] if c.value)
    assert "身份证号" in rules and "文本" in rules and "洪山镇" in rules


def test_template_access_battery(cast):
    battery(
        reverse("ledger:ledger_template"),
        ok=[cast["official_a"], cast["administrator"]],
        forbidden=[cast["district"], cast["finance"]],
        wrong_method="post",
    )
