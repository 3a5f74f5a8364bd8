"""Read-side queries of acceptance: the accepted households (what subsidies rely on), each
household's acceptance state, and per-town progress against the quota and the 9/30 milestone.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acceptance.models import (
    Acceptance,
    AcceptanceKind,
    Attachment,
    ChecklistResult,
    Inspector,
    ProgressTally,
)
from tasks.collation import Pinyin
from tasks.models import Household, HouseholdStatus, Programme
from tasks.progress.queries import (
    district_quota_total,
    district_stage_days,
    percent,
    quotas_for_user,
    stage_day_counts,
    towns_stage_day_rows,
)

#: Newest first: the order in which "the latest valid record" is read.
_NEWEST_FIRST = ("-date", "-created_at", "-id")


def _valid_pass(kind: str, household: str = "pk") -> QuerySet:
    return Acceptance.objects.valid().passed().filter(household=OuterRef(household), kind=kind)


def accepted_filter(household: str = "") -> Q:
    """What "accepted" means, as a filter: the household's status is accepted AND a valid
    (not revoked) commissioning pass stands, so a status edited by hand elsewhere does not
    make a household accepted.

    `household` is the path from the filtered model to the household: "" on households,
    "household__" on rows that hang off one (e.g. instalments).
    """
    return Q(**{f"{household}status": HouseholdStatus.ACCEPTED}) & Exists(
        _valid_pass(AcceptanceKind.COMMISSIONING, household=f"{household}pk")
    )


def accepted_households(programme: Programme) -> QuerySet:
    """The accepted households of the programme: the one definition of "accepted".

    A `HouseholdQuerySet`, so callers narrow it with `.for_user(user)`, `.filter(pk__in=…)`
    or `.values_list("pk", flat=True)`; for rows that hang off a household, filter with
    `accepted_filter("household__")`.
    """
    return Household.objects.filter(programme=programme).filter(accepted_filter())


def valid_records(household: Household) -> list[Acceptance]:
    """The household's records that count (not revoked), oldest first, with rectifications."""
    return list(
        Acceptance.objects.valid()
        .filter(household=household)
        .select_related("rectification")
        .order_by("date", "created_at", "id")
    )


def valid_records_by_household(pks: list[int]) -> dict[int, list[Acceptance]]:
    """`valid_records` of many households in one query, by household id."""
    records: dict[int, list[Acceptance]] = {pk: [] for pk in pks}
    for record in (
        Acceptance.objects.valid()
        .filter(household__in=pks)
        .select_related("rectification")
        .order_by("household_id", "date", "created_at", "id")
    ):
        records[record.household_id].append(record)
    return records


def latest_valid_record(household: Household) -> Acceptance | None:
    return Acceptance.objects.valid().filter(household=household).order_by(*_NEWEST_FIRST).first()


def commissioning_pass(household: Household) -> Acceptance | None:
    """The household's standing commissioning pass, if any."""
    return (
        Acceptance.objects.valid()
        .passed()
        .filter(household=household, kind=AcceptanceKind.COMMISSIONING)
        .order_by("-date")
        .first()
    )


def commissioning_date(household: str = "pk") -> Subquery:
    """The acceptance date (the date on the standing commissioning pass) as an expression over
    households; `household` is the path to the household's pk."""
    return Subquery(
        _valid_pass(AcceptanceKind.COMMISSIONING, household).order_by("-date").values("date")[:1]
    )


def accepted_by_day(programme: Programme, town_id: int | None = None) -> list[dict[str, Any]]:
    """[{town_id, day, n}]: the accepted households counted by the date of their standing
    commissioning pass, in date order.

    Read from the stage-day tally (stage "accepted"), which this app's triggers keep in the
    same transaction as every record and household write (migration 0002): the join of the
    passes with the households is never run on a page. The dashboard's timeline reads it
    through `tasks.progress.sections` (registered in `AcceptanceConfig.ready`).
    """
    return [
        {"town_id": town, "day": day, "n": n}
        for town, day, n in stage_day_counts(
            programme, "accepted", None if town_id is None else [town_id]
        )
    ]


def household_records(household: Household) -> list[Acceptance]:
    """Every record of the household (revoked too) for its page: team, checklist, files."""
    return list(
        Acceptance.objects.filter(household=household)
        .select_related("recorded_by", "revoked_by", "rectification__recorded_by")
        .prefetch_related(
            Prefetch("inspectors", queryset=Inspector.objects.order_by("id")),
            "checklist",
            Prefetch("attachments", queryset=Attachment.objects.order_by("id")),
        )
        .order_by("date", "created_at", "id")
    )


