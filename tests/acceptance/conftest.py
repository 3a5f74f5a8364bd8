"""Fixtures for acceptance: approved plans, a gas contractor and built households."""

import datetime

import pytest
from django.utils import timezone

from acceptance.checklists import checklist_for
from acceptance.models import AcceptanceKind
from acceptance.services import acceptance_record, rectification_record
from tasks.models import ContractorKind, HouseholdStatus
from tests.factories import ContractorFactory, HouseholdFactory

TODAY = datetime.date(2021, 9, 20)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def gas_contractor(db):
    return ContractorFactory(name="淄川区燃气有限公司", kind=ContractorKind.GAS)


def built_household(programme, town, contractor, **kw):
    kw.setdefault("status", HouseholdStatus.BUILT)
    return HouseholdFactory(programme=programme, town=town, contractor=contractor, **kw)


@pytest.fixture
def built_household_a(programme, town_a, approved_plan_a, gas_contractor):
    return built_household(programme, town_a, gas_contractor, head_name="王建国")


@pytest.fixture
def built_household_b(programme, town_b, approved_plan_b, gas_contractor):
    return built_household(programme, town_b, gas_contractor, head_name="李春梅")


def team(contractor_name="淄川区燃气有限公司"):
    return [
        {"name": "张村官", "organisation": "东村村委会", "is_contractor": False},
        {"name": "赵师傅", "organisation": contractor_name, "is_contractor": True},
    ]


def all_pass(route="gas"):
    return {item.code: True for item in checklist_for(route)}


def inspect(household, by, kind, *, result="pass", date=None, checklist=None, **kw):
    date = date or timezone.localdate()
    if result == "fail":
        kw.setdefault("defects", "燃气报警器未安装")
        kw.setdefault("rectification_deadline", date + datetime.timedelta(days=7))
        if checklist is None:
            checklist = {**all_pass(household.route), "gas_alarm": False}
    return acceptance_record(
        household=household,
        kind=kind,
        date=date,
        inspectors=kw.pop("inspectors", team()),
        checklist=checklist if checklist is not None else all_pass(household.route),
        result=result,
        by=by,
        **kw,
    )


def accept(household, by, date=None):
    """Completion and commissioning both pass: the household becomes accepted."""
    inspect(household, by, AcceptanceKind.COMPLETION, date=date)
    return inspect(household, by, AcceptanceKind.COMMISSIONING, date=date)


def rectify(acceptance, by, date=None):
    return rectification_record(
        acceptance=acceptance,
        description="已补装燃气报警器",
        date=date or timezone.localdate(),
        by=by,
    )


def state_from_records(household) -> str:
    """The household's acceptance state with its progress recounted from scratch, record by
    record in Python (the oracle for the progress the database keeps:
    acceptance/progress_sql.py); the status part is `state_of`'s own."""
    from types import SimpleNamespace

    from acceptance.queries import state_of

    household.refresh_from_db(fields=["status"])
    recounted = progress_from_records(household.pk)
    return state_of(SimpleNamespace(status=household.status, acceptance_progress=recounted))


def progress_from_records(household_id: int) -> str:
    """What the household's valid records say ('' for nothing yet), newest record last."""
    from acceptance.models import Acceptance, Rectification

    valid = sorted(
        Acceptance.objects.filter(household_id=household_id, revoked=False),
        key=lambda r: (r.date, r.created_at, r.id),
    )
    if valid and valid[-1].result == "fail":
        if Rectification.objects.filter(acceptance=valid[-1]).exists():
            return "awaiting_reinspection"
        return "rectifying"
    if any(r.kind == "completion" and r.result == "pass" for r in valid):
        return "awaiting_commissioning"
    return ""
