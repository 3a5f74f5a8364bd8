"""The 2021 task table as shipped, and bootstrap's idempotence."""

import datetime
import io

import pytest
from django.core.management import call_command

from tasks.models import Programme, Quota, Town
from zichuan_heating.models import User

EXPECTED = {
    "开发区": 200,
    "洪山镇": 458,
    "昆仑镇": 500,
    "双杨镇": 30,
    "罗村镇": 200,
    "寨里镇": 300,
    "龙泉镇": 200,
    "西河镇": 150,
    "将军路街道": 160,
}


def test_quotas_are_the_plans_task_table(programme):
    quotas = {q.town.name: q.households for q in Quota.objects.filter(programme=programme)}
    assert quotas == EXPECTED
    assert sum(quotas.values()) == 2198


def test_nine_units_with_their_kinds(programme):
    kinds = dict(Town.objects.values_list("name", "kind"))
    assert len(kinds) == 9
    assert kinds["开发区"] == "zone"
    assert kinds["将军路街道"] == "street"
    assert sum(1 for k in kinds.values() if k == "town") == 7


def test_programme_milestones(programme):
    assert programme.plan_due == datetime.date(2021, 6, 15)
    assert programme.construction_due == datetime.date(2021, 8, 30)
    assert programme.acceptance_due == datetime.date(2021, 9, 30)
    assert programme.heating_seasons() == [
        "2021-2022",
        "2022-2023",
        "2023-2024",
        "2024-2025",
        "2025-2026",
        "2026-2027",
    ]


def _without_demo_programme(monkeypatch):
    """The demo users alone: the demo programme has its own test (tests/core/test_demo.py)."""
    from zichuan_heating import demo

    monkeypatch.setattr(demo, "demo_programme_load", lambda **kw: demo.DemoOutcome(loaded=False))


@pytest.mark.django_db
def test_bootstrap_twice_changes_nothing(monkeypatch):
    monkeypatch.setenv("ZH_DEMO_PASSWORD", "")
    _without_demo_programme(monkeypatch)
    out = io.StringIO()
    call_command("bootstrap", "--demo", "--no-migrate", language="en", stdout=out)
    first = out.getvalue()
    snapshot = (
        list(Programme.objects.values()),
        list(Town.objects.values()),
        list(Quota.objects.values()),
        list(User.objects.values("username", "password", "town_id")),
    )
    # 4 role users and one official per town, each password shown once.
    assert User.objects.count() == 13
    assert first.count("official-") == 9

    out2 = io.StringIO()
    call_command("bootstrap", "--demo", "--no-migrate", language="en", stdout=out2)
    assert "0 created" in out2.getvalue()
    assert "official-" not in out2.getvalue()
    assert snapshot == (
        list(Programme.objects.values()),
        list(Town.objects.values()),
        list(Quota.objects.values()),
        list(User.objects.values("username", "password", "town_id")),
    )


@pytest.mark.django_db
def test_demo_officials_are_bound_to_their_town(monkeypatch):
    _without_demo_programme(monkeypatch)
    call_command("bootstrap", "--demo", "--no-migrate", stdout=io.StringIO())
    official = User.objects.get(username="official-hongshan")
    assert official.town.name == "洪山镇"
    assert official.role == "town_official"
    assert not official.sees_all_towns
    assert User.objects.get(username="district").sees_all_towns
