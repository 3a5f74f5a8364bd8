"""The ledger list at scale: rows written in Python (escaped like the template) and pages of a
set too large to count (no total shown, 上一页 / 下一页 only)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tasks.models import Household, HouseholdStatus, Route
from tasks.validators import mask_id_number
from tests.factories import HouseholdFactory

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="planner estimates: PostgreSQL"
)
LIST = reverse("ledger:household_list")


def rows_of(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr data-id=.*?</tr>", body, re.S)


def test_a_row_escapes_every_value_and_links_the_household(
    client_for, official_a, programme, town_a, village_a
):
    village_a.name = "东村<b>"
    village_a.save()
    h = HouseholdFactory(
        programme=programme,
        town=town_a,
        village=village_a,
        head_name='王"<script>',
        phone="",
        route=Route.choices[0][0],
        status=HouseholdStatus.CONTRACTED,
    )
    html = client_for(official_a).get(LIST).content.decode()
    [row] = rows_of(html)
    assert "<script>" not in row and "<b>" not in row
    assert "王&quot;&lt;script&gt;" in row and "东村&lt;b&gt;" in row
    assert f'<a href="{reverse("ledger:household_detail", args=[h.pk])}">' in row
    assert f'<input type="checkbox" name="ids" value="{h.pk}"' in row  # may change: bulk box
    assert 'aria-label="勾选 王&quot;&lt;script&gt;"' in row
    assert f"<td>{Route.choices[0][1]}</td>" in row and "<td>—</td>" in row  # no phone
    assert '<span class="status status-contracted">已签约</span>' in row
    assert f'<td class="id-number">{mask_id_number(h.id_number)}</td>' in row
    assert f"<td>{town_a.name}</td>" not in row  # an official's own town needs no column


def test_district_rows_show_the_town_and_no_bulk_box(
    client_for, district, household_a, household_b, town_a, town_b
):
    html = client_for(district).get(LIST).content.decode()
    rows = rows_of(html)
    assert len(rows) == 2
    assert {town_a.name, town_b.name} == {
        re.search(r"<td>(.*?)</td>", row)[1] for row in rows
    }  # the first cell is the town
    assert 'name="ids"' not in html


def test_rows_show_full_id_numbers_only_to_who_may_see_them(
    client_for, finance, official_a, household_a
):
    assert household_a.id_number in client_for(finance).get(LIST).content.decode()
    html = client_for(official_a).get(LIST).content.decode()
    assert household_a.id_number not in html and mask_id_number(household_a.id_number) in html


@needs_postgres
def test_a_huge_set_is_not_counted_and_pages_by_next_and_previous(
    client_for, district, programme, town_a, village_a, monkeypatch
):
    monkeypatch.setattr("zichuan_heating.pagination.COUNT_LIMIT", 0)
    made = HouseholdFactory.create_batch(12, programme=programme, town=town_a, village=village_a)
    newest_first = sorted((h.pk for h in made), reverse=True)
    client = client_for(district)
    with CaptureQueriesContext(connection) as ctx:
        first = client.get(LIST, {"per_page": 10})
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"]]
    assert not [sql for sql in counts if "tasks_household" in sql], counts
    html = first.content.decode()
    assert "共 12 户" not in html and "未逐一计数" in html
    assert [int(re.search(r'data-id="(\d+)"', r)[1]) for r in rows_of(html)] == newest_first[:10]
    assert 'rel="next"' in html and 'rel="prev"' not in html and "第 1 页" in html
    assert "全部符合当前筛选条件的户" not in html  # the district office does no bulk actions

    second = client.get(LIST, {"per_page": 10, "page": 2}).content.decode()
    assert [int(re.search(r'data-id="(\d+)"', r)[1]) for r in rows_of(second)] == newest_first[10:]
    assert 'rel="prev"' in second and 'rel="next"' not in second and "第 2 页" in second

    past_the_end = client.get(LIST, {"per_page": 10, "page": 9}).context["page"]
    assert (past_the_end.number, len(past_the_end.object_list)) == (1, 10)


@needs_postgres
def test_the_bulk_box_of_an_uncounted_set_names_no_figure(
    client_for, official_a, programme, town_a, village_a, monkeypatch
):
    monkeypatch.setattr("zichuan_heating.pagination.COUNT_LIMIT", 0)
    HouseholdFactory.create_batch(3, programme=programme, town=town_a, village=village_a)
    html = client_for(official_a).get(LIST).content.decode()
    assert "全部符合当前筛选条件的户" in html and "共 3 户" not in html


@needs_postgres
def test_small_sets_are_counted_exactly(programme, town_a, village_a):
    from zichuan_heating.pagination import page_of

    HouseholdFactory.create_batch(30, programme=programme, town=town_a, village=village_a)
    page = page_of(Household.objects.order_by("-id"), 10, "3")
    assert page.counted and page.paginator.count == 30 and page.number == 3
    assert not page.has_next()


def test_a_household_without_history_rows_opens(client_for, official_a, household_a):
    """Rows written in bulk (bench data, an old import) may have no history row yet."""
    household_a.history.all().delete()
    response = client_for(official_a).get(reverse("ledger:household_detail", args=[household_a.pk]))
    assert response.status_code == 200 and response.context["history"] == []


def test_the_official_and_their_town_are_read_in_one_query(client_for, official_a, household_a):
    client = client_for(official_a)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(LIST).content.decode()
    assert official_a.town.name in html  # the header names the town
    town_alone = [
        q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT "tasks_town"')
    ]
    assert town_alone == []
    [user_query] = [
        q["sql"] for q in ctx.captured_queries if 'FROM "zichuan_heating_user"' in q["sql"]
    ]
    assert 'JOIN "tasks_town"' in user_query
