"""Subsidy standards, each household's instalments, disbursement batches and their lines.

History: every model keeps django-simple-history rows for single-row saves. Bulk actions
(schedule generation, batch preparation, marking a batch paid, bank returns, re-pricing)
write through `QuerySet.update` / `bulk_create`, which simple-history does not see, so each
of them writes ONE compact `SubsidyEvent` row (who, when, what, how many, how much, ids).
"""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tasks.models import Household, Programme, Route, Town
from tasks.models.programme import recorded_user
from zichuan_heating.scoping import TownScopedQuerySet
from zichuan_heating.transitions import Flow, Transition

MONEY = {"max_digits": 12, "decimal_places": 2}


class OperatingKind(models.TextChoices):
    FIXED = "fixed", _("定额")
    PER_UNIT = "per_unit", _("按用量")


class SubsidyStandard(models.Model):
    """One version of the subsidy standard of a route in a programme (补贴标准)."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("年度"), on_delete=models.PROTECT, related_name="standards"
    )
    route = models.CharField(_("改造方式"), max_length=16, choices=Route.choices)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    effective_from = models.DateField(_("生效日期"))
    construction_amount = models.DecimalField(_("建设补贴（元/户）"), default=0, **MONEY)
    equipment_rate = models.DecimalField(
        _("设备购置补贴比例"),
        max_digits=5,
        decimal_places=4,
        default=0,
        help_text=_("按设备价格的比例，如 0.7000 表示 70%。"),
    )
    equipment_cap = models.DecimalField(
        _("设备购置补贴上限（元/户）"), null=True, blank=True, **MONEY
    )
    operating_kind = models.CharField(
        _("运行补贴方式"), max_length=10, choices=OperatingKind.choices
    )
    operating_amount = models.DecimalField(_("运行补贴定额（元/户·采暖季）"), default=0, **MONEY)
    operating_unit = models.CharField(
        _("计量单位"), max_length=20, blank=True, help_text=_("如：立方米、千瓦时")
    )
    operating_unit_rate = models.DecimalField(
        _("每单位补贴（元）"), max_digits=10, decimal_places=4, default=0
    )
    operating_units_per_season = models.DecimalField(
        _("每采暖季核定用量"), max_digits=12, decimal_places=2, default=0
    )
    operating_cap = models.DecimalField(
        _("运行补贴上限（元/户·采暖季）"), null=True, blank=True, **MONEY
    )
    operating_floor = models.DecimalField(
        _("运行补贴保底（元/户·采暖季）"),
        null=True,
        blank=True,
        help_text=_("按用量计算时每采暖季至少补贴的金额；不设则无保底。"),
        **MONEY,
    )
    seasons = models.PositiveSmallIntegerField(_("运行补贴采暖季数"), default=6)
    is_example = models.BooleanField(
        _("示例数据"),
        default=False,
        help_text=_("实施方案未列明的金额，仅为示例，须由财政局核定。"),
    )
    notes = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    history = HistoricalRecords(verbose_name=_("补贴标准修改记录"))

    class Meta:
        verbose_name = _("补贴标准")
        verbose_name_plural = _("补贴标准")
        ordering = ["programme", "route", "-version"]
        permissions = [("manage_standards", _("可维护补贴标准"))]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "route", "version"], name="standard_unique_version"
            ),
            models.CheckConstraint(
                condition=Q(construction_amount__gte=0)
                & Q(operating_amount__gte=0)
                & Q(operating_unit_rate__gte=0)
                & Q(operating_units_per_season__gte=0)
                & Q(equipment_rate__gte=0)
                & Q(equipment_rate__lte=1)
                & (Q(equipment_cap__isnull=True) | Q(equipment_cap__gte=0))
                & (Q(operating_cap__isnull=True) | Q(operating_cap__gte=0)),
                name="standard_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(seasons__gte=1) & Q(seasons__lte=20), name="standard_seasons_range"
            ),
            models.CheckConstraint(
                condition=Q(operating_floor__isnull=True)
                | (
                    Q(operating_floor__gte=0)
                    & (Q(operating_cap__isnull=True) | Q(operating_floor__lte=F("operating_cap")))
                ),
                name="standard_floor_within_cap",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.year} {self.get_route_display()} v{self.version}"


class InstalmentItem(models.TextChoices):
    CONSTRUCTION = "construction", _("建设补贴")
    EQUIPMENT = "equipment", _("设备购置补贴")
    OPERATING = "operating", _("运行费用补贴")


class InstalmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("待发放")
    BATCHED = "batched", _("已入批次")
    PAID = "paid", _("已发放")
    CANCELLED = "cancelled", _("已取消")


class SubsidyReason(models.TextChoices):
    """Why a subsidy history row was written; stored as the Chinese text, shown translated."""

    STANDARD_CHANGE = "调整补贴标准", _("调整补贴标准")
    REINSTATED = "恢复补贴计划", _("恢复补贴计划")
    CANCELLED = "取消补贴计划", _("取消补贴计划")
    LINE_FAILED = "明细支付失败", _("明细支付失败")


class InstalmentQuerySet(TownScopedQuerySet):
    town_field = "household__town_id"

    def unpaid(self) -> "InstalmentQuerySet":
        return self.filter(status__in=[InstalmentStatus.SCHEDULED, InstalmentStatus.BATCHED])


class Instalment(models.Model):
    """One payment due to one household: a one-off item, or one heating season's operating."""

    # No separate index: the unique (household, item, season) index leads with household
    # and serves every lookup by household; one index fewer keeps bulk generation fast.
    household = models.ForeignKey(
        Household,
        verbose_name=_("改造户"),
        on_delete=models.PROTECT,
        related_name="instalments",
        db_index=False,
    )
    item = models.CharField(_("补贴项目"), max_length=16, choices=InstalmentItem.choices)
    season = models.CharField(
        _("采暖季"), max_length=9, blank=True, help_text=_("如 2021-2022；一次性补贴为空。")
    )
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    previous_amount = models.DecimalField(_("调整前金额（元）"), null=True, blank=True, **MONEY)
    # Unindexed: only read when a standard changes (a rare, whole-table re-pricing anyway).
    standard = models.ForeignKey(
        SubsidyStandard,
        verbose_name=_("适用标准"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=InstalmentStatus.choices,
        default=InstalmentStatus.SCHEDULED,
    )
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    due_date = models.DateField(_("应发日期"))
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = InstalmentQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("补贴计划修改记录"), excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("补贴发放计划")
        verbose_name_plural = _("补贴发放计划")
        ordering = ["household_id", "due_date", "item", "season"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "item", "season"], name="instalment_unique_per_season"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="instalment_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(previous_amount__isnull=True) | Q(previous_amount__gte=0),
                name="instalment_previous_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                name="instalment_cancel_has_reason",
            ),
            models.CheckConstraint(
                condition=(Q(item="operating") & ~Q(season=""))
                | (~Q(item="operating") & Q(season="")),
                name="instalment_season_only_for_operating",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "season", "due_date"], name="instalment_pool"),
        ]

    def __str__(self) -> str:
        return f"{self.get_item_display()} {self.season}".strip()

    @property
    def difference(self) -> Decimal | None:
        if self.previous_amount is None:
            return None
        return self.amount - self.previous_amount


