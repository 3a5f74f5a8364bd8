"""Data protection: full ID numbers only with the permission, every full view and export in the
audit trail, the district office reads that trail, no-store on every page and file that carries
full numbers, and another town's enrolment is reported without naming the town (the importer's
message: tests/tasks/ledger/test_import.py)."""

import datetime
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from bench.generate import id_number
from tasks.ledger import services
from tasks.models import IdNumberView
from tasks.validators import mask_id_number
from tests.factories import HouseholdFactory, UserFactory
from tests.security.world import build_world

pytestmark = pytest.mark.django_db
NEW_ID = id_number(654, datetime.date(1968, 3, 9))


@pytest.fixture
def world(programme, town_a, town_b, district, finance, finance2):
    return build_world(
        programme=programme,
        town_a=town_a,
        town_b=town_b,
        district=district,
        finance=finance,
        finance2=finance2,
    )


@pytest.fixture
def household(programme, town_a):
    return HouseholdFactory(programme=programme, town=town_a, head_name="王建国")


def edit_data(household, **extra):
    data = {
        "village": household.village_id,
        "head_name": household.head_name,
        "id_number": mask_id_number(household.id_number),
        "phone": household.phone,
        "address": household.address,
        "size": household.size or 3,
        "route": household.route,
        "equipment": household.equipment_id or "",
        "contractor": household.contractor_id or "",
        "notes": "",
    }
    return data | extra


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def with_full_id(user):
    group, _ = Group.objects.get_or_create(name="full-id-test")
    group.permissions.add(Permission.objects.get(codename="view_full_id_number"))
    user.groups.add(group)
    return type(user).objects.get(pk=user.pk)  # a fresh permission cache


# --- 1. the edit form -----------------------------------------------------------------------


def test_the_edit_form_shows_a_town_official_the_masked_number_only(
    client_for, official_a, household
):
    response = client_for(official_a).get(reverse("ledger:household_edit", args=[household.pk]))
    html = response.content.decode()
    assert household.id_number not in html
    assert f'value="{mask_id_number(household.id_number)}"' in html
    assert no_store(response)
    assert not IdNumberView.objects.exists()


def test_an_unchanged_masked_number_keeps_the_stored_one(client_for, official_a, household):
    stored = household.id_number
    response = client_for(official_a).post(
        reverse("ledger:household_edit", args=[household.pk]),
        edit_data(household, address="东村9号"),
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.id_number, household.address) == (stored, "东村9号")


