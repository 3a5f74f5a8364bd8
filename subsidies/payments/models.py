"""Payment accounts (收款账户), fund sources' shares per standard version, and budgets."""

import re

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tasks.models import Household, Programme
from tasks.models.programme import recorded_user
from zichuan_heating.scoping import HouseholdScopedQuerySet

MONEY = {"max_digits": 14, "decimal_places": 2}


class AccountKind(models.TextChoices):
    ONE_CARD = "one_card", _("惠民惠农财政补贴资金一卡通")
    BANK = "bank", _("银行账户")


class PaymentAccount(models.Model):
    """Where a household's subsidy is paid: its one-card or a bank account."""

    household = models.OneToOneField(
        Household,
        verbose_name=_("改造户"),
        on_delete=models.PROTECT,
        related_name="payment_account",
    )
    kind = models.CharField(_("账户类型"), max_length=10, choices=AccountKind.choices)
    bank = models.CharField(_("开户银行"), max_length=60)
    holder = models.CharField(_("户名"), max_length=40)
    number = models.CharField(_("账号"), max_length=30)
    updated_by = recorded_user(_("修改人"), optional=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = HouseholdScopedQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("收款账户修改记录"), excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("收款账户")
        verbose_name_plural = _("收款账户")
        constraints = [
            models.CheckConstraint(
                condition=~Q(bank="") & ~Q(holder="") & ~Q(number=""),
                name="payment_account_complete",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["one_card", "bank"]), name="payment_account_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank} {self.holder}"


class FundSource(models.TextChoices):
    """资金来源, in the order the budget tables list them."""

    CENTRAL = "central", _("中央")
    PROVINCIAL = "provincial", _("省级")
    MUNICIPAL = "municipal", _("市级")
    DISTRICT = "district", _("区级")


class FundShare(models.Model):
    """One source's share of every item priced by one standard version (shares sum to 100 %)."""

    standard = models.ForeignKey(
        "subsidies.SubsidyStandard",
        verbose_name=_("补贴标准"),
        on_delete=models.CASCADE,
        related_name="fund_shares",
    )
    source = models.CharField(_("资金来源"), max_length=12, choices=FundSource.choices)
    percent = models.DecimalField(_("承担比例（%）"), max_digits=5, decimal_places=2)

    history = HistoricalRecords(verbose_name=_("资金来源比例修改记录"))

    class Meta:
        verbose_name = _("资金来源比例")
        verbose_name_plural = _("资金来源比例")
        ordering = ["standard", "source"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "source"], name="fund_share_unique"),
            models.CheckConstraint(
                condition=Q(percent__gt=0) & Q(percent__lte=100), name="fund_share_percent_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.percent}%"


class FundBudget(models.Model):
    """What one source has budgeted for one heating season of a programme (entered by finance)."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("年度"), on_delete=models.PROTECT, related_name="+"
    )
    season = models.CharField(_("采暖季"), max_length=9)
    source = models.CharField(_("资金来源"), max_length=12, choices=FundSource.choices)
    amount = models.DecimalField(_("预算金额（元）"), **MONEY)
    updated_by = recorded_user(_("修改人"), optional=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    history = HistoricalRecords(verbose_name=_("资金预算修改记录"), excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("资金预算")
        verbose_name_plural = _("资金预算")
        ordering = ["programme", "season", "source"]
        permissions = [("manage_funds", _("可维护资金来源与预算"))]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "season", "source"], name="fund_budget_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="fund_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.season} {self.get_source_display()}"


#: 明细编号: one per household per batch, e.g. PC00012-0000345 (batch number, household id).
#: The sheet carries it and the bank's return keys on it.
DETAIL_NUMBER = re.compile(r"^PC(\d{5,})-(\d{7,})$")


def detail_number(batch_id: int, household_id: int) -> str:
    return f"PC{batch_id:05d}-{household_id:07d}"


def parse_detail_number(value: str) -> tuple[int, int] | None:
    """(batch id, household id) of a 明细编号, or None when it is not one."""
    m = DETAIL_NUMBER.match(value.strip().upper())
    return (int(m.group(1)), int(m.group(2))) if m else None