#: An instalment's life: scheduled → batched → paid; a failed line returns it to the pool;
#: revocation cancels whatever is unpaid; a new acceptance reinstates a cancelled one.
INSTALMENT_FLOW = Flow(
    "status",
    [
        Transition(
            "batch",
            _("加入批次"),
            frozenset({InstalmentStatus.SCHEDULED}),
            InstalmentStatus.BATCHED,
        ),
        Transition(
            "cancel",
            _("取消"),
            frozenset({InstalmentStatus.SCHEDULED, InstalmentStatus.BATCHED}),
            InstalmentStatus.CANCELLED,
        ),
        Transition("pay", _("发放"), frozenset({InstalmentStatus.BATCHED}), InstalmentStatus.PAID),
        Transition(
            "release",
            _("退回待发放"),
            frozenset({InstalmentStatus.BATCHED}),
            InstalmentStatus.SCHEDULED,
        ),
        Transition(
            "reinstate",
            _("恢复"),
            frozenset({InstalmentStatus.CANCELLED}),
            InstalmentStatus.SCHEDULED,
        ),
    ],
)


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


class BatchLineQuerySet(TownScopedQuerySet):
    town_field = "instalment__household__town_id"


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

    objects = BatchLineQuerySet.as_manager()
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


class SubsidyEvent(models.Model):
    """A compact audit row: one per bulk action, and the approval trail of each batch."""

    class Action(models.TextChoices):
        STANDARDS_LOADED = "standards_loaded", _("加载补贴标准")
        STANDARD_CHANGED = "standard_changed", _("调整补贴标准")
        SCHEDULES_GENERATED = "schedules_generated", _("生成补贴计划")
        INSTALMENTS_CANCELLED = "instalments_cancelled", _("取消未发放补贴")
        BATCH_PREPARED = "batch_prepared", _("编制批次")
        LINE_ADDED = "line_added", _("加入批次")
        BATCH_APPROVED = "batch_approved", _("审核通过")
        BATCH_RETURNED = "batch_returned", _("退回制单人")
        BATCH_RESUBMITTED = "batch_resubmitted", _("重新提交审核")
        BATCH_WITHDRAWN = "batch_withdrawn", _("撤销批次")
        APPROVAL_VOIDED = "approval_voided", _("审核失效")
        BATCH_EXPORTED = "batch_exported", _("导出发放表")
        FULL_ID_EXPORTED = "full_id_exported", _("导出完整身份证号")
        BATCH_PAID = "batch_paid", _("确认发放")
        LINE_FAILED = "line_failed", _("明细支付失败")
        BANK_RETURN = "bank_return", _("导入银行回单")

    action = models.CharField(_("操作"), max_length=24, choices=Action.choices)
    by = recorded_user(_("操作人"), optional=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    programme = models.ForeignKey(
        Programme, verbose_name=_("年度"), null=True, blank=True, on_delete=models.PROTECT
    )
    batch = models.ForeignKey(
        DisbursementBatch,
        verbose_name=_("批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    household = models.ForeignKey(
        Household, verbose_name=_("改造户"), null=True, blank=True, on_delete=models.PROTECT
    )
    count = models.PositiveIntegerField(_("笔数"), default=0)
    amount = models.DecimalField(_("金额（元）"), default=0, **MONEY)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    details = models.JSONField(_("明细"), default=dict, blank=True)

    class Meta:
        verbose_name = _("补贴操作记录")
        verbose_name_plural = _("补贴操作记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


# The payments package's models (accounts, fund shares, budgets) belong to this app.
# Meters, readings, flags and adjustments live in their own package; imported here so Django
# registers them with this app.
from subsidies.metering.models import *  # noqa: E402, F403
from subsidies.payments.models import (  # noqa: E402, F401
    FundBudget,
    FundShare,
    PaymentAccount,
)
