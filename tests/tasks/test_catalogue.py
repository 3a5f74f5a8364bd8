"""The example catalogue and contractors: idempotent load, admin import and export."""

from decimal import Decimal

import tablib
from django.core.management import call_command
from django.urls import reverse

from tasks.models import Contractor, EquipmentModel
from tasks.resources import ContractorResource, EquipmentModelResource
from tasks.services import catalogue_load


def test_catalogue_load_is_idempotent_and_marks_example_data(db):
    first = catalogue_load()
    assert len(first.created) == 8 and first.unchanged == 0
    assert EquipmentModel.objects.count() == 5
    assert Contractor.objects.count() == 3
    assert set(EquipmentModel.objects.values_list("is_example", flat=True)) == {True}
    assert set(Contractor.objects.values_list("is_example", flat=True)) == {True}
    assert all("示例数据" in e.brand for e in EquipmentModel.objects.all())
    assert all("示例数据" in c.name for c in Contractor.objects.all())
    second = catalogue_load()
    assert second.created == [] and second.unchanged == 8
    assert EquipmentModel.objects.count() == 5


def test_catalogue_load_keeps_an_administrators_correction(db):
    catalogue_load()
    boiler = EquipmentModel.objects.get(model="L1PB20-示例")
    boiler.price_cap = Decimal("3999.00")
    boiler.save()
    catalogue_load()
    boiler.refresh_from_db()
    assert boiler.price_cap == Decimal("3999.00")


def test_bootstrap_loads_the_example_catalogue(db):
    call_command("bootstrap", "--no-migrate", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert EquipmentModel.objects.filter(is_example=True).count() == 5
    assert Contractor.objects.filter(is_example=True).count() == 3


def equipment_sheet(*rows):
    data = tablib.Dataset(
        headers=[
            "品牌",
            "型号",
            "设备类型",
            "技术路线",
            "招标批次",
            "限价（元）",
            "在目录内",
            "示例数据",
        ]
    )
    for row in rows:
        data.append(row)
    return data


def test_equipment_import_accepts_chinese_route_labels_and_keys_on_brand_and_model(db):
    resource = EquipmentModelResource()
    sheet = equipment_sheet(
        ["海燕", "L1PB20", "燃气壁挂炉", "气代煤", "2021-1", "4200", "", ""],
        ["海燕", "KF-12", "空气源热泵", "electric", "2021-1", "15800.50", "", ""],
    )
    result = resource.import_data(sheet, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    boiler = EquipmentModel.objects.get(brand="海燕", model="L1PB20")
    assert (boiler.route, boiler.price_cap, boiler.is_active, boiler.is_example) == (
        "gas",
        Decimal("4200"),
        True,
        False,
    )
    again = resource.import_data(
        equipment_sheet(["海燕", "L1PB20", "燃气壁挂炉", "气代煤", "2021-1", "4300", "", ""]),
        dry_run=False,
    )
    assert not again.has_errors()
    assert EquipmentModel.objects.count() == 2
    boiler.refresh_from_db()
    assert boiler.price_cap == Decimal("4300")


def test_equipment_import_reports_a_bad_route_and_a_negative_price(db):
    result = EquipmentModelResource().import_data(
        equipment_sheet(
            ["海燕", "X1", "燃气壁挂炉", "烧煤", "", "100", "", ""],
            ["海燕", "X2", "燃气壁挂炉", "gas", "", "-1", "", ""],
        ),
        dry_run=True,
    )
    assert result.has_validation_errors()
    messages = " ".join(
        str(m) for row in result.invalid_rows for errs in row.error_dict.values() for m in errs
    )
    assert "“烧煤”不是有效选项" in messages
    assert EquipmentModel.objects.count() == 0


def test_contractor_export_round_trips(db):
    catalogue_load()
    exported = ContractorResource().export()
    assert exported.headers == ["名称", "类型", "联系人", "联系电话", "示例数据"]
    assert "燃气企业" in exported.csv
    Contractor.objects.all().delete()
    result = ContractorResource().import_data(exported, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert Contractor.objects.get(name="示例燃气公司（示例数据）").kind == "gas"


def test_admin_catalogue_pages_show_the_example_flag_and_import(client_for, administrator):
    catalogue_load()
    client = client_for(administrator)
    html = client.get(reverse("admin:tasks_equipmentmodel_changelist")).content.decode()
    assert "示例数据" in html and "L1PB20-示例" in html
    assert client.get(reverse("admin:tasks_equipmentmodel_import")).status_code == 200
    assert client.get(reverse("admin:tasks_contractor_import")).status_code == 200
    assert client.get(reverse("admin:tasks_idnumberview_changelist")).status_code == 200
