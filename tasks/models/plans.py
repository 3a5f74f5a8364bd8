"""Town implementation plans (实施方案), reviewed and approved by the district office."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from zichuan_heating.scoping import TownScopedQuerySet

from .programme import Programme, Town


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已核准")


class TownPlan(models.Model):
    programme = models.ForeignKey(
        Programme, verbose_name=_("年度"), on_delete=models.PROTECT, related_name="town_plans"
    )
    town = models.ForeignKey(
        Town, verbose_name=_("镇（街道）"), on_delete=models.PROTECT, related_name="plans"
    )
    revision = models.PositiveSmallIntegerField(_("修订号"), default=1)
    status = models.CharField(
        _("状态"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    summary = models.TextField(_("方案概述"), blank=True)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("核准时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核准人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = TownScopedQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("实施方案修改记录"))

    class Meta:
        verbose_name = _("实施方案")
        verbose_name_plural = _("实施方案")
        ordering = ["programme", "town__order", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "town", "revision"], name="townplan_unique_revision"
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_at__isnull=False),
                name="townplan_approved_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.town.name} {self.programme.year} 实施方案（第{self.revision}版）"
