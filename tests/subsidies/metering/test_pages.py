"""Every metering URL gets the access battery; the upload page imports; flags are decided
from their page; a household's meters are registered from its page (number unique)."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from subsidies.metering import services as metering
from subsidies.metering.models import Adjustment, Meter, MeterReading, UsageFlag
from subsidies.models import Instalment
from tests.access import battery
from tests.conftest import login
from tests.factories import HouseholdFactory
from tests.subsidies.metering.conftest import SEASON, readings_xlsx

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"subsidies:{name}", args=args)


@pytest.fixture
def world(programme, metered, finance, tmp_path):
    path = tmp_path / "r.xlsx"
    path.write_bytes(readings_xlsx([["G0001", "", SEASON, 0, 5, "", "2022-03-20"]]))
    metering.readings_import_file(path=path, programme=programme, season=SEASON, by=finance)
    flag = UsageFlag.objects.get()
    instalment = Instalment.objects.get(household=metered["g1"], item="operating", season=SEASON)
    adjustment = Adjustment.objects.create(
        household=metered["g1"],
        instalment=instalment,
        kind="clawback",
        amount="10.00",
        paid_amount="900.00",
        corrected_amount="890.00",
    )
    return {**metered, "flag": flag, "adjustment": adjustment}


def test_every_metering_url_gets_the_battery(world, cast):
    c = cast
    everyone = [c["finance"], c["finance2"], c["district"], c["administrator"]]
    battery(
        url("readings_upload"),
        ok=[c["finance"]],
        forbidden=[c["official_a"], c["district"]],
        wrong_method="put",
    )
    battery(url("flag_list"), ok=[*everyone, c["official_a"]], wrong_method="post")
    battery(
        url("flag_detail", world["flag"].pk),
        ok=[*everyone, c["official_a"]],
        not_found=[c["official_b"]],
        wrong_method="put",
    )
    battery(url("adjustment_list"), ok=[*everyone, c["official_a"]], wrong_method="post")
    battery(
        url("household_meters", world["g1"].pk),
        ok=[*everyone, c["official_a"]],
        not_found=[c["official_b"]],
        wrong_method="put",
    )
    for name in ("adjustment_settle", "adjustment_offset"):
        battery(
            url(name, world["adjustment"].pk),
            method="post",
            ok=[c["finance"]],
            ok_status=302,
            forbidden=[c["official_a"], c["district"]],
            wrong_method="get",
        )
    battery(
        url("adjustment_settle", world["adjustment"].pk),
        method="post",
        ok=[],
        forbidden=[c["official_b"]],
    )


def test_town_b_sees_none_of_town_as_flags(world, official_b, official_a):
    assert world["flag"].household.town_id == official_a.town_id
    page = login(official_b).get(url("flag_list"))
    assert world["flag"].household.head_name not in page.content.decode()
    assert (
        world["flag"].household.head_name
        in login(official_a).get(url("flag_list")).content.decode()
    )


def test_the_upload_page_reports_bad_rows_and_writes_good_files(world, finance):
    c = login(finance)
    bad = readings_xlsx([["G9999", "", SEASON, 0, 5, "", "2022-03-20"]])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = c.post(
        url("readings_upload"),
        {"season": SEASON, "file": SimpleUploadedFile("r.xlsx", bad)},
    )
    assert response.status_code == 200
    assert "G9999 未登记" in response.content.decode()
    good = readings_xlsx([["G0002", "", SEASON, 0, 800, "", "2022-03-20"]])
    response = c.post(
        url("readings_upload"), {"season": SEASON, "file": SimpleUploadedFile("r.xlsx", good)}
    )
    assert response.status_code == 302
    assert MeterReading.objects.filter(meter__number="G0002").exists()
    junk = c.post(
        url("readings_upload"), {"season": SEASON, "file": SimpleUploadedFile("r.xlsx", b"PK!!")}
    )
    assert junk.status_code == 200
    assert "损坏" in junk.content.decode() or "不是" in junk.content.decode()
    assert MeterReading.objects.count() == 2


def test_a_flag_is_decided_from_its_page_with_a_reason(world, official_a):
    c = login(official_a)
    flag_url = url("flag_detail", world["flag"].pk)
    assert (
        "请填写处理理由" in c.post(flag_url, {"decision": "release", "reason": ""}).content.decode()
    )
    assert c.post(flag_url, {"decision": "release", "reason": "入户核实"}).status_code == 302
    world["flag"].refresh_from_db()
    assert world["flag"].status == "released"


def test_meters_are_registered_from_the_household_page_and_numbers_are_unique(
    world, official_a, gas_co, programme, town_a
):
    other = HouseholdFactory(programme=programme, town=town_a)
    c = login(official_a)
    page = url("household_meters", other.pk)
    taken = c.post(page, {"number": "G0001", "utility": gas_co.pk})
    assert "已登记在另一户名下" in taken.content.decode()
    assert c.post(page, {"number": "G0100", "utility": gas_co.pk}).status_code == 302
    assert Meter.objects.get(number="G0100").household == other
    # a replacement closes the old meter
    assert (
        c.post(
            page, {"number": "G0101", "utility": gas_co.pk, "installed_on": "2023-05-01"}
        ).status_code
        == 302
    )
    old = Meter.objects.get(number="G0100")
    assert str(old.replaced_on) == "2023-05-01"
    with pytest.raises(IntegrityError), transaction.atomic():
        Meter.objects.create(
            household=world["g2"], programme=programme, kind="gas", number="G0101", utility=gas_co
        )


def test_the_household_page_shows_its_meter_and_links_to_register_one(
    client_for, official_a, metered, programme, town_a, boiler
):
    page = client_for(official_a).get(reverse("ledger:household_detail", args=[metered["g1"].pk]))
    html = page.content.decode()
    assert 'id="household-meters"' in html and "G0001 · 淄川燃气公司" in html
    link = url("household_meters", metered["g1"].pk)
    assert f'class="button" href="{link}" id="meters-link">更换表号</a>' in html
    bare = HouseholdFactory(programme=programme, town=town_a, equipment=boiler)
    html = client_for(official_a).get(reverse("ledger:household_detail", args=[bare.pk]))
    html = html.content.decode()
    assert "尚未登记燃气表号或电力户号" in html
    assert f'href="{url("household_meters", bare.pk)}" id="meters-link">登记表计</a>' in html
    central = HouseholdFactory(programme=programme, town=town_a, route="central")
    html = client_for(official_a).get(reverse("ledger:household_detail", args=[central.pk]))
    assert 'id="household-meters"' not in html.content.decode()
