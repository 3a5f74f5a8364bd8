"""Village pages: the access battery on every URL, what each role sees, the forms' outcomes,
and the hint where a form has no village to offer."""

import pytest
from django.urls import reverse

from tasks.models import Household, Village
from tests.access import battery
from tests.factories import UserFactory, VillageFactory


@pytest.fixture
def stranger(programme_data):
    return UserFactory(username="no-role")


def test_list_access_battery(cast, town_a, stranger):
    battery(
        reverse("villages:list"),
        ok=[cast["official_a"], cast["district"], cast["administrator"]],
        forbidden=[cast["finance"], stranger],
        wrong_method="post",
    )
    battery(
        reverse("villages:list") + f"?town={town_a.code}",
        ok=[cast["official_a"], cast["district"]],
        not_found=[cast["official_b"]],
        forbidden=[cast["finance"]],
    )


def test_add_access_battery(cast, stranger):
    battery(
        reverse("villages:add"),
        ok=[cast["official_a"], cast["administrator"]],
        forbidden=[cast["district"], cast["finance"], stranger],
        wrong_method="put",
    )


def test_detail_access_battery(cast, east, stranger):
    battery(
        reverse("villages:detail", args=[east.pk]),
        ok=[cast["official_a"], cast["district"], cast["administrator"]],
        not_found=[cast["official_b"]],
        forbidden=[cast["finance"], stranger],
        wrong_method="post",
    )


@pytest.mark.parametrize("name", ["rename", "merge"])
def test_rename_and_merge_pages_access_battery(cast, east, west, stranger, name):
    battery(
        reverse(f"villages:{name}", args=[east.pk]),
        ok=[cast["official_a"], cast["administrator"]],
        not_found=[cast["official_b"]],
        forbidden=[cast["district"], cast["finance"], stranger],
        wrong_method="put",
    )


def test_rename_post_access_battery(cast, east, stranger):
    url = reverse("villages:rename", args=[east.pk])
    battery(
        url,
        method="post",
        data={"name": "东庄村"},
        ok=[cast["official_a"]],
        ok_status=302,
        not_found=[cast["official_b"]],
        forbidden=[cast["district"], cast["finance"], stranger],
    )
    east.refresh_from_db()
    assert east.name == "东庄村"


def test_merge_post_access_battery(cast, east, west, stranger):
    url = reverse("villages:merge", args=[east.pk])
    data = {"target": west.pk, "confirm": "on"}
    # Refusals first, while the village still exists: each one changes nothing.
    battery(
        url,
        method="post",
        data=data,
        ok=[],
        not_found=[cast["official_b"]],
        forbidden=[cast["district"], cast["finance"], stranger],
    )
    assert Village.objects.filter(pk=east.pk).exists()
    battery(url, method="post", data=data, ok=[cast["official_a"]], ok_status=302)
    assert not Village.objects.filter(pk=east.pk).exists()


def test_an_official_lists_only_their_towns_villages(
    client_for, official_a, east, west, other_town_village
):
    page = client_for(official_a).get(reverse("villages:list")).context["page"]
    assert [v.name for v in page] == ["东村", "西村"]


def test_the_district_office_lists_every_town_and_filters_by_one(
    client_for, district, town_b, east, west, other_town_village
):
    client = client_for(district)
    assert client.get(reverse("villages:list")).context["page"].paginator.count == 3
    page = client.get(reverse("villages:list"), {"town": town_b.code}).context["page"]
    assert [v.name for v in page] == ["北村"]


def test_search_by_name_or_code_and_pages_of_fifty(client_for, official_a, town_a, east):
    for i in range(60):
        VillageFactory(town=town_a, name=f"测试{i:02d}村")
    client = client_for(official_a)
    first = client.get(reverse("villages:list")).context["page"]
    assert (len(first), first.paginator.num_pages) == (50, 2)
    assert len(client.get(reverse("villages:list"), {"page": 2}).context["page"]) == 11
    assert [v.name for v in client.get(reverse("villages:list"), {"q": "东"}).context["page"]] == [
        "东村"
    ]
    by_code = client.get(reverse("villages:list"), {"q": "370302115"}).context["page"]
    assert [v.name for v in by_code] == ["东村"]


def test_add_form_creates_in_the_officials_town(client_for, official_a, town_a):
    response = client_for(official_a).post(reverse("villages:add"), {"name": "新村", "code": ""})
    assert response.status_code == 302
    assert Village.objects.get(name="新村").town == town_a


