"""A household's page shows how to reach both safety officers of its plan line (双安全员), with
tel: links, and says clearly when the line has fewer than two or there is no line."""

import datetime

import pytest
from django.urls import reverse

from tasks.models import TownPlanLine

pytestmark = pytest.mark.django_db


def line(plan, village, **officers):
    return TownPlanLine.objects.create(
        plan=plan,
        village=village,
        route="gas",
        households=30,
        planned_start=datetime.date(2021, 6, 20),
        planned_finish=datetime.date(2021, 8, 20),
        **officers,
    )


def page(client_for, user, household) -> str:
    response = client_for(user).get(reverse("ledger:household_detail", args=[household.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_household_page_shows_both_safety_officers_with_tel_links(
    client_for, official_a, district, approved_plan_a, household_a
):
    line(
        approved_plan_a,
        household_a.village,
        contractor_safety_officer="赵安全",
        contractor_safety_phone="0533-5181234",
        village_safety_officer="孙村安",
        village_safety_phone="13905331111",
    )
    for user in (official_a, district):
        html = page(client_for, user, household_a)
        assert 'id="household-safety"' in html
        assert "企业安全员：赵安全" in html and "村级安全员：孙村安" in html
        assert 'href="tel:05335181234"' in html and 'href="tel:13905331111"' in html
        assert 'id="officers-missing"' not in html


def test_a_line_with_one_safety_officer_is_flagged(
    client_for, official_a, approved_plan_a, household_a
):
    line(
        approved_plan_a,
        household_a.village,
        contractor_safety_officer="赵安全",
        contractor_safety_phone="13905332222",
    )
    html = page(client_for, official_a, household_a)
    assert 'href="tel:13905332222"' in html
    assert "该方案行只登记了 1 名有联系电话的安全员" in html and 'id="officers-missing"' in html


def test_an_officer_without_a_phone_is_flagged_too(
    client_for, official_a, approved_plan_a, household_a
):
    line(
        approved_plan_a,
        household_a.village,
        contractor_safety_officer="赵安全",
        contractor_safety_phone="13905332222",
        village_safety_officer="孙村安",
    )
    html = page(client_for, official_a, household_a)
    assert "孙村安" in html and "（未登记电话）" in html
    assert "该方案行只登记了 1 名有联系电话的安全员" in html
    assert 'id="officers-missing"' in html


def test_without_a_plan_line_the_page_says_there_is_no_safety_officer(
    client_for, official_a, approved_plan_a, household_a
):
    html = page(client_for, official_a, household_a)
    assert "已核准的实施方案中没有该户所在村（居）和改造方式的方案行" in html
    assert 'href="tel:' not in html


def test_the_household_page_lists_its_open_findings_and_links_to_record_one(
    client_for, official_a, finance, household_a, inspection_a
):
    html = page(client_for, official_a, household_a)
    assert "燃气报警器未通电" in html and "烟道出口距窗户过近" in html
    assert f"?household={household_a.pk}" in html
    # The finance bureau sees the household, not the safety records.
    html = page(client_for, finance, household_a)
    assert "燃气报警器未通电" not in html and 'id="household-safety"' in html
