"""A small seeded world for the page-level browser tests (accessibility, phones, screenshots):
two towns with a few households in every stage, an approved plan, a supervision notice, an
accepted household and an approved disbursement batch. Built in well under a second."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from tasks.models import HouseholdStatus
from tasks.plans.services import notice_issue
from tests.factories import HouseholdFactory
from tests.security.world import build_world


@dataclass
class PageWorld:
    surveyed: Any
    built: Any
    accepted: Any
    batch: Any
    notice: Any


def build_page_world(*, programme, town_a, town_b, district, finance, finance2) -> PageWorld:
    base = build_world(
        programme=programme,
        town_a=town_a,
        town_b=town_b,
        district=district,
        finance=finance,
        finance2=finance2,
    )
    for status in (HouseholdStatus.CONTRACTED, HouseholdStatus.UNDER_CONSTRUCTION):
        HouseholdFactory(programme=programme, town=town_a, status=status)
    built = HouseholdFactory(
        programme=programme,
        town=town_a,
        status=HouseholdStatus.BUILT,
        head_name="赵秀英",
        construction_completed_on=datetime.date(2021, 8, 20),
    )
    notice = notice_issue(
        programme=programme,
        town=town_a,
        by=district,
        title="完工进度滞后",
        problem="完工进度低于计划 20 个百分点。",
        deadline=timezone.localdate() + datetime.timedelta(days=7),
    )
    return PageWorld(base.household_a, built, base.accepted_a, base.batch, notice)
