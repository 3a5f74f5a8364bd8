"""Meters, season readings, the flags they raise and the adjustments after payment.

- `Utility`: the gas or grid company that reads the meters (and holds an API token);
- `Meter`: a household's gas meter number or electricity account number; a number belongs to
  one household within a programme (database constraint);
- `MeterReading`: one meter's start and end reading of one heating season and the usage;
- `ReadingImport`: one file or API submission, the compact audit row of its bulk write;
- `UsageFlag`: a season's usage near zero (返煤 risk) or implausibly high; holds the
  household out of that season's batches until someone decides, with a reason;
- `Adjustment`: a correction after payment (追缴 clawback or 补发 top-up), never an edit of
  the payment; owed → recovered / paid, or offset against the next season;
- `EstimateDecision`: the finance bureau's decision, with a reason, to pay a season's per-unit
  operating instalment on the standard's assumed units (估算) before its reading arrives;
  without one such an instalment waits for its reading (待抄表), out of the batches.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tasks.models import Programme
from tasks.models.programme import household_key, recorded_user
from zichuan_heating.scoping import HouseholdScopedQuerySet, TownScopedQuerySet
from zichuan_heating.transitions import Flow, Transition

MONEY = {"max_digits": 12, "decimal_places": 2}
READING = {"max_digits": 12, "decimal_places": 2}


class MeteringReason(models.TextChoices):
    """Why a history row was written; stored as the Chinese text, shown translated."""

    METER_REPLACED = "更换表计", _("更换表计")
    METER_IMPORTED = "台账导入表计", _("台账导入表计")
    FLAG_RELEASED = "用量异常已放行", _("用量异常已放行")
    FLAG_WITHHELD = "用量异常暂停发放", _("用量异常暂停发放")
    ADJUSTMENT_SETTLED = "追缴/补发已处理", _("追缴/补发已处理")
    ADJUSTMENT_OFFSET = "抵扣下一采暖季", _("抵扣下一采暖季")
    OFFSET_RECEIVED = "因追缴/补发调整金额", _("因追缴/补发调整金额")
    ESTIMATE_PAID = "决定按估算发放", _("决定按估算发放")


class MeterKind(models.TextChoices):
    GAS = "gas", _("燃气表")
    ELECTRIC = "electric", _("电表")


#: Which meter kind a household's route reads (central heating has none).
KIND_BY_ROUTE = {"gas": MeterKind.GAS, "electric": MeterKind.ELECTRIC}


class Utility(models.Model):
    """A gas company or the grid company (供气/供电单位)."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("表计类型"), max_length=10, choices=MeterKind.choices)

    history = HistoricalRecords(verbose_name=_("供气/供电单位修改记录"))

    class Meta:
        verbose_name = _("供气/供电单位")
        verbose_name_plural = _("供气/供电单位")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Meter(models.Model):
    household = household_key("meters")
    # The household's programme, copied so the database can keep a number unique in it.
    programme = models.ForeignKey(
        Programme, verbose_name=_("年度"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("表计类型"), max_length=10, choices=MeterKind.choices)
    number = models.CharField(_("表号（户号）"), max_length=32)
    utility = models.ForeignKey(
        Utility, verbose_name=_("供气/供电单位"), on_delete=models.PROTECT, related_name="meters"
    )
    installed_on = models.DateField(_("安装日期"), null=True, blank=True)
    replaced_on = models.DateField(_("更换日期"), null=True, blank=True)

    objects = HouseholdScopedQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("表计修改记录"))

    class Meta:
        verbose_name = _("表计")
        verbose_name_plural = _("表计")
        ordering = ["household_id", "kind", "-installed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "number"], name="meter_number_one_household"
            ),
            models.UniqueConstraint(
                fields=["household", "kind"],
                condition=Q(replaced_on__isnull=True),
                name="meter_one_current_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(replaced_on__isnull=True)
                | Q(installed_on__isnull=True)
                | Q(replaced_on__gte=F("installed_on")),
                name="meter_replaced_after_installed",
            ),
            models.CheckConstraint(condition=~Q(number=""), name="meter_number_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class ReadingSource(models.TextChoices):
    FILE = "file", _("文件导入")
    API = "api", _("接口报送")


class ReadingImport(models.Model):
    """One submission of readings (file or API): who, when, what it changed."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("年度"), on_delete=models.PROTECT, related_name="+"
    )
    season = models.CharField(_("采暖季"), max_length=9)
    source = models.CharField(_("来源"), max_length=8, choices=ReadingSource.choices)
    utility = models.ForeignKey(
        Utility, verbose_name=_("供气/供电单位"), null=True, blank=True, on_delete=models.PROTECT
    )
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    by = recorded_user(_("操作人"), optional=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变化"), default=0)
    repriced = models.PositiveIntegerField(_("重新核定笔数"), default=0)
    adjustments = models.PositiveIntegerField(_("追缴/补发笔数"), default=0)
    flags = models.PositiveIntegerField(_("异常标记数"), default=0)
    #: The previous values of updated readings: [[id, start, end, usage, read_on], ...].
    details = models.JSONField(_("明细"), default=dict, blank=True)

    class Meta:
        verbose_name = _("抄表数据导入")
        verbose_name_plural = _("抄表数据导入")
        ordering = ["-at", "-id"]
        permissions = [("import_readings", _("可导入抄表数据"))]

    def __str__(self) -> str:
        return f"{self.season} {self.at:%Y-%m-%d %H:%M}"


class MeterReading(models.Model):
    meter = models.ForeignKey(
        Meter, verbose_name=_("表计"), on_delete=models.PROTECT, related_name="readings"
    )
    season = models.CharField(_("采暖季"), max_length=9)
    start = models.DecimalField(_("起始读数"), **READING)
    end = models.DecimalField(_("截止读数"), **READING)
    usage = models.DecimalField(_("用量"), **READING)
    read_on = models.DateField(_("抄表日期"))
    source_import = models.ForeignKey(
        ReadingImport,
        verbose_name=_("最近一次导入"),
        on_delete=models.PROTECT,
        related_name="readings",
        db_index=False,
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = TownScopedQuerySet.as_manager()
    town_field = "meter__household__town_id"

    class Meta:
        verbose_name = _("采暖季抄表读数")
        verbose_name_plural = _("采暖季抄表读数")
        ordering = ["meter_id", "season"]
        constraints = [
            models.UniqueConstraint(fields=["meter", "season"], name="reading_one_per_season"),
            models.CheckConstraint(
                condition=Q(end__gte=F("start")), name="reading_end_not_below_start"
            ),
            models.CheckConstraint(condition=Q(usage__gte=0), name="reading_usage_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.meter_id} {self.season}: {self.usage}"


class FlagKind(models.TextChoices):
    LOW = "low", _("用量过低（疑似返煤）")
    HIGH = "high", _("用量异常偏高")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    RELEASED = "released", _("核实无误，放行")
    WITHHELD = "withheld", _("核实异常，暂停发放")


#: A household is held out of the season's batches while a flag is in one of these.
HELD_STATUSES = (FlagStatus.OPEN, FlagStatus.WITHHELD)


class UsageFlagQuerySet(HouseholdScopedQuerySet):
    def held(self) -> "UsageFlagQuerySet":
        return self.filter(status__in=HELD_STATUSES)


class UsageFlag(models.Model):
    household = household_key("usage_flags")
    season = models.CharField(_("采暖季"), max_length=9)
    kind = models.CharField(_("异常类型"), max_length=8, choices=FlagKind.choices)
    usage = models.DecimalField(_("采暖季用量"), **READING)
    threshold = models.DecimalField(_("阈值"), **READING)
    status = models.CharField(
        _("状态"), max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    raised_at = models.DateTimeField(_("标记时间"), auto_now_add=True)
    decided_by = recorded_user(_("处理人"), optional=True)
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_reason = models.CharField(_("处理理由"), max_length=300, blank=True)

    objects = UsageFlagQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("用量异常处理记录"))

    class Meta:
        verbose_name = _("用量异常")
        verbose_name_plural = _("用量异常")
        ordering = ["-raised_at", "-id"]
        permissions = [("decide_flag", _("可处理用量异常"))]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "season"],
                condition=Q(status="open"),
                name="flag_one_open_per_season",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | (~Q(decision_reason="") & Q(decided_at__isnull=False)),
                name="flag_decision_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.season} {self.get_kind_display()}"


FLAG_FLOW = Flow(
    "status",
    [
        Transition("release", _("放行"), frozenset({FlagStatus.OPEN}), FlagStatus.RELEASED),
        Transition("withhold", _("暂停发放"), frozenset({FlagStatus.OPEN}), FlagStatus.WITHHELD),
        Transition(
            "release_withheld", _("恢复发放"), frozenset({FlagStatus.WITHHELD}), FlagStatus.RELEASED
        ),
    ],
)


class AdjustmentKind(models.TextChoices):
    CLAWBACK = "clawback", _("追缴")
    TOP_UP = "top_up", _("补发")


class AdjustmentStatus(models.TextChoices):
    OWED = "owed", _("待处理")
    SETTLED = "settled", _("已追回/已补发")
    OFFSET = "offset", _("已抵扣下一采暖季")


class Adjustment(models.Model):
    """A correction of a PAID instalment: the payment stays as it was, this row carries the
    difference until it is recovered / paid, or offset against the next season's instalment."""

    household = household_key("adjustments")
    instalment = models.ForeignKey(
        "subsidies.Instalment",
        verbose_name=_("已发放的补贴"),
        on_delete=models.PROTECT,
        related_name="adjustments",
    )
    kind = models.CharField(_("类型"), max_length=10, choices=AdjustmentKind.choices)
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    paid_amount = models.DecimalField(_("已发放金额（元）"), **MONEY)
    corrected_amount = models.DecimalField(_("更正后应发金额（元）"), **MONEY)
    status = models.CharField(
        _("状态"), max_length=10, choices=AdjustmentStatus.choices, default=AdjustmentStatus.OWED
    )
    reading_import = models.ForeignKey(
        ReadingImport,
        verbose_name=_("引起更正的抄表导入"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    offset_instalment = models.ForeignKey(
        "subsidies.Instalment",
        verbose_name=_("抵扣的补贴"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="offsets",
    )
    reference = models.CharField(_("凭证号"), max_length=64, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    settled_by = recorded_user(_("处理人"), optional=True)
    settled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    objects = HouseholdScopedQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("追缴/补发修改记录"))

    class Meta:
        verbose_name = _("追缴/补发")
        verbose_name_plural = _("追缴/补发")
        ordering = ["-created_at", "-id"]
        permissions = [("settle_adjustment", _("可处理追缴/补发"))]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="adjustment_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status="offset") | Q(offset_instalment__isnull=False),
                name="adjustment_offset_names_instalment",
            ),
            models.CheckConstraint(
                condition=~Q(status="settled") | ~Q(reference=""),
                name="adjustment_settled_has_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"

    @property
    def signed(self):
        """What the adjustment adds to the household's due amount (clawback negative)."""
        return -self.amount if self.kind == AdjustmentKind.CLAWBACK else self.amount


ADJUSTMENT_FLOW = Flow(
    "status",
    [
        Transition(
            "settle",
            _("确认追回/补发"),
            frozenset({AdjustmentStatus.OWED}),
            AdjustmentStatus.SETTLED,
        ),
        Transition(
            "offset",
            _("抵扣下一采暖季"),
            frozenset({AdjustmentStatus.OWED}),
            AdjustmentStatus.OFFSET,
        ),
    ],
)


class EstimateDecision(models.Model):
    """Pay this operating instalment on the standard's assumed units, its reading not in yet.

    The reading, when it arrives, still prices the instalment (re-priced while unpaid, a
    clawback or top-up after payment); the decision only lets the estimate be paid first."""

    instalment = models.OneToOneField(
        "subsidies.Instalment",
        verbose_name=_("补贴"),
        on_delete=models.PROTECT,
        related_name="estimate_decision",
    )
    reason = models.CharField(_("按估算发放的理由"), max_length=300)
    decided_by = recorded_user(_("决定人"))
    decided_at = models.DateTimeField(_("决定时间"), auto_now_add=True)

    objects = TownScopedQuerySet.as_manager()
    town_field = "instalment__household__town_id"
    history = HistoricalRecords(verbose_name=_("按估算发放决定记录"))

    class Meta:
        verbose_name = _("按估算发放决定")
        verbose_name_plural = _("按估算发放决定")
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="estimate_decision_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.instalment_id}: {self.reason}"


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class UtilityToken(models.Model):
    """The API key of a utility's system: it submits readings of that utility's meters only.

    Only the SHA-256 of the key is stored; the key is shown once when it is made.
    """

    utility = models.ForeignKey(
        Utility, verbose_name=_("供气/供电单位"), on_delete=models.PROTECT, related_name="tokens"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接口用户"),
        on_delete=models.PROTECT,
        related_name="utility_tokens",
    )
    key_hash = models.CharField(_("密钥摘要"), max_length=64, unique=True)
    prefix = models.CharField(_("密钥前缀"), max_length=8)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.utility} {self.prefix}…"

    @staticmethod
    def new_key() -> str:
        return secrets.token_urlsafe(32)
