"""Disbursement batches and their lines."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from subsidies.models.common import MONEY
from subsidies.models.instalments import Instalment
from tasks.models import Programme, Town
from tasks.models.programme import recorded_user
from zichuan_heating.scoping import TownScopedQuerySet
from zichuan_heating.transitions import Flow, Transition


class BatchState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    APPROVED = "approved", _("已审核")
    EXPORTED = "exported", _("已导出")
    PAID = "paid", _("已发放")
    RETURNED = "returned", _("已退回")
    WITHDRAWN = "withdrawn", _("已撤销")


#: States without an approval: the batch waits for one, or was returned or withdrawn.
UNAPPROVED_STATES = ("draft", "returned", "withdrawn")


class DisbursementBatch(models.Model):
    """A disbursement batch (发放批次) of one heating season, for all towns or some."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("年度"), on_delete=models.PROTECT, related_name="batches"
    )
    season = models.CharField(_("采暖季"), max_length=9)
    towns = models.ManyToManyField(Town, verbose_name=_("镇（街道）"), related_name="+")
    state = models.CharField(
        _("状态"), max_length=10, choices=BatchState.choices, default=BatchState.DRAFT
    )
    prepared_by = recorded_user(_("制单人"))
    prepared_at = models.DateTimeField(_("制单时间"), auto_now_add=True)
    approved_by = recorded_user(_("审核人"), optional=True)
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    exported_at = models.DateTimeField(_("导出时间"), null=True, blank=True)
    returned_by = recorded_user(_("退回人"), optional=True)
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=300, blank=True)
    paid_by = recorded_user(_("确认发放人"), optional=True)
    payment_reference = models.CharField(_("支付凭证号"), max_length=64, blank=True)
    payment_date = models.DateField(_("支付日期"), null=True, blank=True)
    total_amount = models.DecimalField(_("合计金额（元）"), default=0, **MONEY)
    line_count = models.PositiveIntegerField(_("笔数"), default=0)

    history = HistoricalRecords(verbose_name=_("发放批次修改记录"))

    class Meta:
        verbose_name = _("发放批次")
        verbose_name_plural = _("发放批次")
        ordering = ["-id"]
        permissions = [
            ("prepare_batch", _("可编制发放批次")),
            ("approve_batch", _("可审核发放批次")),
            ("export_batch", _("可导出发放表")),
            ("export_full_id", _("可导出完整身份证号")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
                name="batch_approver_not_preparer",
            ),
            models.CheckConstraint(
                condition=Q(state__in=UNAPPROVED_STATES) | Q(approved_by__isnull=False),
                name="batch_approved_has_approver",
            ),
            models.CheckConstraint(
                condition=~Q(state="returned") | ~Q(return_reason=""),
                name="batch_returned_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(state="paid")
                | (~Q(payment_reference="") & Q(payment_date__isnull=False)),
                name="batch_paid_has_reference",
            ),
            models.CheckConstraint(
                condition=Q(total_amount__gte=0), name="batch_total_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.season}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("subsidies:batch_detail", args=[self.pk])

    @property
    def number(self) -> str:
        return f"PC{self.pk:05d}"


#: A batch: prepared as a draft, approved by a second finance user, exported to the bank,
#: paid. Any change to an approved batch voids its approval (back to draft). The approver may
#: instead return a draft to the preparer with a reason; the preparer revises its lines and
#: resubmits it (back to draft), or withdraws it (its lines go back to the pool).
BATCH_FLOW = Flow(
    "state",
    [
        # Actions that leave the state as it is: only ever checked, never applied.
        Transition(
            "add_line",
            _("加入明细"),
            frozenset({BatchState.DRAFT, BatchState.APPROVED, BatchState.RETURNED}),
            "",
        ),
        Transition(
            "fail_line",
            _("标记明细支付失败"),
            frozenset(
                {BatchState.DRAFT, BatchState.APPROVED, BatchState.EXPORTED, BatchState.RETURNED}
            ),
            "",
        ),
        Transition(
            "bank_return", _("导入银行回单"), frozenset({BatchState.EXPORTED, BatchState.PAID}), ""
        ),
        Transition(
            "download",
            _("导出发放表"),
            frozenset({BatchState.APPROVED, BatchState.EXPORTED, BatchState.PAID}),
            "",
        ),
        # The moves.
        Transition("approve", _("审核"), frozenset({BatchState.DRAFT}), BatchState.APPROVED),
        Transition("return", _("退回制单人"), frozenset({BatchState.DRAFT}), BatchState.RETURNED),
        Transition("resubmit", _("重新提交"), frozenset({BatchState.RETURNED}), BatchState.DRAFT),
        Transition(
            "withdraw",
            _("撤销批次"),
            frozenset({BatchState.DRAFT, BatchState.RETURNED}),
            BatchState.WITHDRAWN,
        ),
        Transition(
            "void_approval", _("撤销审核"), frozenset({BatchState.APPROVED}), BatchState.DRAFT
        ),
        Transition("export", _("导出"), frozenset({BatchState.APPROVED}), BatchState.EXPORTED),
        Transition("pay", _("确认发放"), frozenset({BatchState.EXPORTED}), BatchState.PAID),
    ],
)


class LineState(models.TextChoices):
    INCLUDED = "included", _("待支付")
    PAID = "paid", _("已支付")
    FAILED = "failed", _("支付失败")


class BatchLine(models.Model):
    """One instalment in one batch. A failed line stays as a record; the instalment returns."""

    batch = models.ForeignKey(
        DisbursementBatch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="lines"
    )
    instalment = models.ForeignKey(
        Instalment, verbose_name=_("补贴计划"), on_delete=models.PROTECT, related_name="lines"
    )
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    state = models.CharField(
        _("状态"), max_length=10, choices=LineState.choices, default=LineState.INCLUDED
    )
    failure_reason = models.CharField(_("失败原因"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = TownScopedQuerySet.as_manager()
    town_field = "instalment__household__town_id"
    history = HistoricalRecords(verbose_name=_("发放明细修改记录"), excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("发放明细")
        verbose_name_plural = _("发放明细")
        ordering = ["batch", "id"]
        constraints = [
            # The rule of the whole module: an instalment is paid at most once.
            models.UniqueConstraint(
                fields=["instalment"], condition=Q(state="paid"), name="line_paid_once"
            ),
            # And it sits in at most one batch at a time (a failed line frees it).
            models.UniqueConstraint(
                fields=["instalment"], condition=~Q(state="failed"), name="line_one_open"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="line_amount_not_negative"),
            models.CheckConstraint(
                condition=~Q(state="failed") | ~Q(failure_reason=""),
                name="line_failed_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.pk}"


#: A line: included until the bank pays it or it fails (a failed line frees its instalment).
LINE_FLOW = Flow(
    "state",
    [
        Transition("pay", _("确认支付"), frozenset({LineState.INCLUDED}), LineState.PAID),
        Transition("fail", _("标记支付失败"), frozenset({LineState.INCLUDED}), LineState.FAILED),
    ],
)
