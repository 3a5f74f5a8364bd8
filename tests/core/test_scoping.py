"""Town scoping: one rule, applied to every town-owned model."""

import pytest
from django.http import Http404

from tasks.models import Quota, Town, Village
from tests.factories import UserFactory, VillageFactory
from zichuan_heating.scoping import check_town_allowed, get_for_user_or_404


def test_official_sees_only_own_town(official_a, town_a, town_b):
    VillageFactory(town=town_a, name="东村")
    VillageFactory(town=town_b, name="西村")
    assert list(Town.objects.for_user(official_a)) == [town_a]
    assert [v.name for v in Village.objects.for_user(official_a)] == ["东村"]
    assert [q.town for q in Quota.objects.for_user(official_a)] == [town_a]


def test_district_and_finance_see_all_towns(district, finance):
    assert Town.objects.for_user(district).count() == 9
    assert Quota.objects.for_user(finance).count() == 9


def test_user_without_role_or_town_sees_nothing(programme):
    stranger = UserFactory(username="stranger")
    assert Town.objects.for_user(stranger).count() == 0


def test_other_towns_object_is_404(official_a, town_b):
    with pytest.raises(Http404):
        get_for_user_or_404(Town, official_a, pk=town_b.pk)


def test_check_town_allowed(official_a, town_a, town_b, district):
    check_town_allowed(official_a, town_a.pk)
    check_town_allowed(district, town_b.pk)
    with pytest.raises(Http404):
        check_town_allowed(official_a, town_b.pk)