class AcceptanceState:
    """Where a household stands in acceptance: its status, and while it is built, its
    acceptance progress (`state_of`)."""

    NOT_BUILT = "not_built"
    WITHDRAWN = "withdrawn"
    AWAITING_COMPLETION = "awaiting_completion"
    RECTIFYING = "rectifying"
    AWAITING_REINSPECTION = "awaiting_reinspection"
    AWAITING_COMMISSIONING = "awaiting_commissioning"
    ACCEPTED = "accepted"

    LABELS = {
        NOT_BUILT: _("尚未完工"),
        WITHDRAWN: _("已退出"),
        AWAITING_COMPLETION: _("待竣工验收"),
        RECTIFYING: _("整改中"),
        AWAITING_REINSPECTION: _("整改完成待复验"),
        AWAITING_COMMISSIONING: _("待调试验收"),
        ACCEPTED: _("已验收"),
    }
    #: The states a filter on the awaiting list may ask for.
    OPEN = (AWAITING_COMPLETION, RECTIFYING, AWAITING_REINSPECTION, AWAITING_COMMISSIONING)


def state_of(household: Any) -> str:
    """The state of a household: its status, and while it is built, its acceptance progress
    (what its records say, kept by the database: acceptance/progress_sql.py)."""
    if household.status == HouseholdStatus.ACCEPTED:
        return AcceptanceState.ACCEPTED
    if household.status == HouseholdStatus.WITHDRAWN:
        return AcceptanceState.WITHDRAWN
    if household.status != HouseholdStatus.BUILT:
        return AcceptanceState.NOT_BUILT
    return household.acceptance_progress or AcceptanceState.AWAITING_COMPLETION


def acceptance_state(household: Household) -> str:
    """The household's state as it stands now (read again: its records may have changed
    since the instance was loaded)."""
    return state_of(Household.objects.only("status", "acceptance_progress").get(pk=household.pk))


def progress_of(state: str) -> str:
    """The stored progress of a built household in this open state."""
    return "" if state == AcceptanceState.AWAITING_COMPLETION else state


def state_filter(state: str) -> Q:
    """A filter on households that selects one state (any built household for another)."""
    built = Q(status=HouseholdStatus.BUILT)
    if state == AcceptanceState.ACCEPTED:
        return Q(status=HouseholdStatus.ACCEPTED)
    if state in AcceptanceState.OPEN:
        return built & Q(acceptance_progress=progress_of(state))
    return built


def with_latest_kind(qs: QuerySet) -> QuerySet:
    """Households annotated with the kind of their latest valid record (what a re-inspection
    inspects again)."""
    latest = Acceptance.objects.valid().filter(household=OuterRef("pk")).order_by(*_NEWEST_FIRST)
    return qs.annotate(latest_kind=Subquery(latest.values("kind")[:1]))


def built_in_scope(
    user: Any, programme: Programme, *, town_id: int | None = None, village_id: int | None = None
) -> QuerySet:
    """The built households of the user's towns, narrowed to a town or a village."""
    qs = Household.objects.for_user(user).filter(programme=programme, status=HouseholdStatus.BUILT)
    if town_id:
        qs = qs.filter(town_id=town_id)
    if village_id:
        qs = qs.filter(village_id=village_id)
    return qs


def households_awaiting_acceptance(
    user: Any,
    programme: Programme,
    *,
    state: str = "",
    town_id: int | None = None,
    village_id: int | None = None,
) -> QuerySet:
    """Built households of the user's towns (all open states, or one), in the list's order."""
    qs = built_in_scope(user, programme, town_id=town_id, village_id=village_id).select_related(
        "town", "village", "contractor"
    )
    if state in AcceptanceState.OPEN:
        qs = qs.filter(state_filter(state))
    return qs.order_by("town__order", Pinyin("village__name"), Pinyin("head_name"), "id")


@dataclass
class TownAcceptance:
    town_id: int
    town_code: str
    town_name: str
    quota: int
    accepted: int
    completion_passed: int
    rectifying: int

    @property
    def percent(self) -> Decimal | None:
        return percent(self.accepted, self.quota)


def acceptance_total(rows: list[TownAcceptance]) -> TownAcceptance:
    """The totals row: every column summed, the rate taken on the sums."""
    return TownAcceptance(
        town_id=0,
        town_code="",
        town_name="",
        quota=sum(r.quota for r in rows),
        accepted=sum(r.accepted for r in rows),
        completion_passed=sum(r.completion_passed for r in rows),
        rectifying=sum(r.rectifying for r in rows),
    )


