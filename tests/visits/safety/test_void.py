"""A way back from mistakes: an inspection, emergency plan or drill recorded by mistake is
withdrawn (voided with a reason after a ticked confirmation) by its town or the district
office; it stays with its history, and leaves the counts, the reminder and the reports."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.access import battery
from tests.visits.safety.test_pages import drill_a, plan_a  # noqa: F401 (fixtures)
from visits.models import Drill, EmergencyPlan, HazardFinding, HazardInspection
from visits.safety import queries, services

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"visits:safety:{name}", args=args)


def void_post(client, name, pk, **extra):
    return client.post(url(name, pk), {"reason": "重复登记", "confirm": "on", **extra})


def row(town, today=None):
    return next(r for r in queries.safety_by_town([town.pk], today))


def test_the_void_pages_access_battery(cast, inspection_a, plan_a, drill_a):  # noqa: F811
    a, b, district, finance = (cast[k] for k in ("official_a", "official_b", "district", "finance"))
    for name, pk in (
        ("inspection_void", inspection_a.pk),
        ("plan_void", plan_a.pk),
        ("drill_void", drill_a.pk),
    ):
        battery(url(name, pk), ok=[a, district], not_found=[b], forbidden=[finance])
        battery(
            url(name, pk),
            method="post",
            data={"reason": "x"},  # no ticked box: nothing changes, the form says so
            ok=[a, district],
            not_found=[b],
            forbidden=[finance],
            wrong_method="put",
        )
    assert not HazardInspection.objects.filter(voided_at__isnull=False).exists()


def test_voiding_an_inspection_needs_the_ticked_box_and_drops_its_counts(
    client_for, official_a, town_a, inspection_a, today
):
    before = row(town_a, today)
    assert (before.open, before.overdue) == (2, 1)
    a = client_for(official_a)
    refused = a.post(url("inspection_void", inspection_a.pk), {"reason": "重复登记"})
    assert refused.status_code == 200 and "请勾选确认后再提交" in refused.content.decode()
    assert row(town_a, today).open == 2

    response = void_post(a, "inspection_void", inspection_a.pk)
    assert response.status_code == 302 and response["Location"] == inspection_a.get_absolute_url()
    inspection_a.refresh_from_db()
    assert inspection_a.voided and inspection_a.void_reason == "重复登记"
    assert inspection_a.voided_by == official_a
    after = row(town_a, today)
    assert (after.open, after.overdue, after.total) == (0, 0, 0)
    assert queries.overdue_findings_by_town(today) == {}
    assert queries.household_findings(inspection_a.household) == []
    assert not queries.inspections_for_user(official_a).exists()
    assert list(queries.inspections_for_user(official_a, state="voided")) == [inspection_a]
    # Kept with its history, which names the withdrawal.
    page = a.get(inspection_a.get_absolute_url()).content.decode()
    assert 'id="voided-note"' in page and "重复登记" in page and "撤销误登记" in page
    assert 'class="stacked rectify-form"' not in page
    assert HazardFinding.objects.filter(inspection=inspection_a).count() == 2


def test_a_finding_of_a_voided_inspection_is_no_longer_handled(
    official_a, district, inspection_a, today
):
    services.safety_void(record=inspection_a, reason="登记错村", by=district)
    finding = inspection_a.findings.first()
    with pytest.raises(ValidationError, match="已撤销"):
        services.finding_rectify(
            finding=finding, rectified_on=today, rectification="已修", by=official_a
        )


def test_voiding_twice_is_refused_in_chinese(client_for, district, inspection_a):
    c = client_for(district)
    assert void_post(c, "inspection_void", inspection_a.pk).status_code == 302
    again = void_post(c, "inspection_void", inspection_a.pk)
    assert again.status_code == 200 and 'id="already-voided"' in again.content.decode()
    with pytest.raises(ValidationError, match="已于"):
        services.safety_void(record=inspection_a, reason="再撤", by=district)


def test_a_reason_is_required(client_for, official_a, inspection_a):
    r = client_for(official_a).post(url("inspection_void", inspection_a.pk), {"confirm": "on"})
    assert r.status_code == 200
    assert not HazardInspection.objects.get(pk=inspection_a.pk).voided


def test_voiding_a_plan_and_a_drill_drops_the_towns_counts(
    client_for,
    official_a,
    district,
    town_a,
    plan_a,  # noqa: F811
    drill_a,  # noqa: F811
):
    before = row(town_a)
    assert (before.plans, before.drills, before.fire_service_drills) == (1, 1, 1)
    assert void_post(client_for(official_a), "drill_void", drill_a.pk).status_code == 302
    assert void_post(client_for(district), "plan_void", plan_a.pk).status_code == 302
    after = row(town_a)
    assert (after.plans, after.drills, after.fire_service_drills) == (0, 0, 0)
    assert after.last_drill is None
    assert Drill.objects.get(pk=drill_a.pk).voided_by == official_a
    assert EmergencyPlan.objects.get(pk=plan_a.pk).voided_by == district
    assert EmergencyPlan.history.filter(id=plan_a.pk).count() == 2
    page = client_for(official_a).get(url("emergency")).content.decode()
    assert page.count("status-voided") == 2
    # A voided plan is no longer offered to a new drill.
    form = client_for(official_a).get(url("drill_new")).content.decode()
    assert f'value="{plan_a.pk}"' not in form


def test_the_pdf_section_leaves_voided_records_out(district, town_a, inspection_a, plan_a):  # noqa: F811
    services.safety_void(record=inspection_a, reason="重复登记", by=district)
    services.safety_void(record=plan_a, reason="重复上传", by=district)
    rows = queries.report_rows(None, town_a.pk)
    assert (rows[0].total, rows[0].plans) == (0, 0)


def test_the_inspection_list_hides_voided_ones_unless_asked(
    client_for, official_a, district, inspection_a
):
    services.safety_void(record=inspection_a, reason="重复登记", by=district)
    a = client_for(official_a)
    listed = a.get(url("inspection_list")).context["page"].object_list
    assert list(listed) == []
    voided = a.get(url("inspection_list"), {"state": "voided"}).context["page"].object_list
    assert [i.pk for i in voided] == [inspection_a.pk]
