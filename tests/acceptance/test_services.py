"""Acceptance rules, enforced by the services, with their Chinese messages."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from acceptance.models import (
    Acceptance,
    AcceptanceKind,
    AcceptanceReason,
    ChecklistResult,
    Inspector,
    Rectification,
)
from acceptance.queries import AcceptanceState, acceptance_state
from acceptance.services import acceptance_revoke, household_record_stove_removal
from tasks.ledger import signals
from tasks.models import ContractorKind, HouseholdStatus, PlanStatus, Route, TownPlan
from tests.acceptance.conftest import accept, all_pass, built_household, inspect, rectify, team
from tests.factories import ContractorFactory
from zichuan_heating.history import reason_label

COMPLETION = AcceptanceKind.COMPLETION
COMMISSIONING = AcceptanceKind.COMMISSIONING
DAY = datetime.timedelta(days=1)


@pytest.fixture
def received():
    """Every household_accepted / household_acceptance_revoked sent during the test."""
    calls: list[tuple[str, dict]] = []

    def on_accepted(sender, signal, **kw):
        calls.append(("accepted", kw))

    def on_revoked(sender, signal, **kw):
        calls.append(("revoked", kw))

    signals.household_accepted.connect(on_accepted, dispatch_uid="test-accepted")
    signals.household_acceptance_revoked.connect(on_revoked, dispatch_uid="test-revoked")
    yield calls
    signals.household_accepted.disconnect(dispatch_uid="test-accepted")
    signals.household_acceptance_revoked.disconnect(dispatch_uid="test-revoked")


def messages_of(excinfo) -> list[str]:
    return excinfo.value.messages


# --- recording -------------------------------------------------------------------------------


def test_completion_pass_records_team_checklist_and_history_but_household_stays_built(
    built_household_a, official_a, received
):
    record = inspect(built_household_a, official_a, COMPLETION)
    built_household_a.refresh_from_db()
    assert built_household_a.status == HouseholdStatus.BUILT
    assert record.result == "pass" and record.recorded_by == official_a
    assert record.rectification_deadline is None
    assert [
        (m.name, m.organisation, m.is_contractor) for m in record.inspectors.order_by("id")
    ] == [
        ("张村官", "东村村委会", False),
        ("赵师傅", "淄川区燃气有限公司", True),
    ]
    assert sorted(record.checklist.values_list("item", "passed")) == [
        ("gas_alarm", True),
        ("gas_boiler_runs", True),
        ("gas_flue", True),
        ("gas_leak", True),
        ("gas_pipe_pressure", True),
    ]
    history = list(record.history.all())
    assert len(history) == 1 and history[0].history_user == official_a
    assert history[0].history_type == "+"
    assert received == []
    assert acceptance_state(built_household_a) == AcceptanceState.AWAITING_COMMISSIONING


def test_commissioning_pass_makes_the_household_accepted_and_signals_once(
    built_household_a, official_a, received
):
    before = built_household_a.history.count()
    accept(built_household_a, official_a)
    built_household_a.refresh_from_db()
    assert built_household_a.status == HouseholdStatus.ACCEPTED
    assert received == [("accepted", {"household": built_household_a, "by": official_a})]
    assert received[0][1]["household"].status == HouseholdStatus.ACCEPTED
    latest = built_household_a.history.first()
    assert built_household_a.history.count() == before + 1
    assert latest.status == "accepted" and latest.history_user == official_a
    assert latest.history_change_reason == "调试验收通过"


def test_history_reasons_are_stored_untranslated_whatever_the_language(
    built_household_a, official_a, district, today
):
    with translation.override("en"):
        record = accept(built_household_a, official_a)
        household_record_stove_removal(household=built_household_a, date=today, by=official_a)
        acceptance_revoke(acceptance=record, by=district, reason="复核不实")
    reasons = list(built_household_a.history.values_list("history_change_reason", flat=True))
    assert reasons[:3] == ["撤销验收", "燃煤炉具拆除", "调试验收通过"]
    assert record.history.last().history_change_reason == AcceptanceReason.INSPECT == "记录验收"
    with translation.override("en"):
        assert reason_label(reasons[0]) == "Revoke acceptance"


def test_commissioning_before_completion_is_refused(built_household_a, official_a, received):
    with pytest.raises(ValidationError) as excinfo:
        inspect(built_household_a, official_a, COMMISSIONING)
    assert messages_of(excinfo) == ["须先通过竣工验收，才能进行调试验收。"]
    assert Acceptance.objects.count() == 0 and received == []


def test_household_not_yet_built_cannot_be_inspected(built_household_a, official_a):
    built_household_a.status = HouseholdStatus.UNDER_CONSTRUCTION
    built_household_a.save()
    with pytest.raises(ValidationError) as excinfo:
        inspect(built_household_a, official_a, COMPLETION)
    assert messages_of(excinfo) == ["该户尚未完工（当前状态：施工中），不能验收。"]


def test_town_without_an_approved_plan_cannot_inspect(
    programme, town_a, official_a, gas_contractor
):
    TownPlan.objects.create(programme=programme, town=town_a, status=PlanStatus.SUBMITTED)
    household = built_household(programme, town_a, gas_contractor)
    with pytest.raises(ValidationError) as excinfo:
        inspect(household, official_a, COMPLETION)
    assert messages_of(excinfo) == ["洪山镇的实施方案尚未核准，不能组织验收。"]


def test_household_without_contractor_cannot_be_inspected(
    programme, town_a, approved_plan_a, official_a
):
    household = built_household(programme, town_a, None)
    with pytest.raises(ValidationError) as excinfo:
        inspect(household, official_a, COMPLETION)
    assert "该户未确定实施单位，不能验收。" in messages_of(excinfo)


def test_date_in_the_future_is_refused(built_household_a, official_a, today):
    with pytest.raises(ValidationError) as excinfo:
        inspect(built_household_a, official_a, COMPLETION, date=today + DAY)
    assert messages_of(excinfo) == ["验收日期不能晚于今天。"]


def test_commissioning_cannot_be_dated_before_completion(built_household_a, official_a, today):
    inspect(built_household_a, official_a, COMPLETION, date=today)
    with pytest.raises(ValidationError) as excinfo:
        inspect(built_household_a, official_a, COMMISSIONING, date=today - DAY)
    assert messages_of(excinfo) == [f"调试验收日期不能早于竣工验收日期（{today:%Y-%m-%d}）。"]


@pytest.mark.parametrize(
    ("inspectors", "message"),
    [
        ([{"name": "张村官", "organisation": "东村村委会"}], "验收人员至少两人。"),
        (
            [
                {"name": "张村官", "organisation": "东村村委会"},
                {"name": "李镇干", "organisation": "洪山镇政府"},
            ],
            "验收人员中须有施工单位人员。",
        ),
        (
            [
                {"name": "张村官", "organisation": "东村村委会"},
                {"name": "钱师傅", "organisation": "别家燃气公司", "is_contractor": True},
            ],
            "施工单位验收人员须来自该户的实施单位（淄川区燃气有限公司）。",
        ),
        (
            [
                {"name": "赵师傅", "organisation": "", "is_contractor": True},
                {"name": "钱师傅", "organisation": "淄川区燃气有限公司", "is_contractor": True},
            ],
            "验收人员中须有镇（村）一方人员。",
        ),
        (
            [{"name": "张村官", "organisation": ""}, {"name": "赵师傅", "is_contractor": True}],
            "请填写验收人员“张村官”的单位。",
        ),
    ],
)
def test_the_team_needs_two_people_one_of_them_the_contractors(
    built_household_a, official_a, inspectors, message
):
    with pytest.raises(ValidationError) as excinfo:
        inspect(built_household_a, official_a, COMPLETION, inspectors=inspectors)
    assert message in messages_of(excinfo)
    assert Acceptance.objects.count() == 0


def test_contractor_inspector_without_organisation_is_recorded_as_the_contractor(
    built_household_a, official_a
):
    record = inspect(
        built_household_a,
        official_a,
        COMPLETION,
        inspectors=[
            {"name": "张村官", "organisation": "东村村委会"},
            {"name": "赵师傅", "organisation": "", "is_contractor": True},
        ],
    )
    assert record.inspectors.get(is_contractor=True).organisation == "淄川区燃气有限公司"


def test_every_checklist_item_of_the_route_must_be_answered(built_household_a, official_a):
    checklist = all_pass()
    del checklist["gas_alarm"]
    with pytest.raises(ValidationError) as excinfo:
        inspect(built_household_a, official_a, COMPLETION, checklist=checklist)
    assert messages_of(excinfo) == ["检查项目未填写：燃气报警器已安装。"]


def test_electric_household_gets_the_electric_checklist(
    programme, town_a, approved_plan_a, official_a
):
    installer = ContractorFactory(name="淄川热泵安装公司", kind=ContractorKind.INSTALLER)
    household = built_household(programme, town_a, installer, route=Route.ELECTRIC)
    with pytest.raises(ValidationError) as excinfo:
        inspect(
            household,
            official_a,
            COMPLETION,
            checklist=all_pass("gas"),
            inspectors=team("淄川热泵安装公司"),
        )
    assert messages_of(excinfo) == [
        "检查项目未填写：线路容量满足要求、设备运行并达到设定温度。",
        "检查项目不适用于该户的改造方式：管道压力试验、燃气泄漏检测、燃气报警器已安装、"
        "烟道与通风、壁挂炉运行正常。",
    ]
    record = inspect(
        household,
        official_a,
        COMPLETION,
        checklist=all_pass("electric"),
        inspectors=team("淄川热泵安装公司"),
    )
    assert sorted(record.checklist.values_list("item", flat=True)) == [
        "elec_circuit",
        "elec_unit_runs",
    ]


def test_a_pass_needs_every_item_to_pass(built_household_a, official_a):
    with pytest.raises(ValidationError) as excinfo:
        inspect(
            built_household_a, official_a, COMPLETION, checklist={**all_pass(), "gas_leak": False}
        )
    assert messages_of(excinfo) == ["检查项目有不合格（燃气泄漏检测），不能判定为通过。"]


def test_a_failure_needs_defects_and_a_deadline_not_before_the_date(
    built_household_a, official_a, today
):
    with pytest.raises(ValidationError) as excinfo:
        inspect(built_household_a, official_a, COMPLETION, result="fail", defects="  ")
    assert messages_of(excinfo) == ["不通过时须填写存在问题。"]
    with pytest.raises(ValidationError) as excinfo:
        inspect(
            built_household_a, official_a, COMPLETION, result="fail", rectification_deadline=None
        )
    assert messages_of(excinfo) == ["不通过时须填写整改期限。"]
    with pytest.raises(ValidationError) as excinfo:
        inspect(
            built_household_a,
            official_a,
            COMPLETION,
            result="fail",
            rectification_deadline=today - DAY,
        )
    assert messages_of(excinfo) == ["整改期限不能早于验收日期。"]


def test_completion_cannot_pass_twice(built_household_a, official_a):
    inspect(built_household_a, official_a, COMPLETION)
    with pytest.raises(ValidationError) as excinfo:
        inspect(built_household_a, official_a, COMPLETION)
    assert messages_of(excinfo) == ["该户已通过竣工验收。"]


def test_accepted_household_is_not_inspected_again(built_household_a, official_a):
    accept(built_household_a, official_a)
    built_household_a.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        inspect(built_household_a, official_a, COMMISSIONING)
    assert "该户已通过调试验收，无需再验收。" in messages_of(excinfo)


# --- failure, rectification, re-inspection ---------------------------------------------------


def test_failed_commissioning_puts_the_household_into_rectification_without_accepting(
    built_household_a, official_a, received
):
    inspect(built_household_a, official_a, COMPLETION)
    failed = inspect(built_household_a, official_a, COMMISSIONING, result="fail")
    built_household_a.refresh_from_db()
    assert built_household_a.status == HouseholdStatus.BUILT
    assert acceptance_state(built_household_a) == AcceptanceState.RECTIFYING
    assert failed.checklist.get(item="gas_alarm").passed is False
    assert received == []


def test_reinspection_needs_a_recorded_rectification_first(built_household_a, official_a, received):
    inspect(built_household_a, official_a, COMPLETION)
    failed = inspect(built_household_a, official_a, COMMISSIONING, result="fail")
    with pytest.raises(ValidationError) as excinfo:
        inspect(built_household_a, official_a, COMMISSIONING)
    assert messages_of(excinfo) == ["该户正在整改，请先登记整改情况再复验。"]

    rectification = rectify(failed, official_a)
    assert rectification.history.first().history_user == official_a
    assert acceptance_state(built_household_a) == AcceptanceState.AWAITING_REINSPECTION
    inspect(built_household_a, official_a, COMMISSIONING)
    built_household_a.refresh_from_db()
    assert built_household_a.status == HouseholdStatus.ACCEPTED
    assert [name for name, _ in received] == ["accepted"]


def test_reinspection_must_be_of_the_same_kind(built_household_a, official_a):
    failed = inspect(built_household_a, official_a, COMPLETION, result="fail")
    rectify(failed, official_a)
    with pytest.raises(ValidationError) as excinfo:
        inspect(built_household_a, official_a, COMMISSIONING)
    assert "该户竣工验收未通过，正在整改，须先进行竣工验收复验。" in messages_of(excinfo)


def test_rectification_rules(built_household_a, official_a, today):
    passed = inspect(built_household_a, official_a, COMPLETION)
    with pytest.raises(ValidationError) as excinfo:
        rectify(passed, official_a)
    assert messages_of(excinfo) == ["只有未通过的验收才需要整改。"]

    failed = inspect(built_household_a, official_a, COMMISSIONING, result="fail", date=today)
    with pytest.raises(ValidationError) as excinfo:
        rectify(failed, official_a, date=today - DAY)
    assert messages_of(excinfo) == [f"整改完成日期不能早于验收日期（{today:%Y-%m-%d}）。"]
    with pytest.raises(ValidationError) as excinfo:
        rectify(failed, official_a, date=today + DAY)
    assert messages_of(excinfo) == ["整改完成日期不能晚于今天。"]
    rectify(failed, official_a)
    with pytest.raises(ValidationError) as excinfo:
        rectify(failed, official_a)
    assert messages_of(excinfo) == ["该次验收的整改情况已登记。"]
    assert Rectification.objects.count() == 1


# --- who may act -----------------------------------------------------------------------------


def test_another_towns_official_and_finance_cannot_record(built_household_a, official_b, finance):
    for user in (official_b, finance):
        with pytest.raises(PermissionDenied):
            inspect(built_household_a, user, COMPLETION)
    assert Acceptance.objects.count() == 0


# --- revocation ------------------------------------------------------------------------------


def test_district_revokes_commissioning_household_returns_to_built_and_signal_sent_once(
    built_household_a, official_a, district, received
):
    commissioning = accept(built_household_a, official_a)
    received.clear()
    revoked = acceptance_revoke(acceptance=commissioning, by=district, reason="虚报验收结果")
    assert revoked == [commissioning]
    commissioning.refresh_from_db()
    built_household_a.refresh_from_db()
    assert commissioning.revoked and commissioning.revoked_by == district
    assert commissioning.revoke_reason == "虚报验收结果" and commissioning.revoked_at
    assert built_household_a.status == HouseholdStatus.BUILT
    assert received == [
        ("revoked", {"household": built_household_a, "by": district, "reason": "虚报验收结果"})
    ]
    # The history reason is the fixed constant; the free text lives in `revoke_reason`.
    assert built_household_a.history.first().history_change_reason == "撤销验收"
    assert commissioning.history.first().history_change_reason == AcceptanceReason.REVOKE
    assert commissioning.history.first().revoked is True
    assert commissioning.history.first().history_user == district
    # The completion still stands: commissioning may be inspected again.
    assert acceptance_state(built_household_a) == AcceptanceState.AWAITING_COMMISSIONING
    inspect(built_household_a, official_a, COMMISSIONING)
    built_household_a.refresh_from_db()
    assert built_household_a.status == HouseholdStatus.ACCEPTED


def test_revoking_the_completion_revokes_the_commissioning_resting_on_it(
    built_household_a, official_a, district, received
):
    completion = inspect(built_household_a, official_a, COMPLETION)
    commissioning = inspect(built_household_a, official_a, COMMISSIONING)
    received.clear()
    revoked = acceptance_revoke(acceptance=completion, by=district, reason="竣工资料不实")
    assert {r.pk for r in revoked} == {completion.pk, commissioning.pk}
    assert Acceptance.objects.filter(revoked=True).count() == 2
    assert [name for name, _ in received] == ["revoked"]
    assert acceptance_state(built_household_a) == AcceptanceState.AWAITING_COMPLETION


def test_only_the_district_office_revokes(built_household_a, official_a, finance, received):
    commissioning = accept(built_household_a, official_a)
    for user in (official_a, finance):
        with pytest.raises(PermissionDenied):
            acceptance_revoke(acceptance=commissioning, by=user, reason="x")
    built_household_a.refresh_from_db()
    assert built_household_a.status == HouseholdStatus.ACCEPTED
    assert [name for name, _ in received] == ["accepted"]


def test_revoke_needs_a_reason_and_a_standing_pass(built_household_a, official_a, district):
    inspect(built_household_a, official_a, COMPLETION)
    failed = inspect(built_household_a, official_a, COMMISSIONING, result="fail")
    with pytest.raises(ValidationError) as excinfo:
        acceptance_revoke(acceptance=failed, by=district, reason="")
    assert messages_of(excinfo) == ["只能撤销通过的验收。", "请填写撤销原因。"]
    completion = Acceptance.objects.get(kind=COMPLETION)
    acceptance_revoke(acceptance=completion, by=district, reason="重复录入")
    with pytest.raises(ValidationError) as excinfo:
        acceptance_revoke(acceptance=completion, by=district, reason="重复录入")
    assert messages_of(excinfo) == ["该验收记录已撤销。"]


def test_revoking_an_acceptance_clears_the_stove_removal_kept_in_history(
    built_household_a, official_a, district, today
):
    commissioning = accept(built_household_a, official_a)
    household_record_stove_removal(household=built_household_a, date=today, by=official_a)
    acceptance_revoke(acceptance=commissioning, by=district, reason="设备未达标")
    built_household_a.refresh_from_db()
    assert built_household_a.coal_stove_removed_on is None
    assert built_household_a.history.filter(coal_stove_removed_on=today).exists()


# --- stove removal (先立后破) ----------------------------------------------------------------


def test_stove_removal_is_refused_before_acceptance(built_household_a, official_a, today):
    inspect(built_household_a, official_a, COMPLETION)
    with pytest.raises(ValidationError) as excinfo:
        household_record_stove_removal(household=built_household_a, date=today, by=official_a)
    assert messages_of(excinfo) == ["该户尚未通过调试验收，不能登记燃煤炉具拆除（先立后破）。"]
    built_household_a.refresh_from_db()
    assert built_household_a.coal_stove_removed_on is None


def test_database_refuses_a_stove_removal_date_on_a_household_not_accepted(
    built_household_a, today
):
    built_household_a.coal_stove_removed_on = today
    with pytest.raises(IntegrityError), transaction.atomic():
        built_household_a.save()


def test_stove_removal_after_acceptance_is_recorded_with_history(
    built_household_a, official_a, today
):
    accept(built_household_a, official_a)
    household_record_stove_removal(household=built_household_a, date=today, by=official_a)
    built_household_a.refresh_from_db()
    assert built_household_a.coal_stove_removed_on == today
    assert built_household_a.status == HouseholdStatus.ACCEPTED
    latest = built_household_a.history.first()
    assert latest.coal_stove_removed_on == today and latest.history_user == official_a
    with pytest.raises(ValidationError) as excinfo:
        household_record_stove_removal(household=built_household_a, date=today, by=official_a)
    assert messages_of(excinfo) == [f"该户已登记燃煤炉具拆除日期（{today:%Y-%m-%d}）。"]


def test_stove_removal_cannot_be_dated_before_commissioning_or_in_the_future(
    built_household_a, official_a, today
):
    accept(built_household_a, official_a, date=today)
    with pytest.raises(ValidationError) as excinfo:
        household_record_stove_removal(household=built_household_a, date=today - DAY, by=official_a)
    assert messages_of(excinfo) == [f"拆除日期不能早于调试验收通过日期（{today:%Y-%m-%d}）。"]
    with pytest.raises(ValidationError) as excinfo:
        household_record_stove_removal(household=built_household_a, date=today + DAY, by=official_a)
    assert messages_of(excinfo) == ["拆除日期不能晚于今天。"]
    with pytest.raises(PermissionDenied):
        household_record_stove_removal(household=built_household_a, date=today, by=DistrictLike())


class DistrictLike:
    """A user without the stove-removal permission."""

    def has_perm(self, perm):
        return False


# --- database guards -------------------------------------------------------------------------


def test_database_allows_one_standing_pass_per_kind(built_household_a, official_a, today):
    inspect(built_household_a, official_a, COMPLETION)
    with pytest.raises(IntegrityError), transaction.atomic():
        Acceptance.objects.create(
            household=built_household_a, kind=COMPLETION, date=today, result="pass"
        )


def test_database_refuses_a_failure_without_deadline(built_household_a, today):
    with pytest.raises(IntegrityError), transaction.atomic():
        Acceptance.objects.create(
            household=built_household_a, kind=COMPLETION, date=today, result="fail", defects="漏气"
        )


def test_database_refuses_a_revocation_without_reason(built_household_a, today):
    with pytest.raises(IntegrityError), transaction.atomic():
        Acceptance.objects.create(
            household=built_household_a,
            kind=COMPLETION,
            date=today,
            result="pass",
            revoked=True,
            revoked_at=timezone.now(),
        )


def test_a_refused_inspection_writes_nothing(built_household_a, official_a):
    with pytest.raises(ValidationError):
        inspect(built_household_a, official_a, COMMISSIONING)
    assert Acceptance.objects.count() == 0
    assert Inspector.objects.count() == 0
    assert ChecklistResult.objects.count() == 0
    assert Acceptance.history.count() == 0


def test_states_of_households_outside_acceptance(built_household_a, official_a):
    built_household_a.status = HouseholdStatus.WITHDRAWN
    built_household_a.withdrawal_reason = "搬迁"
    built_household_a.save()
    assert acceptance_state(built_household_a) == AcceptanceState.WITHDRAWN
    built_household_a.status = HouseholdStatus.CONTRACTED
    built_household_a.save()
    assert acceptance_state(built_household_a) == AcceptanceState.NOT_BUILT
    with pytest.raises(ValidationError) as excinfo:
        inspect(built_household_a, official_a, COMPLETION)
    assert messages_of(excinfo) == ["该户尚未完工（当前状态：已签约），不能验收。"]
