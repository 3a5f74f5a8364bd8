"""The programme, its towns and villages, and each town's quota."""

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tasks.collation import Pinyin
from zichuan_heating.scoping import TownScopedQuerySet

# --- field makers: the same foreign keys, written once ------------------------------------


def recorded_user(label: str, *, optional: bool = False, **extra: Any) -> models.ForeignKey:
    """Who did something (submitted, approved, recorded, paid…): kept when the user is gone
    (PROTECT), never a reverse relation. The one definition every app's models use."""
    if optional:
        extra = {"null": True, "blank": True, **extra}
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        on_delete=models.PROTECT,
        related_name="+",
        **extra,
    )


def programme_key(related_name: str, on_delete=models.PROTECT) -> models.ForeignKey:
    return models.ForeignKey(
        "tasks.Programme", verbose_name=_("年度"), on_delete=on_delete, related_name=related_name
    )


def _key_to(
    model: str, verbose_name: Any, related_name: str | None, on_delete, optional: bool, extra
) -> models.ForeignKey:
    if optional:
        extra.update(null=True, blank=True)
    return models.ForeignKey(
        model, verbose_name=verbose_name, on_delete=on_delete, related_name=related_name, **extra
    )


def town_key(
    related_name: str, on_delete=models.PROTECT, *, optional: bool = False, **extra
) -> models.ForeignKey:
    return _key_to("tasks.Town", _("镇（街道）"), related_name, on_delete, optional, extra)


def household_key(
    related_name: str | None, on_delete=models.PROTECT, *, optional: bool = False, **extra
) -> models.ForeignKey:
    return _key_to("tasks.Household", _("改造户"), related_name, on_delete, optional, extra)


class Programme(models.Model):
    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    name = models.CharField(_("名称"), max_length=100)
    plan_due = models.DateField(_("实施方案完成时限"))
    construction_due = models.DateField(_("工程建设完成时限"))
    acceptance_due = models.DateField(_("调试验收完成时限"))
    first_heating_season = models.PositiveSmallIntegerField(
        _("首个采暖季开始年份"), help_text=_("例如 2021 表示 2021-2022 采暖季。")
    )
    operating_seasons = models.PositiveSmallIntegerField(_("运行费用补贴采暖季数"), default=6)
    is_active = models.BooleanField(_("当前年度"), default=True)

    class Meta:
        verbose_name = _("年度清洁取暖工作")
        verbose_name_plural = _("年度清洁取暖工作")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(plan_due__lte=models.F("construction_due"))
                & Q(construction_due__lte=models.F("acceptance_due")),
                name="programme_milestones_in_order",
            ),
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_programme"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        dates = (self.plan_due, self.construction_due, self.acceptance_due)
        if all(dates) and not (dates[0] <= dates[1] <= dates[2]):
            raise ValidationError(_("时间节点应依次为：实施方案、工程建设、调试验收。"))

    def milestones(self) -> list[tuple[str, str, datetime.date]]:
        return [
            ("plan", _("实施方案"), self.plan_due),
            ("construction", _("工程建设"), self.construction_due),
            ("acceptance", _("调试验收"), self.acceptance_due),
        ]

    def heating_seasons(self) -> list[str]:
        first = self.first_heating_season
        return [f"{y}-{y + 1}" for y in range(first, first + self.operating_seasons)]


class TownKind(models.TextChoices):
    TOWN = "town", _("镇")
    STREET = "street", _("街道")
    ZONE = "zone", _("开发区")


class TownQuerySet(TownScopedQuerySet):
    town_field = "id"


class Town(models.Model):
    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=TownKind.choices)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    # The 9-digit 统计用区划代码 of the town; its villages' 12-digit codes start with it.
    # Blank for the development zone, which has no statistical code of its own.
    division_code = models.CharField(
        _("统计用区划代码"),
        max_length=9,
        blank=True,
        validators=[RegexValidator(r"^\d{9}$", _("统计用区划代码应为9位数字。"))],
    )

    objects = TownQuerySet.as_manager()

    class Meta:
        verbose_name = _("镇（街道、开发区）")
        verbose_name_plural = _("镇（街道、开发区）")
        ordering = ["order", "code"]
        permissions = [("view_all_towns", _("可查看全区各镇（街道）数据"))]

    def __str__(self) -> str:
        return self.name


class Village(models.Model):
    town = town_key("villages")
    name = models.CharField(_("村（居）"), max_length=50)
    # Blank for a village the town's officials added themselves (no published code yet).
    code = models.CharField(
        _("统计用区划代码"),
        max_length=12,
        blank=True,
        validators=[RegexValidator(r"^\d{12}$", _("统计用区划代码应为12位数字。"))],
    )

    objects = TownScopedQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("村（居）修改记录"))

    class Meta:
        verbose_name = _("村（居）")
        verbose_name_plural = _("村（居）")
        ordering = ["town__order", Pinyin("name"), "id"]
        permissions = [("view_village_register", _("可查看村（居）管理页面"))]
        constraints = [
            models.UniqueConstraint(fields=["town", "name"], name="village_unique_per_town"),
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="village_code_unique_when_set"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.town.name}·{self.name}"

    def clean(self) -> None:
        town_code = self.town.division_code if self.town_id else ""
        if self.code and town_code and not self.code.startswith(town_code):
            message = _("统计用区划代码应以本镇（街道）的代码 %(code)s 开头。")
            raise ValidationError({"code": message % {"code": town_code}})


class Quota(models.Model):
    programme = programme_key("quotas", models.CASCADE)
    town = town_key("quotas")
    households = models.PositiveIntegerField(_("建设任务（户）"))

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("建设任务")
        verbose_name_plural = _("建设任务")
        ordering = ["programme", "town__order"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "town"], name="quota_unique_per_town"),
            models.CheckConstraint(condition=Q(households__gt=0), name="quota_households_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.year} {self.town.name} {self.households} 户"
