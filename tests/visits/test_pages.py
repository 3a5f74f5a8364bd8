"""Every page of visits and cases: the access battery, the draw with its confirmation, the
visit form, the case actions, the dashboard and the reports' section."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from tasks.progress.reports import district_context, town_context
from tests.access import battery
from tests.conftest import login
from tests.visits.helpers import draw, findings, first_visit
from visits import services
from visits.models import Case, CaseCategory, CaseSource, CaseStatus, VisitSample

pytestmark = pytest.mark.django_db
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 100


@pytest.fixture
def world(pay, town_a, town_b, cast):
    pay(town_a, 6)
    pay(town_b, 2)
    sample = draw(cast["district"])
    visit = first_visit(sample, town_a)
    from django.core.files.uploadedfile import SimpleUploadedFile

    visit, cases = services.visit_record(
        visit=visit,
        by=cast["official_a"],
        findings=findings(subsidy_received=False, amount_confirmed=None),
        photos=[SimpleUploadedFile("a.jpg", JPEG)],
    )
    secret = services.case_open(
        town=town_a,
        category=CaseCategory.FALSE_CLAIM,
        source=CaseSource.COMPLAINT,
        title="举报冒领",
        description="邻居举报。",
        by=cast["district"],
    )
    return {"sample": sample, "visit": visit, "case": cases[0], "secret": secret, **cast}


def test_the_access_battery_on_every_page(world):
    w = world
    a, b, d, f, adm = (
        w["official_a"],
        w["official_b"],
        w["district"],
        w["finance"],
        w["administrator"],
    )
    u = lambda name, *args: reverse(f"visits:{name}", args=args)  # noqa: E731
    battery(u("visit_list"), ok=[a, d, adm], forbidden=[f], wrong_method="post")
    battery(
        u("visit_detail", w["visit"].pk),
        ok=[a, d],
        not_found=[b],
        forbidden=[f],
        wrong_method="put",
    )
    photo = w["visit"].photos.get()
    battery(u("photo", photo.pk), ok=[a, d], not_found=[b], forbidden=[f], wrong_method="post")
    battery(u("sample_list"), ok=[a, d, adm], forbidden=[f], wrong_method="post")
    battery(u("sample_draw"), ok=[d, adm], forbidden=[a, f], wrong_method="put")
    battery(u("sample_detail", w["sample"].pk), ok=[a, b, d], forbidden=[f], wrong_method="post")
    battery(u("case_list"), ok=[a, b, d, adm], forbidden=[f], wrong_method="post")
    battery(u("case_new"), ok=[a, d, adm], forbidden=[f], wrong_method="put")
    case = w["case"]
    battery(
        u("case_detail", case.pk), ok=[a, d, adm], not_found=[b], forbidden=[f], wrong_method="post"
    )
    battery(u("case_detail", w["secret"].pk), ok=[d], not_found=[a, b, adm], forbidden=[f])
    battery(
        u("case_act", case.pk, "start"),
        method="post",
        ok=[a],
        ok_status=302,
        not_found=[b],
        forbidden=[f],
        wrong_method="get",
    )
    battery(
        u("case_act", w["secret"].pk, "start"), method="post", ok=[d], ok_status=302, not_found=[a]
    )
    battery(
        u("case_notice", case.pk),
        method="post",
        ok=[d],
        ok_status=302,
        forbidden=[a, b, f],
        data={"deadline": timezone.localdate().isoformat(), "confirm": "on"},
        wrong_method="get",
    )
    battery(u("dashboard"), ok=[a, b, d, adm], forbidden=[f], wrong_method="post")
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and case.notice is not None


def test_the_draw_page_previews_then_draws_only_when_ticked(pay, town_a, district):
    pay(town_a, 5)
    c = login(district)
    data = {"season": "2025-2026", "confidence": "0.95", "margin": "0.05", "seed": "7"}
    preview = c.post(reverse("visits:sample_draw"), data)
    assert preview.status_code == 200
    assert "将抽取 5 户" in preview.content.decode()
    assert not VisitSample.objects.exists()
    done = c.post(reverse("visits:sample_draw"), {**data, "confirm": "on"})
    sample = VisitSample.objects.get()
    assert done.status_code == 302 and done.url == sample.get_absolute_url()
    again = c.post(reverse("visits:sample_draw"), {**data, "confirm": "on", "seed": "8"})
    assert "不能重复抽取" in again.content.decode()
    assert VisitSample.objects.count() == 1


def test_the_visit_form_records_and_a_mismatch_shows_its_case(pay, town_a, district, official_a):
    pay(town_a, 1)
    visit = first_visit(draw(district), town_a)
    c = login(official_a)
    page = c.get(visit.get_absolute_url())
    assert 'id="visit-form"' in page.content.decode()
    assert "geolocation=(self)" in page["Permissions-Policy"]
    form = {
        "heating_works": "1",
        "alarm_present": "1",
        "alarm_working": "1",
        "stove_gone": "0",
        "subsidy_received": "1",
        "amount_confirmed": "1200.00",
        "satisfaction": "3",
        "remarks": "",
    }
    response = c.post(visit.get_absolute_url(), form, follow=True)
    assert "已自动生成工单" in response.content.decode()
    case = Case.objects.get()
    assert case.category == CaseCategory.SAFETY
    again = c.post(visit.get_absolute_url(), form)
    assert again.status_code in (200, 302)
    assert Case.objects.count() == 1


def test_a_bad_visit_form_names_the_field_and_writes_nothing(pay, town_a, district, official_a):
    pay(town_a, 1)
    visit = first_visit(draw(district), town_a)
    response = login(official_a).post(
        visit.get_absolute_url(),
        {
            "heating_works": "1",
            "alarm_present": "1",
            "alarm_working": "1",
            "stove_gone": "1",
            "subsidy_received": "1",
            "satisfaction": "4",
        },
    )
    assert response.status_code == 200
    assert "已收到补贴时请填写户主确认的金额" in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == "pending"


def test_the_dashboard_and_the_reports_show_coverage_satisfaction_and_cases(
    world, programme, town_a
):
    response = login(world["district"]).get(reverse("visits:dashboard"))
    rows = {r["town"]: r for r in response.context["rows"]}
    assert rows["洪山镇"]["done"] == 1 and rows["洪山镇"]["satisfaction"] == 5
    assert rows["洪山镇"]["open"] == 2  # the visit's case and the sensitive one
    official = login(world["official_a"]).get(reverse("visits:dashboard"))
    assert [r["town"] for r in official.context["rows"]] == ["洪山镇"]
    assert official.context["rows"][0]["open"] == 1  # not the sensitive one
    ctx = district_context(programme, datetime.date(2026, 12, 1))
    rows = {r["town"]: r for r in ctx["visits"]["rows"]}
    assert rows["洪山镇"]["open"] == 1 and rows["洪山镇"]["drawn"] >= 1
    html = render_to_string("tasks/reports/district.html", ctx)
    assert "访民问暖：回访与工单" in html
    town = town_context(programme, town_a, datetime.date(2026, 12, 1), annex=False)
    assert [r["town"] for r in town["visits"]["rows"]] == ["洪山镇"]


def test_the_pages_read_in_english(world):
    import re

    from tasks.models import Town, Village
    from tests.core.test_translations import CJK, chrome, english

    names = [*Town.objects.values_list("name", flat=True)]
    names += [*Village.objects.values_list("name", flat=True)]
    names += [world["case"].title, world["secret"].title, str(world["visit"].household.head_name)]
    names.sort(key=len, reverse=True)
    pages = [
        reverse("visits:visit_list"),
        world["visit"].get_absolute_url(),
        reverse("visits:sample_list"),
        reverse("visits:sample_draw"),
        world["sample"].get_absolute_url(),
        reverse("visits:case_list"),
        reverse("visits:case_new"),
        world["case"].get_absolute_url(),
        reverse("visits:dashboard"),
    ]
    c = login(world["district"])
    for url in pages:
        for part in chrome(english(c, url)):
            text = re.sub(r"<[^>]+>", " ", part)
            for name in names:
                text = text.replace(name, "")
            assert not CJK.search(text), (url, text)


def test_the_lists_cost_a_fixed_number_of_queries(
    world, pay, town_a, django_assert_max_num_queries
):
    c = login(world["district"])
    for _i in range(3):
        services.case_open(
            town=town_a,
            category=CaseCategory.NO_HEAT,
            source=CaseSource.COMPLAINT,
            title="不热",
            description="室内 12 度。",
            by=world["district"],
        )
    for url in (
        reverse("visits:visit_list"),
        reverse("visits:case_list"),
        reverse("visits:dashboard"),
    ):
        with django_assert_max_num_queries(20):
            assert c.get(url).status_code == 200


def test_the_case_list_filters_by_town_and_a_town_official_cannot_name_another(
    world, town_a, town_b
):
    url = reverse("visits:case_list")
    district = login(world["district"])
    mine = district.get(url, {"town": town_a.pk, "status": ""}).context["page"].object_list
    assert {c.town_id for c in mine} == {town_a.pk} and len(mine) == 2
    assert not district.get(url, {"town": town_b.pk}).context["page"].object_list
    assert login(world["official_a"]).get(url, {"town": town_b.pk}).status_code == 404
    dashboard = district.get(reverse("visits:dashboard")).content.decode()
    assert f"town={town_a.pk}" in dashboard


def test_the_visit_list_puts_the_visits_still_to_make_first(world):
    page = login(world["official_a"]).get(reverse("visits:visit_list")).context["page"]
    statuses = [v.status for v in page.object_list]
    assert statuses == sorted(statuses, key=lambda s: s != "pending")
    assert statuses[0] == "pending" and statuses[-1] == "done"
