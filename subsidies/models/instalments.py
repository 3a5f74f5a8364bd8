"""Each household's instalments: one-off items and one operating instalment per season."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from subsidies.models.common import MONEY
from subsidies.models.standards import SubsidyStandard
from tasks.models.programme import household_key
from zichuan_heating.scoping import HouseholdScopedQuerySet
from zichuan_heating.transitions import Flow, Transition


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


class InstalmentQuerySet(HouseholdScopedQuerySet):
    def unpaid(self) -> "InstalmentQuerySet":
        return self.filter(status__in=[InstalmentStatus.SCHEDULED, InstalmentStatus.BATCHED])


class Instalment(models.Model):
    """One payment due to one household: a one-off item, or one heating season's operating."""

    # No separate index: the unique (household, item, season) index leads with household
    # and serves every lookup by household; one index fewer keeps bulk generation fast.
    household = household_key("instalments", db_index=False)
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
