"""Verification visits after payment (访民问暖回访): the sample the district draws, one visit
per household drawn, and the photos taken on the doorstep."""

import uuid
from pathlib import PurePath

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tasks.models.programme import household_key, recorded_user, town_key
from tasks.models.uploads import Upload
from zichuan_heating.scoping import TownScopedQuerySet
from zichuan_heating.transitions import Flow, Transition
from zichuan_heating.uploads import ATTACHMENT_MAX_BYTES, UPLOAD_SUFFIXES

MONEY = {"max_digits": 12, "decimal_places": 2}


class SampleMode(models.TextChoices):
    SAMPLE = "sample", _("按比例抽样")
    TOWN_ALL = "town_all", _("全镇逐户回访")


class VisitSample(models.Model):
    """One draw of households paid in a heating season, to be visited."""

    season = models.CharField(_("采暖季"), max_length=9)
    mode = models.CharField(_("方式"), max_length=10, choices=SampleMode.choices)
    #: Only for `town_all`: the town whose every paid household is visited.
    town = town_key("+", optional=True)
    confidence = models.DecimalField(_("置信水平"), max_digits=4, decimal_places=3, null=True)
    margin = models.DecimalField(_("允许误差"), max_digits=4, decimal_places=3, null=True)
    seed = models.BigIntegerField(_("随机种子"), null=True)
    population = models.PositiveIntegerField(_("已发放户数"))
    size = models.PositiveIntegerField(_("抽取户数"))
    drawn_by = recorded_user(_("抽样人"))
    drawn_at = models.DateTimeField(_("抽样时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("回访抽样")
        verbose_name_plural = _("回访抽样")
        ordering = ["-drawn_at", "-id"]
        permissions = [("draw_visitsample", _("可抽取回访样本"))]
        constraints = [
            # A season is sampled once; a town is visited in full at most once a season.
            models.UniqueConstraint(
                fields=["season"], condition=Q(mode="sample"), name="visit_sample_once_a_season"
            ),
            models.UniqueConstraint(
                fields=["season", "town"],
                condition=Q(mode="town_all"),
                name="visit_town_all_once_a_season",
            ),
            models.CheckConstraint(
                condition=(Q(mode="sample") & Q(town__isnull=True) & Q(seed__isnull=False))
                | (Q(mode="town_all") & Q(town__isnull=False)),
                name="visit_sample_mode_fields",
            ),
            models.CheckConstraint(
                condition=Q(size__lte=models.F("population")),
                name="visit_sample_size_le_population",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.season} {self.get_mode_display()}"

    def get_absolute_url(self) -> str:
        return reverse("visits:sample_detail", args=[self.pk])


class VisitStatus(models.TextChoices):
    PENDING = "pending", _("待回访")
    DONE = "done", _("已回访")


class VisitQuerySet(TownScopedQuerySet):
    def pending(self) -> "VisitQuerySet":
        return self.filter(status=VisitStatus.PENDING)


class Visit(models.Model):
    """One household to visit: what was paid to it, and what the visitor found."""

    sample = models.ForeignKey(
        VisitSample, verbose_name=_("抽样"), on_delete=models.PROTECT, related_name="visits"
    )
    household = household_key("visits")
    #: The household's town when drawn (scoping and the per-town figures read it).
    town = town_key("visits")
    paid_amount = models.DecimalField(_("本采暖季已发放（元）"), **MONEY)
    status = models.CharField(
        _("状态"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.PENDING
    )
    visited_by = recorded_user(_("回访人"), optional=True)
    visited_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    heating_works = models.BooleanField(_("采暖设备正常运行"), null=True)
    indoor_temperature = models.DecimalField(
        _("室内温度（℃）"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    alarm_present = models.BooleanField(_("安装燃气/一氧化碳报警器"), null=True)
    alarm_working = models.BooleanField(_("报警器工作正常"), null=True)
    stove_gone = models.BooleanField(_("燃煤炉具已拆除"), null=True)
    subsidy_received = models.BooleanField(_("已收到补贴"), null=True)
    amount_confirmed = models.DecimalField(
        _("户主确认收到金额（元）"), null=True, blank=True, **MONEY
    )
    satisfaction = models.PositiveSmallIntegerField(_("满意度（1-5）"), null=True, blank=True)
    remarks = models.TextField(_("备注"), blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["town__order", "household_id"]
        permissions = [("record_visit", _("可登记回访结果"))]
        constraints = [
            models.UniqueConstraint(fields=["sample", "household"], name="visit_once_per_sample"),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | (Q(satisfaction__gte=1) & Q(satisfaction__lte=5)),
                name="visit_satisfaction_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(status="pending")
                | (
                    Q(visited_at__isnull=False)
                    & Q(satisfaction__isnull=False)
                    & Q(heating_works__isnull=False)
                    & Q(subsidy_received__isnull=False)
                ),
                name="visit_done_has_findings",
            ),
            models.CheckConstraint(
                condition=Q(amount_confirmed__isnull=True) | Q(amount_confirmed__gte=0),
                name="visit_amount_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["town", "status"], name="visit_town_status")]

    def __str__(self) -> str:
        return f"{self.sample.season} {self.household}"

    def get_absolute_url(self) -> str:
        return reverse("visits:visit_detail", args=[self.pk])


#: A visit is recorded once; a correction is a case, not a second record.
VISIT_FLOW = Flow(
    "status",
    [Transition("record", _("登记回访结果"), frozenset({VisitStatus.PENDING}), VisitStatus.DONE)],
)


def visit_photo_path(instance: "VisitPhoto", filename: str) -> str:
    # A random name: the uploader's file name is kept in `original_name`, never in a path.
    return str(PurePath("visits", f"{uuid.uuid4().hex}{UPLOAD_SUFFIXES.get(instance.kind, '')}"))


class VisitPhoto(Upload):
    visit = models.ForeignKey(
        Visit, verbose_name=_("回访"), on_delete=models.PROTECT, related_name="photos"
    )
    file = models.FileField(_("文件"), upload_to=visit_photo_path, max_length=200)

    objects = TownScopedQuerySet.as_manager()
    town_field = "visit__town_id"

    class Meta:
        verbose_name = _("回访照片")
        verbose_name_plural = _("回访照片")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(size__lte=ATTACHMENT_MAX_BYTES), name="visit_photo_at_most_10mb"
            )
        ]

    def get_absolute_url(self) -> str:
        return reverse("visits:photo", args=[self.pk])
