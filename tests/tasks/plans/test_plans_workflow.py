"""The plan workflow as a state machine: random roles drive the services in random order, and
no sequence may reach a state the rules forbid."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tasks.models import PlanReview, PlanStatus, ReviewDecision, TownPlan
from tasks.models.plans import OPEN_PLAN_STATUSES
from tasks.plans import checks
from tasks.plans import services as ps
from tasks.plans.queries import approved_plan_town_ids
from tests.tasks.plans.plan_helpers import draft_plan, valid_lines
from zichuan_heating.roles import Role

ACTORS = ["official_a", "official_b", "district", "finance"]
TOWNS = ["a", "b"]
STATS = {"approved": 0, "revision_approved": 0, "submitted": 0, "submitted_while_in_force": 0}
#: Points along the happy path a town can start from; each is reached by the ones before it.
STARTS = ["none", "draft", "submitted", "approved", "revising", "revision_submitted"]
START = st.sampled_from(STARTS)
WHICH = st.sampled_from(["latest", "latest", "approved", "superseded"])
BREAKS = ["none", "none", "no_officer", "late_finish", "short_no_reason", "short_with_reason"]
BREAK = st.sampled_from(BREAKS)
#: Where each start leaves the town's latest revision: (revision, status), None for no plan.
START_STATE = {
    "none": None,
    "draft": (1, PlanStatus.DRAFT),
    "submitted": (1, PlanStatus.SUBMITTED),
    "approved": (1, PlanStatus.APPROVED),
    "revising": (2, PlanStatus.DRAFT),
    "revision_submitted": (2, PlanStatus.SUBMITTED),
}


class PlanWorkflow(RuleBasedStateMachine):
    """Set as class attributes by the test: programme, towns, users, lines per town."""

    programme = None
    towns: dict = {}
    users: dict = {}
    lines: dict = {}

    def __init__(self):
        super().__init__()
        # Each example runs inside a savepoint rolled back at teardown: a clean slate, fast.
        self.sid = transaction.savepoint()
        self.ever_approved: set[int] = set()

    def teardown(self):
        transaction.savepoint_rollback(self.sid)

    # --- helpers ---------------------------------------------------------------------

    def _latest(self, town: str) -> TownPlan | None:
        return (
            TownPlan.objects.filter(programme=self.programme, town=self.towns[town])
            .order_by("-revision")
            .first()
        )

    def _pick(self, town: str, which: str) -> TownPlan | None:
        qs = TownPlan.objects.filter(programme=self.programme, town=self.towns[town])
        if which == "approved":
            return qs.filter(status=PlanStatus.APPROVED).first()
        if which == "superseded":
            return qs.filter(status=PlanStatus.SUPERSEDED).first()
        return qs.order_by("-revision").first()

    def _lines(self, town: str, shift: int, brk: str) -> tuple[list[dict], str]:
        lines = [dict(x) for x in self.lines[town]]
        lines[0]["households"] = max(1, lines[0]["households"] + shift)
        reason = ""
        if brk == "no_officer":
            lines[-1]["village_safety_officer"] = ""
        elif brk == "late_finish":
            lines[-1]["planned_finish"] = datetime.date(2021, 8, 31)
        elif brk in ("short_no_reason", "short_with_reason"):
            lines[0]["households"] = max(1, lines[0]["households"] - 5)
            reason = "部分户已并网。" if brk == "short_with_reason" else ""
        elif shift:
            lines[1]["households"] -= lines[0]["households"] - self.lines[town][0]["households"]
            lines[1]["households"] = max(1, lines[1]["households"])
        return lines, reason

    # --- rules: the proper actor acts, or anyone tries anything on any town ----------------

    @initialize(a=START, b=START)
    def start_from(self, a, b):
        """Each town starts somewhere along the happy path, so short runs reach deep states."""
        for town, start in (("a", a), ("b", b)):
            official = f"official_{town}"
            for step in STARTS[: STARTS.index(start)]:
                if step == "none":
                    self._create(official, town)
                elif step in ("draft", "revising"):
                    self._submit(official, town)
                elif step in ("submitted", "revision_submitted"):
                    self._approve("district", town, "latest")
                elif step == "approved":
                    self._edit(official, town, "approved", 1, "none")
            latest = self._latest(town)
            reached = None if latest is None else (latest.revision, latest.status)
            assert reached == START_STATE[start]

    @rule(town=st.sampled_from(TOWNS), returns=st.booleans())
    def town_moves_on(self, town, returns):
        """The proper actor takes the next natural step, so deep states are reached."""
        plan = self._latest(town)
        if plan is None:
            self._create(f"official_{town}", town)
        elif plan.status in (PlanStatus.DRAFT, PlanStatus.RETURNED):
            self._submit(f"official_{town}", town)
        elif plan.status == PlanStatus.SUBMITTED and returns:
            self._return("district", town, "请补充。")
        elif plan.status == PlanStatus.SUBMITTED:
            self._approve("district", town, "latest")
        else:
            self._edit(f"official_{town}", town, "approved", 1, "none")

    @rule(actor=st.sampled_from(ACTORS), town=st.sampled_from(TOWNS))
    def anyone_creates(self, actor, town):
        self._create(actor, town)

    @rule(
        actor=st.sampled_from(ACTORS),
        town=st.sampled_from(TOWNS),
        which=WHICH,
        shift=st.integers(-3, 3),
        brk=st.sampled_from(BREAKS),
    )
    def anyone_edits(self, actor, town, which, shift, brk):
        self._edit(actor, town, which, shift, brk)

    @rule(town=st.sampled_from(TOWNS), which=WHICH, shift=st.integers(-3, 3), brk=BREAK)
    def official_edits(self, town, which, shift, brk):
        self._edit(f"official_{town}", town, which, shift, brk)

    @rule(actor=st.sampled_from(ACTORS), town=st.sampled_from(TOWNS))
    def anyone_submits(self, actor, town):
        self._submit(actor, town)

    @rule(town=st.sampled_from(TOWNS))
    def official_submits(self, town):
        self._submit(f"official_{town}", town)

    @rule(actor=st.sampled_from(ACTORS), town=st.sampled_from(TOWNS), which=WHICH)
    def anyone_approves(self, actor, town, which):
        self._approve(actor, town, which)

    @rule(town=st.sampled_from(TOWNS), which=WHICH)
    def district_approves(self, town, which):
        self._approve("district", town, which)

    @rule(
        actor=st.sampled_from(ACTORS),
        town=st.sampled_from(TOWNS),
        comment=st.sampled_from(["", "请补充。"]),
    )
    def anyone_returns(self, actor, town, comment):
        self._return(actor, town, comment)

    @rule(town=st.sampled_from(TOWNS))
    def district_returns(self, town):
        self._return("district", town, "请补充。")

    # --- what each attempt must do --------------------------------------------------------

    def _create(self, actor, town):
        user = self.users[actor]
        try:
            draft_plan(self.programme, self.towns[town], user, lines=self.lines[town])
        except PermissionDenied:
            assert not ps.is_town_official_of(user, self.towns[town].pk)
        except ValidationError:
            assert TownPlan.objects.filter(town=self.towns[town]).exists()

    def _edit(self, actor, town, which, shift, brk):
        plan = self._pick(town, which)
        if plan is None:
            return
        before = (plan.status, plan.summary, plan.updated_at)
        lines, reason = self._lines(town, shift, brk)
        try:
            written = ps.plan_update(
                plan=plan,
                by=self.users[actor],
                lines=lines,
                summary=f"{actor} {shift} {brk}",
                quota_shortfall_reason=reason,
            )
        except (PermissionDenied, ValidationError):
            plan.refresh_from_db()
            assert (plan.status, plan.summary, plan.updated_at) == before
            return
        assert actor == f"official_{town}"
        if before[0] == PlanStatus.APPROVED:
            assert written.pk != plan.pk and written.status == PlanStatus.DRAFT
        else:
            assert written.pk == plan.pk

    def _submit(self, actor, town):
        plan = self._latest(town)
        if plan is None:
            return
        try:
            ps.plan_submit(plan=plan, by=self.users[actor])
        except PermissionDenied:
            assert actor != f"official_{town}"
        except ValidationError:
            pass
        else:
            assert actor == f"official_{town}"
            STATS["submitted"] += 1
            if TownPlan.objects.filter(town=self.towns[town], status=PlanStatus.APPROVED).exists():
                STATS["submitted_while_in_force"] += 1

    def _approve(self, actor, town, which):
        plan = self._pick(town, which)
        if plan is None:
            return
        was = plan.status
        try:
            ps.plan_approve(plan=plan, by=self.users[actor])
        except PermissionDenied:
            assert actor != "district"
        except ValidationError:
            assert was != PlanStatus.SUBMITTED
        else:
            assert actor == "district" and was == PlanStatus.SUBMITTED
            self.ever_approved.add(self.towns[town].pk)
            STATS["approved"] += 1
            if plan.revision > 1:
                STATS["revision_approved"] += 1

    def _return(self, actor, town, comment):
        plan = self._latest(town)
        if plan is None:
            return
        was = plan.status
        try:
            ps.plan_return(plan=plan, by=self.users[actor], comment=comment)
        except PermissionDenied:
            assert actor != "district"
        except ValidationError:
            assert was != PlanStatus.SUBMITTED or not comment
        else:
            assert actor == "district" and was == PlanStatus.SUBMITTED and comment

    # --- what must always hold ----------------------------------------------------------
    # They run after every step (some 375 per test): each reads the plans it needs in one or
    # two queries and checks them in Python, rather than a query per town and per plan.

    def _plans_per_town(self) -> dict[int, list[TownPlan]]:
        """The programme's revisions of each town, in the model's order (`.first()`'s)."""
        plans = {town.pk: [] for town in self.towns.values()}
        for plan in TownPlan.objects.filter(programme=self.programme, town__in=list(plans)):
            plans[plan.town_id].append(plan)
        return plans

    @invariant()
    def at_most_one_approved_and_one_open_revision_per_town(self):
        for plans in self._plans_per_town().values():
            assert sum(p.status == PlanStatus.APPROVED for p in plans) <= 1
            assert sum(p.status in OPEN_PLAN_STATUSES for p in plans) <= 1

    @invariant()
    def only_the_district_ever_reviewed(self):
        district = self.users["district"]
        assert not PlanReview.objects.exclude(reviewed_by=district).exists()
        assert (
            not TownPlan.objects.filter(approved_at__isnull=False)
            .exclude(approved_by=district)
            .exists()
        )

    @invariant()
    def an_approved_revision_is_exactly_what_was_approved(self):
        for plan in TownPlan.objects.filter(
            status__in=[PlanStatus.APPROVED, PlanStatus.SUPERSEDED]
        ).select_related("town"):
            review = plan.reviews.get(decision=ReviewDecision.APPROVED)
            assert checks.plan_snapshot(plan) == review.submission.snapshot

    @invariant()
    def a_town_once_approved_stays_approved(self):
        in_force = approved_plan_town_ids(self.programme)
        assert in_force >= self.ever_approved
        towns = [t.pk for t in self.towns.values()]
        approved = set(
            TownPlan.objects.filter(town__in=towns, status=PlanStatus.APPROVED).values_list(
                "town_id", flat=True
            )
        )
        assert in_force == {t for t in towns if t in approved}

    @invariant()
    def superseded_revisions_are_older_than_the_one_in_force(self):
        for plans in self._plans_per_town().values():
            in_force = next((p for p in plans if p.status == PlanStatus.APPROVED), None)
            for old in (p for p in plans if p.status == PlanStatus.SUPERSEDED):
                assert in_force is not None
                assert old.revision < in_force.revision
                assert old.superseded_at is not None

    @invariant()
    def every_review_answers_one_submission(self):
        for plan in TownPlan.objects.annotate(
            n_reviews=Count("reviews", distinct=True),
            n_submissions=Count("submissions", distinct=True),
        ):
            assert plan.n_reviews <= plan.n_submissions
            if plan.status in (PlanStatus.SUBMITTED, PlanStatus.RETURNED, PlanStatus.APPROVED):
                assert plan.n_submissions > 0


def test_no_sequence_of_actions_reaches_a_forbidden_state(
    programme, town_a, town_b, official_a, official_b, district, finance
):
    STATS.update(dict.fromkeys(STATS, 0))
    PlanWorkflow.programme = programme
    PlanWorkflow.towns = {"a": town_a, "b": town_b}
    PlanWorkflow.users = {
        "official_a": official_a,
        "official_b": official_b,
        "district": district,
        "finance": finance,
    }
    PlanWorkflow.lines = {"a": valid_lines(town_a, 458), "b": valid_lines(town_b, 500)}
    run_state_machine_as_test(
        PlanWorkflow,
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    # The machine must actually reach the deep states it is meant to guard.
    assert STATS["approved"] > 0
    assert STATS["submitted_while_in_force"] > 0


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_once_approve_once(programme, town_a, official_a, district):
    """select_for_update in action: two threads, two connections, one approval."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers anyway")
    from tests.factories import UserFactory

    district2 = UserFactory(username="district2", role=Role.DISTRICT_OFFICE)
    plan = draft_plan(programme, town_a, official_a)
    ps.plan_submit(plan=plan, by=official_a)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def review(user):
        from django.db import connection as conn

        try:
            barrier.wait()
            ps.plan_approve(plan=TownPlan.objects.get(pk=plan.pk), by=user)
            outcomes.append("approved")
        except ValidationError:
            outcomes.append("refused")
        finally:
            conn.close()

    threads = [threading.Thread(target=review, args=(u,)) for u in (district, district2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["approved", "refused"]
    assert PlanReview.objects.filter(plan=plan).count() == 1
    assert TownPlan.objects.filter(status=PlanStatus.APPROVED).count() == 1
