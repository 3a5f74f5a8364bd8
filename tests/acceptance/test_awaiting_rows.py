"""The awaiting list read by villages (`acceptance.awaiting_rows`): every page, and any slice,
is exactly the same rows in the same order as the whole queryset, and its length is the
queryset's count, for each role's scope and filter; villages the order cannot tell apart (two
towns of the same order, a village of the same name in each) interleave their households."""

import random

import pytest
from django.core.paginator import Paginator

from acceptance.awaiting_rows import AwaitingRows, awaiting_acceptance_rows
from acceptance.queries import households_awaiting_acceptance
from tasks.models import HouseholdStatus, Town
from tests.acceptance.conftest import built_household, inspect, state_from_records
from tests.factories import HouseholdFactory, VillageFactory

pytestmark = pytest.mark.django_db

NAMES = [
    "王建国",
    "李春梅",
    "张伟",
    "刘洋",
    "陈静",
    "杨帆",
    "赵磊",
    "孙丽",
    "周杰",
    "吴敏",
    "郑强",
    "冯雪",
    "安然",
    "白云",
    "蔡明",
]


@pytest.fixture
def ledger(programme, town_a, town_b, approved_plan_a, gas_contractor, official_a):
    """Built households in several villages of two towns of the same order, one village name
    in both; other statuses beside them; one household inspected (it stays built)."""
    Town.objects.filter(pk__in=[town_a.pk, town_b.pk]).update(order=3)
    rng = random.Random(7)
    villages = [
        VillageFactory(town=town_a, name="东村"),
        VillageFactory(town=town_a, name="西村"),
        VillageFactory(town=town_a, name="安家庄"),
        VillageFactory(town=town_b, name="东村"),
        VillageFactory(town=town_b, name="北村"),
    ]
    for village in villages:
        for _ in range(rng.randint(8, 16)):
            built_household(
                programme,
                village.town,
                gas_contractor,
                village=village,
                head_name=rng.choice(NAMES) + rng.choice("一二三"),
            )
        HouseholdFactory(
            programme=programme,
            town=village.town,
            village=village,
            status=HouseholdStatus.UNDER_CONSTRUCTION,
        )
    inspect(villages[0].households.filter(status="built").first(), official_a, "completion")
    return villages


def _pages(rows, per_page):
    paginator = Paginator(rows, per_page)
    return paginator.count, [list(paginator.page(n)) for n in paginator.page_range]


@pytest.mark.parametrize("who", ["district", "official_a", "official_b"])
def test_every_page_and_slice_is_the_querysets_own(cast, programme, ledger, who):
    user = cast[who]
    whole = list(households_awaiting_acceptance(user, programme))
    rows = awaiting_acceptance_rows(user, programme)
    assert isinstance(rows, AwaitingRows)
    assert len(rows) == len(whole) == households_awaiting_acceptance(user, programme).count()
    for per_page in (1, 4, 7, 50):
        count, pages = _pages(rows, per_page)
        assert count == len(whole)
        assert [h.pk for page in pages for h in page] == [h.pk for h in whole]
    rng = random.Random(11)
    for _ in range(30):
        start = rng.randint(0, len(whole) + 2)
        stop = start + rng.randint(1, 12)
        assert [h.pk for h in rows[start:stop]] == [h.pk for h in whole[start:stop]]


def test_district_sees_both_towns_interleaved_in_the_shared_village_name(cast, programme, ledger):
    whole = list(households_awaiting_acceptance(cast["district"], programme))
    assert {h.town_id for h in whole} == {ledger[0].town_id, ledger[3].town_id}
    east = [h for h in whole if h.village.name == "东村"]
    assert {h.town_id for h in east} == {ledger[0].town_id, ledger[3].town_id}
    rows = awaiting_acceptance_rows(cast["district"], programme)
    assert [h.pk for h in rows[0 : len(whole)]] == [h.pk for h in whole]


def test_town_and_village_filters_page_the_same_rows(cast, programme, ledger, town_b):
    district = cast["district"]
    for filters in ({"town_id": town_b.pk}, {"village_id": ledger[1].pk}, {"village_id": 0}):
        whole = list(households_awaiting_acceptance(district, programme, **filters))
        count, pages = _pages(awaiting_acceptance_rows(district, programme, **filters), 3)
        assert count == len(whole)
        assert [h.pk for page in pages for h in page] == [h.pk for h in whole]


