"""The visit and case lists: search by the householder's name or the tail of the ID number,
filter by town (the district; an official naming another town gets 404), sort, paginate."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.visits.helpers import draw, findings, first_visit
from visits import services
from visits.models import Case, CaseCategory, CaseSource, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def lists(pay, town_a, town_b, cast):
    pay(town_a, 4)
    pay(town_b, 2)
    sample = draw(cast["district"])
    visit = first_visit(sample, town_a)
    visit, cases = services.visit_record(
        visit=visit, by=cast["official_a"], findings=findings(satisfaction=1, heating_works=False)
    )
    other = services.case_open(
        town=town_b,
        category=CaseCategory.NO_HEAT,
        source=CaseSource.COMPLAINT,
        title="南边不热",
        description="室温低。",
        by=cast["district"],
    )
    return {"visit": visit, "case": cases[0], "other": other, "sample": sample}


def ids(response):
    return [o.pk for o in response.context["page"].object_list]


def test_the_visit_list_searches_by_id_tail_and_name(client_for, district, lists):
    household = lists["visit"].household
    c = client_for(district)
    assert ids(c.get(reverse("visits:visit_list"), {"q": household.id_number[-4:]})) == [
        lists["visit"].pk
    ]
    # Part of the name: the factory's names end in a counter, which past 999 reads as an ID
    # tail ("2451"), so this household gets a name of its own.
    household.head_name = "王秀英"
    household.save(update_fields=["head_name"])
    assert ids(c.get(reverse("visits:visit_list"), {"q": "秀英"})) == [lists["visit"].pk]


def test_the_visit_list_filters_by_town_and_sorts(client_for, district, official_a, town_b, lists):
    c = client_for(district)
    in_b = ids(c.get(reverse("visits:visit_list"), {"town": town_b.pk}))
    assert in_b and set(in_b) == set(Visit.objects.filter(town=town_b).values_list("pk", flat=True))
    recent = ids(c.get(reverse("visits:visit_list"), {"sort": "recent"}))
    assert recent[0] == lists["visit"].pk  # the one visited first (others not yet visited)
    low = ids(c.get(reverse("visits:visit_list"), {"sort": "satisfaction"}))
    assert low[0] == lists["visit"].pk
    assert c.get(reverse("visits:visit_list"), {"sort": "x; drop"}).status_code == 200
    a = client_for(official_a)
    assert a.get(reverse("visits:visit_list"), {"town": town_b.pk}).status_code == 404


def test_the_case_list_searches_by_id_tail_and_part_of_a_name(client_for, district, lists):
    household = lists["case"].household
    c = client_for(district)
    url = reverse("visits:case_list")
    assert ids(c.get(url, {"q": household.id_number[-6:], "status": ""})) == [lists["case"].pk]
    assert lists["case"].pk in ids(c.get(url, {"q": household.head_name[:1], "status": ""}))


def test_the_case_list_sorts_by_deadline(client_for, district, lists):
    c = client_for(district)
    by_deadline = ids(c.get(reverse("visits:case_list"), {"sort": "deadline", "status": ""}))
    expected = list(Case.objects.order_by("deadline", "id").values_list("pk", flat=True))
    assert by_deadline == expected
    newest = ids(c.get(reverse("visits:case_list"), {"status": ""}))
    assert newest == list(Case.objects.order_by("-opened_at", "-id").values_list("pk", flat=True))
    assert lists["other"].pk in newest and lists["other"].deadline > timezone.now()


def test_a_filtered_empty_visit_list_says_to_adjust_the_filters(client_for, official_a, lists):
    body = client_for(official_a).get(reverse("visits:visit_list"), {"q": "无此人"})
    assert "请调整筛选条件" in body.content.decode()