def test_add_form_shows_the_refusal_on_the_field(client_for, official_a, east):
    response = client_for(official_a).post(reverse("villages:add"), {"name": "东村"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Village.objects.filter(name="东村").count() == 1


def test_merge_without_the_ticked_box_changes_nothing(client_for, official_a, east, west):
    response = client_for(official_a).post(
        reverse("villages:merge", args=[east.pk]), {"target": west.pk}
    )
    assert response.status_code == 200
    assert "confirm" in response.context["form"].errors
    assert Village.objects.filter(pk=east.pk).exists()
    assert b'type="checkbox"' in response.content
    assert b"onclick" not in response.content and b"onsubmit" not in response.content


def test_merge_into_another_towns_village_is_not_offered(
    client_for, official_a, east, other_town_village
):
    response = client_for(official_a).post(
        reverse("villages:merge", args=[east.pk]),
        {"target": other_town_village.pk, "confirm": "on"},
    )
    assert response.status_code == 200
    assert "target" in response.context["form"].errors
    assert Village.objects.filter(pk=east.pk).exists()


def test_merge_refusal_is_shown_on_the_form(
    client_for, official_a, east_with_work, west, approved_plan_a
):
    from tests.tasks.villages.conftest import plan_line

    east, households, _line = east_with_work
    plan_line(approved_plan_a, west)
    response = client_for(official_a).post(
        reverse("villages:merge", args=[east.pk]), {"target": west.pk, "confirm": "on"}
    )
    assert response.status_code == 200
    assert "实施方案" in str(response.context["form"].errors["target"])
    assert Household.objects.filter(village=east).count() == len(households)


def test_detail_shows_the_history_with_the_reason(client_for, official_a, east):
    client = client_for(official_a)
    client.post(reverse("villages:rename", args=[east.pk]), {"name": "东庄村"})
    html = client.get(reverse("villages:detail", args=[east.pk])).content.decode()
    assert "村（居）更名" in html and "东村" in html and "东庄村" in html


def test_the_household_form_says_what_to_do_when_the_town_has_no_villages(
    client_for, official_a, town_a
):
    html = client_for(official_a).get(reverse("ledger:household_create")).content.decode()
    assert "本镇还没有村（居），请先到" in html
    assert f'href="{reverse("villages:list")}"' in html
    VillageFactory(town=town_a, name="东村")
    html = client_for(official_a).get(reverse("ledger:household_create")).content.decode()
    assert "本镇还没有村（居）" not in html


def test_the_plan_editor_says_what_to_do_when_the_town_has_no_villages(
    client_for, official_a, town_a
):
    url = reverse("plans:plan_edit", args=[town_a.code])
    html = client_for(official_a).get(url).content.decode()
    assert "本镇还没有村（居），请先到" in html
    assert f'href="{reverse("villages:list")}"' in html
    VillageFactory(town=town_a, name="东村")
    assert "本镇还没有村（居）" not in client_for(official_a).get(url).content.decode()


def test_the_navigation_leads_officials_and_the_district_office_there(
    client_for, official_a, district, finance
):
    href = f'href="{reverse("villages:list")}"'
    for user in (official_a, district):
        assert href in client_for(user).get(reverse("ledger:household_list")).content.decode()
    assert href not in client_for(finance).get(reverse("ledger:household_list")).content.decode()


def test_the_pages_read_in_english(client_for, official_a, east):
    client = client_for(official_a)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    client.post(reverse("villages:rename", args=[east.pk]), {"name": "东庄村"})
    html = client.get(reverse("villages:detail", args=[east.pk])).content.decode()
    assert "Village renamed" in html and "Statistical division code" in html
    assert "Villages" in client.get(reverse("villages:list")).content.decode()
    # The reason is stored as the Chinese msgid whatever the reader's language.
    assert east.history.latest("history_id").history_change_reason == "村（居）更名"


def test_the_counts_are_each_villages_households_and_plan_lines(
    client_for, district, programme, town_a, east, west, other_town_village, approved_plan_a
):
    """From the household tally and a plan-line count: every status and programme summed,
    equal to a recount, and 0 for a village without any."""
    from tests.factories import HouseholdFactory, ProgrammeFactory
    from tests.tasks.villages.conftest import plan_line

    later = ProgrammeFactory(year=2022, is_active=False)
    for status in ("surveyed", "built", "accepted"):
        HouseholdFactory(programme=programme, town=town_a, village=east, status=status)
    HouseholdFactory(
        programme=programme, town=town_a, village=east, status="withdrawn", withdrawal_reason="迁出"
    )
    HouseholdFactory(programme=later, town=town_a, village=east)
    HouseholdFactory(programme=programme, town=town_a, village=west)
    plan_line(approved_plan_a, east)
    plan_line(approved_plan_a, east, route="electric")
    page = client_for(district).get(reverse("villages:list")).context["page"]
    counts = {v.name: (v.household_count, v.plan_line_count) for v in page}
    assert counts == {
        v.name: (v.households.count(), v.plan_lines.count())
        for v in (east, west, other_town_village)
    }
    assert counts["东村"] == (5, 2) and counts["北村"] == (0, 0)