@dataclass
class Milestone:
    due: datetime.date
    today: datetime.date
    #: The day the district's accepted households reached its quota, once they have.
    met_on: datetime.date | None = None

    @property
    def days(self) -> int:
        """Days left until the milestone (negative once it has passed)."""
        return (self.due - self.today).days

    @property
    def met(self) -> bool:
        return self.met_on is not None

    @property
    def overdue(self) -> bool:
        """Passed and not met: a milestone met late reads as done, not as overdue for ever."""
        return not self.met and self.days < 0

    @property
    def days_after(self) -> int:
        return -self.days

    @property
    def late_by(self) -> int:
        """Days after the deadline the quota was met (0 when on time)."""
        return max((self.met_on - self.due).days, 0) if self.met_on else 0


def quota_met_on(programme: Programme) -> datetime.date | None:
    """The commissioning date of the household that brought the accepted count to the
    district's quota, or None while the quota is not met: the running total of the
    district's accepted households by day (one grouped read of the stage-day tally, a row a
    day, not one row per household)."""
    quota = district_quota_total(programme)
    if not quota:
        return None
    total = 0
    for day, n in district_stage_days(programme, "accepted"):
        total += n
        if total >= quota:
            return day
    return None


def acceptance_milestone(programme: Programme, today: datetime.date | None = None) -> Milestone:
    return Milestone(
        due=programme.acceptance_due,
        today=today or timezone.localdate(),
        met_on=quota_met_on(programme),
    )


def acceptance_progress_by_town(programme: Programme, user: Any) -> list[TownAcceptance]:
    """Per town the user may see: quota, accepted, completion passed and in rectification.

    Two queries whatever the number of towns: the quotas, then one grouped count.
    """
    quotas = quotas_for_user(programme, user)
    counts = _acceptance_counts(programme, [q.town_id for q in quotas])
    rows = []
    for q in quotas:
        c = counts.get(q.town_id, {})
        rows.append(
            TownAcceptance(
                town_id=q.town_id,
                town_code=q.town.code,
                town_name=q.town.name,
                quota=q.households,
                accepted=c.get("accepted", 0),
                completion_passed=c.get("completion", 0),
                rectifying=c.get("rectifying", 0),
            )
        )
    return rows


def _acceptance_counts(programme: Programme, town_ids: list[int]) -> dict[int, dict[str, int]]:
    """{town: {accepted, completion, rectifying}}: accepted and completion passed from the
    stage-day tally (a standing commissioning pass of an accepted household, a standing
    completion pass of a built or accepted one), rectifying from the progress tally (built
    households whose latest valid record failed, rectified or not yet)."""
    counts: dict[int, dict[str, int]] = {}
    for stage, town_id, _day, n in towns_stage_day_rows(programme, town_ids):
        if stage in ("accepted", "completion"):
            row = counts.setdefault(town_id, {"accepted": 0, "completion": 0, "rectifying": 0})
            row[stage] += n
    failing = (
        ProgressTally.objects.filter(
            programme_id=programme.pk,
            town_id__in=town_ids,
            progress__in=[AcceptanceState.RECTIFYING, AcceptanceState.AWAITING_REINSPECTION],
        )
        .values("town_id")
        .annotate(n=Sum("n"))
        .order_by()
    )
    for r in failing:
        counts.setdefault(r["town_id"], {"accepted": 0, "completion": 0})
        counts[r["town_id"]]["rectifying"] = r["n"]
    return counts


def acceptance_register_rows(user: Any, programme: Programme, town_id: int | None) -> QuerySet:
    """The records of the register export, in town, village, household, date order."""
    qs = (
        Acceptance.objects.for_user(user)
        .filter(household__programme=programme)
        .select_related(
            "household__town",
            "household__village",
            "household__contractor",
            "recorded_by",
            "revoked_by",
            "rectification",
        )
        # Only the failed items are shown; the team is read as plain tuples by the export.
        .prefetch_related(
            Prefetch(
                "checklist",
                queryset=ChecklistResult.objects.filter(passed=False).order_by("id"),
                to_attr="failed_items",
            ),
        )
        .order_by("household__town__order", "household__village__name", "household_id", "date")
    )
    if town_id:
        qs = qs.filter(household__town_id=town_id)
    return qs


def teams_by_acceptance(acceptance_ids: list[int]) -> dict[int, list[tuple[str, str, bool]]]:
    """(name, organisation, is_contractor) per record, as tuples: cheap for big exports."""
    teams: dict[int, list[tuple[str, str, bool]]] = {}
    rows = (
        Inspector.objects.filter(acceptance_id__in=acceptance_ids)
        .order_by("acceptance_id", "id")
        .values_list("acceptance_id", "name", "organisation", "is_contractor")
    )
    for acceptance_id, name, organisation, is_contractor in rows:
        teams.setdefault(acceptance_id, []).append((name, organisation, is_contractor))
    return teams
