"""Batches: what is taken, four-eyes approval, changes void approval, payment, failures,
bank returns (idempotent, all-or-nothing) and the accepted-only rule."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from subsidies import services
from subsidies.models import BatchLine, BatchState, Instalment, LineState, SubsidyEvent
from subsidies.queries import amounts_by_season, duplicated_payments
from tests.factories import HouseholdFactory
from tests.subsidies.helpers import bank_return_file, pay_on_estimate

pytestmark = pytest.mark.django_db
PAY_DAY = datetime.date(2021, 12, 1)


@pytest.fixture
def scheduled(programme, make_accepted, town_a, town_b, finance):
    households = [make_accepted(town_a), make_accepted(town_a), make_accepted(town_b)]
    services.schedules_generate(programme=programme)
    pay_on_estimate(finance)
    return households


def prepare(programme, towns, finance, season="2021-2022"):
    return services.batch_prepare(programme=programme, season=season, towns=towns, by=finance)


def test_a_batch_takes_due_unpaid_unbatched_instalments_of_accepted_households_in_its_towns(
    programme, scheduled, town_a, finance
):
    batch = prepare(programme, [town_a], finance)
    items = sorted(batch.lines.values_list("instalment__item", "instalment__season", "amount"))
    assert items == sorted(
        [
            ("construction", "", Decimal("3000.00")),
            ("equipment", "", Decimal("2800.00")),
            ("operating", "2021-2022", Decimal("900.00")),
        ]
        * 2
    )
    assert (batch.line_count, batch.total_amount, batch.state) == (6, Decimal("13400.00"), "draft")
    assert Instalment.objects.filter(status="batched").count() == 6
    # town_b's instalments and later seasons stay in the pool
    assert Instalment.objects.filter(household=scheduled[2], status="scheduled").count() == 8
    with pytest.raises(ValidationError, match="没有待发放"):
        prepare(programme, [town_a], finance)


def test_households_no_longer_accepted_are_left_out(programme, scheduled, town_a, finance):
    h = scheduled[0]
    h.status = "built"
    h.save()
    batch = prepare(programme, [town_a], finance)
    assert not batch.lines.filter(instalment__household=h).exists()
    assert batch.line_count == 3


def test_instalments_not_yet_due_are_left_out(programme, scheduled, town_a, finance):
    Instalment.objects.filter(season="2021-2022").update(due_date=datetime.date(2099, 1, 1))
    batch = prepare(programme, [town_a], finance)
    assert set(batch.lines.values_list("instalment__item", flat=True)) == {
        "construction",
        "equipment",
    }


def test_the_preparer_cannot_approve_and_a_second_finance_user_can(
    programme, scheduled, town_a, finance, finance2
):
    batch = prepare(programme, [town_a], finance)
    with pytest.raises(ValidationError, match="制单人不能审核"):
        services.batch_approve(batch=batch, by=finance)
    batch.refresh_from_db()
    assert batch.state == "draft" and batch.approved_by is None
    services.batch_approve(batch=batch, by=finance2)
    batch.refresh_from_db()
    assert batch.state == "approved" and batch.approved_by == finance2
    with pytest.raises(ValidationError, match="不能审核"):
        services.batch_approve(batch=batch, by=finance2)


def test_the_database_refuses_an_approver_who_prepared_the_batch(
    programme, scheduled, town_a, finance
):
    batch = prepare(programme, [town_a], finance)
    batch.approved_by, batch.state = finance, "approved"
    with pytest.raises(IntegrityError), transaction.atomic():
        batch.save()


def test_a_town_official_or_district_cannot_prepare_or_approve(
    programme, scheduled, town_a, finance, official_a, district
):
    for user in (official_a, district):
        with pytest.raises(PermissionDenied, match="没有执行此操作的权限"):
            prepare(programme, [town_a], user)
    batch = prepare(programme, [town_a], finance)
    with pytest.raises(PermissionDenied, match="没有执行此操作的权限"):
        services.batch_approve(batch=batch, by=district)


def test_a_superuser_without_the_finance_role_cannot_approve(
    programme, scheduled, town_a, finance, administrator
):
    assert administrator.is_superuser and administrator.has_perm("subsidies.approve_batch")
    batch = prepare(programme, [town_a], finance)
    with pytest.raises(PermissionDenied, match="没有执行此操作的权限"):
        services.batch_approve(batch=batch, by=administrator)
    batch.refresh_from_db()
    assert batch.state == "draft" and batch.approved_by is None


def test_adding_a_line_after_approval_voids_the_approval(
    programme, make_accepted, scheduled, town_a, finance, finance2
):
    batch = prepare(programme, [town_a], finance)
    services.batch_approve(batch=batch, by=finance2)
    late = make_accepted(town_a)
    services.schedule_generate(household=late)
    inst = late.instalments.get(item="construction")
    services.batch_line_add(batch=batch, instalment=inst, by=finance)
    batch.refresh_from_db()
    assert (batch.state, batch.approved_by, batch.line_count) == ("draft", None, 7)
    assert batch.total_amount == Decimal("16400.00")
    assert list(batch.events.values_list("action", flat=True)) == [
        "batch_prepared",
        "batch_approved",
        "approval_voided",
        "line_added",
    ]
    with pytest.raises(ValidationError, match="已在批次中"):
        services.batch_line_add(batch=batch, instalment=inst, by=finance)


def test_removing_a_line_after_approval_voids_the_approval(
    programme, scheduled, town_a, finance, finance2
):
    batch = prepare(programme, [town_a], finance)
    services.batch_approve(batch=batch, by=finance2)
    line = batch.lines.first()
    services.line_mark_failed(line=line, reason="账号有误", by=finance)
    batch.refresh_from_db()
    assert batch.state == "draft" and batch.approved_by is None
    assert line.instalment.__class__.objects.get(pk=line.instalment_id).status == "scheduled"


def test_the_full_path_pays_each_instalment_once(programme, scheduled, town_a, finance, finance2):
    batch = prepare(programme, [town_a], finance)
    with pytest.raises(ValidationError, match="当前状态为“草稿”，不能导出"):
        services.batch_mark_exported(batch=batch, by=finance)
    services.batch_approve(batch=batch, by=finance2)
    with pytest.raises(ValidationError, match="当前状态为“已审核”，不能确认发放"):
        services.batch_mark_paid(batch=batch, reference="ZF1", date=PAY_DAY, by=finance)
    services.batch_mark_exported(batch=batch, by=finance)
    line = batch.lines.order_by("id").first()
    services.line_mark_failed(line=line, reason="户名不符", by=finance)
    services.batch_mark_paid(batch=batch, reference="ZF1", date=PAY_DAY, by=finance)
    batch.refresh_from_db()
    assert (batch.state, batch.payment_reference, batch.payment_date) == ("paid", "ZF1", PAY_DAY)
    assert batch.line_count == 5
    assert batch.lines.filter(state="paid").count() == 5
    assert Instalment.objects.filter(status="paid").count() == 5
    assert Instalment.objects.get(pk=line.instalment_id).status == "scheduled"  # back in pool
    with pytest.raises(ValidationError):
        services.batch_mark_paid(batch=batch, reference="ZF1", date=PAY_DAY, by=finance)
    # the failed instalment goes into the next batch
    again = prepare(programme, [town_a], finance)
    assert list(again.lines.values_list("instalment_id", flat=True)) == [line.instalment_id]
    assert duplicated_payments() == []
    rows = {r["season"]: r for r in amounts_by_season(programme, town_id=town_a.id)}
    assert (
        sum(r["paid"] for r in rows.values())
        == batch.total_amount
        == Decimal("13400.00") - line.amount
    )
    assert rows["2021-2022"]["committed"] == Decimal("1800.00")
    assert rows["2022-2023"]["paid"] == Decimal("0.00")


def test_the_database_refuses_a_second_paid_line_for_one_instalment(
    programme, scheduled, town_a, finance
):
    batch = prepare(programme, [town_a], finance)
    line = batch.lines.first()
    BatchLine.objects.filter(pk=line.pk).update(state="paid")
    other = services.batch_prepare(
        programme=programme, season="2022-2023", towns=[town_a], by=finance
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        BatchLine.objects.create(
            batch=other, instalment=line.instalment, amount=line.amount, state="paid"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        BatchLine.objects.create(batch=other, instalment=line.instalment, amount=line.amount)


def test_nothing_is_paid_to_a_household_that_is_no_longer_accepted(
    programme, scheduled, town_a, finance, finance2
):
    batch = prepare(programme, [town_a], finance)
    services.batch_approve(batch=batch, by=finance2)
    services.batch_mark_exported(batch=batch, by=finance)
    # status changed behind the services' back (no signal): the payment still refuses
    h = scheduled[0]
    h.status = "built"
    h.save()
    with pytest.raises(ValidationError, match="已不是“已验收”"):
        services.batch_mark_paid(batch=batch, reference="ZF1", date=PAY_DAY, by=finance)
    assert not Instalment.objects.filter(status="paid").exists()
    assert batch.lines.filter(state="paid").count() == 0


def test_mark_paid_needs_reference_and_date(programme, scheduled, town_a, finance, finance2):
    batch = prepare(programme, [town_a], finance)
    services.batch_approve(batch=batch, by=finance2)
    services.batch_mark_exported(batch=batch, by=finance)
    with pytest.raises(ValidationError, match="支付凭证号"):
        services.batch_mark_paid(batch=batch, reference=" ", date=PAY_DAY, by=finance)


@pytest.fixture
def exported(programme, scheduled, town_a, finance, finance2):
    batch = prepare(programme, [town_a], finance)
    services.batch_approve(batch=batch, by=finance2)
    services.batch_mark_exported(batch=batch, by=finance)
    return batch


def test_a_bank_return_applies_once_and_reimporting_changes_nothing(exported, finance):
    lines = list(exported.lines.select_related("instalment__household").order_by("id"))
    rows = [(lines[0].pk, "", "成功", "")]
    other = next(x for x in lines if x.instalment.household_id != lines[0].instalment.household_id)
    rows += [("", other.instalment.household.id_number, "失败", "账户冻结")]  # by ID: its 3 lines
    first = services.bank_return_import(batch=exported, file=bank_return_file(rows), by=finance)
    assert (first.paid, first.failed) == (1, 3)
    states = dict(exported.lines.values_list("id", "state"))
    history = SubsidyEvent.objects.filter(action="bank_return").count()
    second = services.bank_return_import(batch=exported, file=bank_return_file(rows), by=finance)
    assert (second.paid, second.failed, second.changed) == (0, 0, 0)
    assert dict(exported.lines.values_list("id", "state")) == states
    assert SubsidyEvent.objects.filter(action="bank_return").count() == history
    assert Instalment.objects.filter(status="paid").count() == 1
    exported.refresh_from_db()
    assert exported.line_count == 3


def test_a_bank_return_with_a_bad_row_writes_nothing_and_names_every_bad_row(exported, finance):
    line = exported.lines.first()
    rows = [(line.pk, "", "成功", ""), ("999999", "", "成功", ""), (line.pk, "", "也许", "")]
    with pytest.raises(services.BankReturnError) as err:
        services.bank_return_import(batch=exported, file=bank_return_file(rows), by=finance)
    assert [(r, c) for r, c, _m in err.value.rows] == [(3, "明细编号"), (4, "结果")]
    assert not exported.lines.exclude(state="included").exists()


def test_a_paid_line_cannot_be_turned_failed_by_a_later_return(exported, finance):
    line = exported.lines.first()
    services.bank_return_import(
        batch=exported, file=bank_return_file([(line.pk, "", "成功", "")]), by=finance
    )
    with pytest.raises(services.BankReturnError):
        services.bank_return_import(
            batch=exported, file=bank_return_file([(line.pk, "", "失败", "退回")]), by=finance
        )
    line.refresh_from_db()
    assert line.state == LineState.PAID


def test_a_household_outside_the_batch_towns_cannot_be_added(programme, scheduled, town_a, finance):
    batch = prepare(programme, [town_a], finance)
    inst = scheduled[2].instalments.get(item="construction")
    with pytest.raises(ValidationError, match="不在本批次范围"):
        services.batch_line_add(batch=batch, instalment=inst, by=finance)
    assert batch.state == BatchState.DRAFT


def test_a_surveyed_household_is_not_in_any_pool(programme, standards, town_a, finance):
    HouseholdFactory(programme=programme, town=town_a, status="surveyed")
    services.schedules_generate(programme=programme)
    pay_on_estimate(finance)
    assert not Instalment.objects.exists()


def test_a_bank_return_the_reader_refuses_is_a_validation_error_saying_why(
    exported, finance, settings
):
    with pytest.raises(ValidationError, match="不是 Excel 工作簿"):
        services.bank_return_import(
            batch=exported, file=io.BytesIO(b"line,result\n1,ok\n"), by=finance
        )
    settings.BANK_RETURN_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="文件过大"):
        services.bank_return_import(
            batch=exported, file=bank_return_file([("1", "", "成功", "")]), by=finance
        )
    assert not exported.lines.exclude(state="included").exists()
