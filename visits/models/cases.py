"""Cases (投诉、12345 工单、回访发现的问题): one ticket model with a category, a deadline per
category, an explicit status flow and a trail of every step (who, when, what)."""

import datetime

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tasks.models.programme import household_key, recorded_user, town_key
from zichuan_heating.roles import role_grants
from zichuan_heating.scoping import TownScopedQuerySet
from zichuan_heating.transitions import Flow, Transition


class CaseCategory(models.TextChoices):
    NO_HEAT = "no_heat", _("不供暖、温度不达标")
    EQUIPMENT = "equipment", _("设备故障")
    SAFETY = "safety", _("燃气/一氧化碳安全")
    SUBSIDY = "subsidy", _("补贴未收到或金额不符")
    FALSE_CLAIM = "false_claim", _("疑似虚假冒领")


#: Hours from opening (or reopening) to the deadline; safety within 24 hours.
CATEGORY_HOURS = {
    CaseCategory.NO_HEAT: 48,
    CaseCategory.EQUIPMENT: 72,
    CaseCategory.SAFETY: 24,
    CaseCategory.SUBSIDY: 7 * 24,
    CaseCategory.FALSE_CLAIM: 15 * 24,
}
#: Seen by the district office alone; everyone else gets 404.
SENSITIVE_CATEGORIES = frozenset({CaseCategory.FALSE_CLAIM})
#: Days overdue after which the daily job escalates a case to the district office.
ESCALATE_AFTER_DAYS = 2


def category_deadline(category: str, start: datetime.datetime) -> datetime.datetime:
    return start + datetime.timedelta(hours=CATEGORY_HOURS[category])


class CaseSource(models.TextChoices):
    COMPLAINT = "complaint", _("群众投诉")
    HOTLINE = "hotline", _("12345 热线工单")
    VISIT = "visit", _("回访发现")


class CaseStatus(models.TextChoices):
    NEW = "new", _("新建")
    ASSIGNED = "assigned", _("已交办")
    IN_PROGRESS = "in_progress", _("办理中")
    RESOLVED = "resolved", _("已办结")
    CLOSED = "closed", _("已关闭")
    REOPENED = "reopened", _("已重新打开")


#: Statuses in which the town still owes work (the deadline runs).
OPEN_STATUSES = (
    CaseStatus.NEW,
    CaseStatus.ASSIGNED,
    CaseStatus.IN_PROGRESS,
    CaseStatus.REOPENED,
)


class CaseQuerySet(TownScopedQuerySet):
    def for_user(self, user) -> "CaseQuerySet":
        qs = super().for_user(user)
        if not role_grants(user, "visits.view_sensitive_case"):
            qs = qs.filter(sensitive=False)
        return qs

    def open(self) -> "CaseQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now: datetime.datetime) -> "CaseQuerySet":
        return self.open().filter(deadline__lt=now)