def test_a_new_full_number_corrects_it(client_for, official_a, household):
    response = client_for(official_a).post(
        reverse("ledger:household_edit", args=[household.pk]),
        edit_data(household, id_number=NEW_ID),
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.id_number == NEW_ID


def test_another_masked_value_is_a_form_error_and_shows_nothing_more(
    client_for, official_a, household
):
    wrong = household.id_number[:6] + "*" * 8 + "0000"
    response = client_for(official_a).post(
        reverse("ledger:household_edit", args=[household.pk]),
        edit_data(household, id_number=wrong),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"]
    assert household.id_number not in response.content.decode()
    household.refresh_from_db()
    assert household.id_number != wrong


def test_with_the_permission_the_edit_form_shows_the_full_number_and_logs_it(
    client_for, official_a, household
):
    official = with_full_id(official_a)
    response = client_for(official).get(reverse("ledger:household_edit", args=[household.pk]))
    assert household.id_number in response.content.decode()
    view = IdNumberView.objects.get()
    assert (view.household, view.viewed_by, view.context, view.town_id) == (
        household,
        official,
        "edit",
        household.town_id,
    )


# --- 2. every full view and export is in the database ---------------------------------------


def test_the_list_with_full_ids_records_each_household_with_its_town(
    client_for, finance, household
):
    response = client_for(finance).get(reverse("ledger:household_list"))
    assert household.id_number in response.content.decode() and no_store(response)
    view = IdNumberView.objects.get()
    assert (view.household, view.context, view.town_id) == (household, "list", household.town_id)


def test_the_detail_full_view_is_recorded_and_not_cached(client_for, finance, household):
    client = client_for(finance)
    assert no_store(client.get(reverse("ledger:household_detail", args=[household.pk])))
    response = client.post(reverse("ledger:household_id_number", args=[household.pk]))
    assert household.id_number in response.content.decode() and no_store(response)
    assert IdNumberView.objects.get().context == "detail"


def test_the_ledger_export_with_full_ids_is_recorded_with_its_filter_and_count(
    client_for, finance, official_a, household, town_a
):
    HouseholdFactory(programme=household.programme, town=town_a)
    response = client_for(finance).get(
        reverse("ledger:ledger_export"), {"town": town_a.pk, "route": "", "items": "x"}
    )
    assert response.status_code == 200 and no_store(response)
    b"".join(response.streaming_content)
    row = IdNumberView.objects.get()
    assert (row.context, row.household, row.town, row.row_count, row.viewed_by) == (
        "ledger_export",
        None,
        town_a,
        2,
        finance,
    )
    assert row.filters == {"town": str(town_a.pk)}
    # masked for a town official: not a full-ID export, nothing recorded
    response = client_for(official_a).get(reverse("ledger:ledger_export"))
    assert response.status_code == 200 and no_store(response)
    assert IdNumberView.objects.count() == 1


def test_the_acceptance_register_with_full_ids_is_recorded(client_for, finance, world, town_a):
    response = client_for(finance).get(reverse("acceptance:register"), {"town": town_a.code})
    assert response.status_code == 200 and no_store(response)
    row = IdNumberView.objects.get()
    assert (row.context, row.town, row.row_count) == ("acceptance_export", town_a, 1)
    assert row.filters["town"] == town_a.code


def test_the_disbursement_sheet_with_full_ids_is_recorded(client_for, finance, world):
    response = client_for(finance).get(reverse("subsidies:batch_download", args=[world.batch.pk]))
    assert response.status_code == 200 and no_store(response)
    row = IdNumberView.objects.get()
    assert (row.context, row.town, row.viewed_by) == ("batch_export", None, finance)
    assert row.row_count == world.batch.line_count > 0
    assert row.filters == {"batch": world.batch.number}


def test_the_command_export_with_full_ids_is_recorded(tmp_path, finance, world):
    out = tmp_path / "sheet.xlsx"
    call_command(
        "export_disbursement",
        world.batch.number,
        out=str(out),
        user="finance",
        stdout=io.StringIO(),
    )
    row = IdNumberView.objects.get()
    assert (row.context, row.viewed_by, row.row_count) == (
        "batch_command",
        finance,
        world.batch.line_count,
    )
    assert row.filters["batch"] == world.batch.number


# --- 3. the audit page ----------------------------------------------------------------------


def audit(client, **params):
    return client.get(reverse("ledger:id_number_audit"), params)


def test_the_audit_page_is_for_the_district_office_and_administrators(
    client_for, anon_client, cast
):
    for name in ("district", "administrator"):
        response = audit(client_for(cast[name]))
        assert response.status_code == 200 and no_store(response)
    for name in ("official_a", "official_b", "finance"):
        assert audit(client_for(cast[name])).status_code == 403
    assert audit(anon_client).status_code == 302
    nav = reverse("ledger:id_number_audit")
    home = reverse("ledger:household_list")
    assert nav in client_for(cast["district"]).get(home).content.decode()
    assert nav not in client_for(cast["official_a"]).get(home).content.decode()


def test_the_audit_page_shows_who_when_what_and_filters(
    client_for, district, finance, administrator, programme, town_a, town_b
):
    ha = HouseholdFactory(programme=programme, town=town_a, head_name="王建国")
    hb = HouseholdFactory(programme=programme, town=town_b, head_name="李春梅")
    services.id_number_views_record(households=[ha], by=finance, context="detail")
    services.id_number_views_record(households=[hb], by=administrator, context="list")
    services.id_number_export_record(
        by=finance, context="ledger_export", town=None, count=7, filters={"q": "王", "items": "x"}
    )
    old = IdNumberView.objects.get(household=hb)
    IdNumberView.objects.filter(pk=old.pk).update(
        viewed_at=timezone.now() - datetime.timedelta(days=10)
    )
    client = client_for(district)
    html = audit(client).content.decode()
    assert "王建国" in html and "李春梅" in html and "7 户" in html and "finance" in html
    assert "items=x · q=王" in html
    html = audit(client, user_name="administrator").content.decode()
    assert "李春梅" in html and "王建国" not in html
    html = audit(client, town=town_a.pk).content.decode()
    assert "王建国" in html and "李春梅" not in html and "7 户" not in html
    since = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    html = audit(client, date_from=since).content.decode()
    assert "王建国" in html and "李春梅" not in html
    html = audit(client, context="ledger_export").content.decode()
    assert "7 户" in html and "王建国" not in html
    assert audit(client, date_from="not-a-date", page="x").status_code == 200


def test_the_audit_page_is_paginated(client_for, district, finance, programme, town_a):
    households = [HouseholdFactory(programme=programme, town=town_a) for _ in range(3)]
    for _ in range(20):
        services.id_number_views_record(households=households, by=finance, context="list")
    client = client_for(district)
    first = audit(client)
    assert len(first.context["page"].object_list) == 50
    assert 'rel="next"' in first.content.decode()
    assert len(audit(client, page=2).context["page"].object_list) == 10


# --- 5. another town's enrolment is not named ------------------------------------------------


def test_another_towns_enrolment_is_reported_without_naming_it(
    client_for, official_a, programme, town_a, town_b
):
    theirs = HouseholdFactory(programme=programme, town=town_b)
    with pytest.raises(ValidationError) as caught:
        services.household_register(
            programme=programme,
            town=town_a,
            by=official_a,
            village=HouseholdFactory(programme=programme, town=town_a).village,
            head_name="孙立新",
            id_number=theirs.id_number,
            route="gas",
        )
    text = " ".join(caught.value.messages)
    assert "其他镇（街道）" in text and town_b.name not in text
    own = HouseholdFactory(programme=programme, town=town_a)
    response = client_for(official_a).post(
        reverse("ledger:household_edit", args=[own.pk]),
        edit_data(own, id_number=theirs.id_number),
    )
    html = response.content.decode()
    assert response.status_code == 200 and "其他镇（街道）" in html
    assert town_b.name not in html.replace(town_b.name + "</option>", "")
    assert "台账编号" not in html  # the other town's household is not named either


def test_users_outside_the_cast_see_no_full_ids(client_for, household):
    nobody = UserFactory(username="viewer")
    group, _ = Group.objects.get_or_create(name="view-only")
    group.permissions.add(Permission.objects.get(codename="view_household"))
    nobody.groups.add(group)
    html = client_for(nobody).get(reverse("ledger:household_list")).content.decode()
    assert household.id_number not in html
    assert not IdNumberView.objects.exists()