def test_a_state_filter_is_paged_by_village_too(cast, programme, ledger):
    rows = awaiting_acceptance_rows(cast["district"], programme, state="awaiting_commissioning")
    assert isinstance(rows, AwaitingRows)
    assert len(rows) == 1
    assert [h.head_name for h in rows[0:50]] == [
        h.head_name for h in ledger[0].households.filter(status="built")[:1]
    ]


def test_the_list_page_shows_the_count_and_the_last_page(client_for, cast, programme, ledger):
    whole = list(households_awaiting_acceptance(cast["district"], programme))
    pages = -(-len(whole) // 50)
    assert len(whole) > 50  # two pages at least
    response = client_for(cast["district"]).get(f"/acceptance/?page={pages}")
    assert response.status_code == 200
    assert [h.pk for h in response.context["page"]] == [h.pk for h in whole[(pages - 1) * 50 :]]


def test_each_state_filter_lists_exactly_the_households_in_that_state(
    cast, programme, ledger, official_a
):
    """The state filters (the failing ones narrowed by the valid failed records first) select
    exactly the households whose own state is that state: failed, failed and rectified, failed
    then passed on re-inspection, completion passed, nothing yet."""
    import datetime

    from acceptance.models import Acceptance
    from acceptance.queries import AcceptanceState, state_of
    from tests.acceptance.conftest import rectify

    built = ledger[0].households.filter(status="built").order_by("id")
    east = [h for h in built if not Acceptance.objects.filter(household=h).exists()]
    day = datetime.date.today() - datetime.timedelta(days=5)
    inspect(east[1], official_a, "completion", result="fail", date=day)
    rectify(inspect(east[2], official_a, "completion", result="fail", date=day), official_a)
    failed_then_passed = inspect(east[3], official_a, "completion", result="fail", date=day)
    rectify(failed_then_passed, official_a)
    inspect(east[3], official_a, "completion")
    # Data no service writes (a status edited by hand elsewhere): built households whose
    # latest record is a commissioning pass, one of them after a failed completion, are
    # still awaiting their completion inspection.
    inspect(east[5], official_a, "completion", result="fail", date=day)
    for household in (east[4], east[5]):
        Acceptance.objects.create(
            household=household,
            kind="commissioning",
            date=datetime.date.today(),
            result="pass",
            recorded_by=official_a,
        )
    district = cast["district"]
    whole = list(households_awaiting_acceptance(district, programme))
    states = {h.pk: state_of(h) for h in whole}
    # The stored progress is what the records say, recounted here from scratch.
    assert states == {h.pk: state_from_records(h) for h in whole}
    for state in AcceptanceState.OPEN:
        listed = [h.pk for h in households_awaiting_acceptance(district, programme, state=state)]
        assert listed == [h.pk for h in whole if states[h.pk] == state], state
    assert states[east[1].pk] == AcceptanceState.RECTIFYING
    assert states[east[2].pk] == AcceptanceState.AWAITING_REINSPECTION
    assert states[east[3].pk] == AcceptanceState.AWAITING_COMMISSIONING
    assert states[east[4].pk] == states[east[5].pk] == AcceptanceState.AWAITING_COMPLETION
    # Every tab is paged by village like the whole list: the same rows, the same count.
    for who in ("district", "official_a", "official_b"):
        for state in AcceptanceState.OPEN:
            expected = households_awaiting_acceptance(cast[who], programme, state=state)
            rows = awaiting_acceptance_rows(cast[who], programme, state=state)
            assert isinstance(rows, AwaitingRows)
            for per_page in (1, 7, 50):
                count, pages = _pages(rows, per_page)
                assert count == expected.count()
                assert [h.pk for page in pages for h in page] == [h.pk for h in expected]
    rows = awaiting_acceptance_rows(district, programme, state=AcceptanceState.AWAITING_COMPLETION)
    assert east[1].pk not in [h.pk for h in rows[0 : len(rows)]]