class Case(models.Model):
    town = town_key("cases")
    household = household_key("cases", optional=True)
    visit = models.ForeignKey(
        "visits.Visit",
        verbose_name=_("回访"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    category = models.CharField(_("类别"), max_length=12, choices=CaseCategory.choices)
    source = models.CharField(_("来源"), max_length=10, choices=CaseSource.choices)
    hotline_number = models.CharField(_("工单编号"), max_length=40, blank=True)
    title = models.CharField(_("事项"), max_length=200)
    description = models.TextField(_("情况描述"))
    sensitive = models.BooleanField(_("敏感（仅区清洁取暖办可见）"), default=False, editable=False)
    status = models.CharField(
        _("状态"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.NEW
    )
    deadline = models.DateTimeField(_("办理期限"))
    resolution = models.TextField(_("办理结果"), blank=True)
    opened_by = recorded_user(_("登记人"), optional=True)
    opened_at = models.DateTimeField(_("登记时间"))
    escalated_at = models.DateTimeField(_("上报区办时间"), null=True, blank=True)
    notice = models.ForeignKey(
        "tasks.SupervisionNotice",
        verbose_name=_("督办通知"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("投诉工单")
        verbose_name_plural = _("投诉工单")
        ordering = ["-opened_at", "-id"]
        permissions = [
            ("handle_case", _("可办理投诉工单")),
            ("manage_case", _("可关闭、重开工单并转为督办")),
            ("view_sensitive_case", _("可查看敏感工单")),
        ]
        constraints = [
            # Sensitivity follows the category, in the database, so no path can forget it.
            models.CheckConstraint(
                condition=Q(sensitive=True, category="false_claim")
                | (Q(sensitive=False) & ~Q(category="false_claim")),
                name="case_sensitive_iff_false_claim",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["resolved", "closed"]) | ~Q(resolution=""),
                name="case_resolved_has_resolution",
            ),
            models.CheckConstraint(
                condition=~Q(source="hotline") | ~Q(hotline_number=""),
                name="case_hotline_has_number",
            ),
            # A 12345 ticket is recorded once, however often the form is submitted.
            models.UniqueConstraint(
                fields=["hotline_number"],
                condition=~Q(hotline_number=""),
                name="case_hotline_number_once",
            ),
            models.UniqueConstraint(
                fields=["visit", "category"],
                condition=Q(visit__isnull=False),
                name="case_one_per_visit_category",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="case_open_deadline")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("visits:case_detail", args=[self.pk])

    @property
    def number(self) -> str:
        return f"GD{self.pk:05d}"

    def is_overdue(self, now: datetime.datetime) -> bool:
        return self.status in OPEN_STATUSES and self.deadline < now


CASE_FLOW = Flow(
    "status",
    [
        Transition("assign", _("交办"), frozenset({CaseStatus.NEW}), CaseStatus.ASSIGNED),
        Transition(
            "reassign",
            _("改派"),
            frozenset({CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS, CaseStatus.REOPENED}),
            CaseStatus.ASSIGNED,
        ),
        Transition(
            "start",
            _("开始办理"),
            frozenset({CaseStatus.ASSIGNED, CaseStatus.REOPENED}),
            CaseStatus.IN_PROGRESS,
        ),
        Transition("resolve", _("办结"), frozenset({CaseStatus.IN_PROGRESS}), CaseStatus.RESOLVED),
        Transition("close", _("关闭"), frozenset({CaseStatus.RESOLVED}), CaseStatus.CLOSED),
        Transition(
            "reopen",
            _("重新打开"),
            frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED}),
            CaseStatus.REOPENED,
        ),
    ],
)


class CaseAction(models.TextChoices):
    """History reasons: the stored value is the Chinese text, translated when shown."""

    OPEN = "登记", _("登记")
    ASSIGN = "交办", _("交办")
    REASSIGN = "改派", _("改派")
    START = "开始办理", _("开始办理")
    RESOLVE = "办结", _("办结")
    CLOSE = "关闭", _("关闭")
    REOPEN = "重新打开", _("重新打开")
    REMIND = "逾期提醒", _("逾期提醒")
    ESCALATE = "逾期上报区办", _("逾期上报区办")
    NOTICE = "转为督办", _("转为督办")


class CaseEvent(models.Model):
    """One step of a case: who (none for the daily job), when, what, from which status."""

    case = models.ForeignKey(
        Case, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("操作"), max_length=20, choices=CaseAction.choices)
    by = recorded_user(_("操作人"), optional=True)
    at = models.DateTimeField(_("时间"))
    from_status = models.CharField(_("原状态"), max_length=12, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, blank=True)
    note = models.TextField(_("说明"), blank=True)
    #: The day the daily job acted: reminders and escalations are claimed once per case and day.
    day = models.DateField(_("日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("工单办理记录")
        verbose_name_plural = _("工单办理记录")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "action", "day"],
                condition=Q(day__isnull=False),
                name="case_event_once_a_day",
            ),
            models.UniqueConstraint(
                fields=["case"], condition=Q(action="逾期上报区办"), name="case_escalated_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"
