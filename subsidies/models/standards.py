"""Subsidy standards: versioned amounts and operating-subsidy pricing."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from subsidies.models.common import MONEY
from tasks.models import Programme, Route


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
