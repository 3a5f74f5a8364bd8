"""What the Celery jobs record: reminders sent (one row per town, milestone and day) and PDF
report jobs (one row per requested report, the key that makes rendering idempotent)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tasks.models.programme import programme_key, town_key
from zichuan_heating.scoping import TownScopedQuerySet


class Milestone(models.TextChoices):
    PLAN = "plan", _("实施方案")
    CONSTRUCTION = "construction", _("工程建设")
    ACCEPTANCE = "acceptance", _("调试验收")
    #: The district office's one daily digest of every lagging town.
    DIGEST = "digest", _("全区汇总")
    #: The weekly district report mailed to the office (claimed like a digest, once a day).
    WEEKLY_REPORT = "weekly_report", _("进度周报")


class ReminderLog(models.Model):
    """A reminder claimed before it is sent: the unique constraints make a second send fail."""

    programme = programme_key("reminder_logs", models.CASCADE)
    town = town_key(
        "reminder_logs",
        models.CASCADE,
        optional=True,
        help_text=_("为空表示发给区清洁取暖办的汇总提醒。"),
    )
    milestone = models.CharField(_("时间节点"), max_length=16, choices=Milestone.choices)
    day = models.DateField(_("提醒日期"))
    recipients = models.TextField(_("接收人"), blank=True)
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("节点提醒记录")
        verbose_name_plural = _("节点提醒记录")
        ordering = ["-day", "milestone", "town_id"]
        constraints = [
            # NULLs are distinct in a plain unique index, so the digest (town is NULL) has its
            # own partial index; both work on PostgreSQL and SQLite.
            models.UniqueConstraint(
                fields=["programme", "town", "milestone", "day"],
                condition=Q(town__isnull=False),
                name="reminderlog_once_per_town_day",
            ),
            models.UniqueConstraint(
                fields=["programme", "milestone", "day"],
                condition=Q(town__isnull=True),
                name="reminderlog_digest_once_per_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.get_milestone_display()} {self.town or _('全区')}"


class ReportKind(models.TextChoices):
    DISTRICT = "district", _("全区进度报告")
    TOWN = "town", _("镇（街道）进度报告")


class ReportState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ReportJob(models.Model):
    kind = models.CharField(_("报告类型"), max_length=16, choices=ReportKind.choices)
    programme = programme_key("report_jobs", models.CASCADE)
    town = town_key("report_jobs", models.CASCADE, optional=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="report_jobs",
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=ReportState.choices, default=ReportState.QUEUED
    )
    file_path = models.CharField(_("文件"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    error = models.TextField(_("错误信息"), blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("进度报告")
        verbose_name_plural = _("进度报告")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="district") & Q(town__isnull=True))
                | (Q(kind="town") & Q(town__isnull=False)),
                name="reportjob_town_matches_kind",
            ),
            models.CheckConstraint(
                condition=~Q(state="done") | ~Q(file_path=""), name="reportjob_done_has_file"
            ),
        ]

    def __str__(self) -> str:
        label = self.town.name if self.town_id else _("全区")
        return f"{self.programme.year} {label} {self.get_kind_display()} #{self.pk}"

    @property
    def title(self) -> str:
        if self.kind == ReportKind.TOWN:
            return f"{self.programme.name} · {self.town.name}进度报告"
        return f"{self.programme.name} · 全区进度报告"
