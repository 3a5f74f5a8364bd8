"""The dashboard's progress columns count the ledger: cumulative and current stages, withdrawn
excluded."""

from django.urls import reverse

from tasks.models import HouseholdStatus
from tasks.progress.queries import stage_counts_by_town
from tests.factories import HouseholdFactory

S = HouseholdStatus


def make(programme, town, village, statuses):
    for status in statuses:
        extra = {"withdrawal_reason": "搬迁"} if status == S.WITHDRAWN else {}
        HouseholdFactory(programme=programme, town=town, village=village, status=status, **extra)


def test_stage_counts_are_cumulative_and_skip_withdrawn(
    programme, town_a, town_b, village_a, village_b
):
    make(
        programme,
        town_a,
        village_a,
        [S.SURVEYED, S.SURVEYED, S.CONTRACTED, S.UNDER_CONSTRUCTION, S.BUILT, S.ACCEPTED],
    )
    make(programme, town_a, village_a, [S.WITHDRAWN])
    make(programme, town_b, village_b, [S.CONTRACTED])
    counts = stage_counts_by_town(programme, [town_a.pk, town_b.pk])
    assert counts[town_a.pk] == {
        "registered": 6,
        "contracted": 4,
        "started": 3,
        "built": 2,
        "accepted": 1,
        # Current: the status today.
        "surveyed": 2,
        "awaiting_start": 1,
        "under_construction": 1,
        "awaiting_acceptance": 1,
    }
    assert counts[town_b.pk] == {
        "registered": 1,
        "contracted": 1,
        "started": 0,
        "built": 0,
        "accepted": 0,
        "surveyed": 0,
        "awaiting_start": 1,
        "under_construction": 0,
        "awaiting_acceptance": 0,
    }


def test_stage_counts_are_one_query_and_zero_for_towns_without_households(
    programme, town_a, django_assert_num_queries
):
    with django_assert_num_queries(1):
        counts = stage_counts_by_town(programme, [town_a.pk])
    assert counts == {town_a.pk: dict.fromkeys(counts[town_a.pk], 0)}


def test_dashboard_shows_counts_and_percentages_against_the_quota(
    client_for, district, programme, town_a, village_a
):
    make(programme, town_a, village_a, [S.SURVEYED] * 3 + [S.CONTRACTED])
    response = client_for(district).get(reverse("progress:dashboard"))
    row = next(r for r in response.context["rows"] if r.town_id == town_a.pk)
    assert row.counts["registered"] == 4
    assert str(row.percent("registered")) == "0.9"  # 4 / 458
    assert response.context["total"].counts["registered"] == 4
    html = response.content.decode()
    assert '<td class="num stage-registered">4<small class="pct"> 0.9%</small></td>' in html
    assert '<td class="num stage-contracted">1<small class="pct"> 0.2%</small></td>' in html
