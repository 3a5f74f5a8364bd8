"""Ledger import jobs: one uploaded workbook, its validation report, preview and outcome."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tasks.models.programme import Programme, Town
from zichuan_heating.scoping import TownScopedQuerySet
from zichuan_heating.transitions import Flow, Transition


class ImportState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    VALIDATING = "validating", _("校验中")
    INVALID = "invalid", _("校验未通过")
    READY = "ready", _("待确认")
    CONFIRMED = "confirmed", _("已确认，等待写入")
    COMMITTING = "committing", _("写入中")
    DONE = "done", _("已导入")
    FAILED = "failed", _("文件无法使用")


J = ImportState

#: The moves of an import job: the job runs a validation, the importer confirms a clean
#: preview, the job writes it. A finished job (done, invalid, failed) moves no more, so a
#: redelivered message does nothing.
IMPORT_FLOW = Flow(
    "state",
    [
        Transition("validate", _("校验"), frozenset({J.QUEUED, J.VALIDATING}), J.VALIDATING),
        Transition("confirm", _("确认导入"), frozenset({J.READY}), J.CONFIRMED),
        Transition("commit", _("写入"), frozenset({J.CONFIRMED, J.COMMITTING}), J.COMMITTING),
    ],
)


class ImportJob(models.Model):
    programme = models.ForeignKey(
        Programme, verbose_name=_("年度"), on_delete=models.PROTECT, related_name="import_jobs"
    )
    # The town the importer may write to; empty for roles that import for every town.
    town = models.ForeignKey(
        Town,
        verbose_name=_("镇（街道）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="import_jobs",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.PROTECT,
        related_name="import_jobs",
    )
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=255)
    create_villages = models.BooleanField(_("登记新的村（居）"), default=False)
    state = models.CharField(
        _("状态"), max_length=16, choices=ImportState.choices, default=ImportState.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变化"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    errors = models.JSONField(_("错误明细"), default=list, blank=True)
    preview = models.JSONField(_("预览"), default=dict, blank=True)
    message = models.TextField(_("说明"), blank=True)
    # Runs of the current step begun (counted before the work, in its own transaction): a file
    # that kills the worker is redelivered, and after LEDGER_IMPORT_MAX_ATTEMPTS runs it fails.
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("台账导入")
        verbose_name_plural = _("台账导入")
        ordering = ["-created_at", "-id"]
        permissions = [("import_household", _("可导入台账"))]

    def __str__(self) -> str:
        return f"{self.original_name}（{self.get_state_display()}）"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("ledger:ledger_import_detail", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.state in {
            ImportState.QUEUED,
            ImportState.VALIDATING,
            ImportState.CONFIRMED,
            ImportState.COMMITTING,
        }

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(self.processed_rows * 100 / self.total_rows))
