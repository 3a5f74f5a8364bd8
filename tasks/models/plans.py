"""Town implementation plans (实施方案), reviewed and approved by the district office,
and the district's supervision notices (督办) to towns that lag.
"""

import uuid
from decimal import Decimal
from pathlib import PurePath

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tasks.models.ledger import Contractor, Route
from tasks.models.programme import (
    Programme,
    Town,
    Village,
    programme_key,
    recorded_user,
    town_key,
)
from tasks.models.uploads import Upload
from tasks.validators import validate_phone
from zichuan_heating.scoping import TownScopedQuerySet
from zichuan_heating.transitions import Flow, Transition
from zichuan_heating.uploads import ATTACHMENT_MAX_BYTES, UPLOAD_SUFFIXES


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已核准")
    SUPERSEDED = "superseded", _("已被新版本取代")


#: A revision in one of these states is the town's working copy; at most one per town.
OPEN_PLAN_STATUSES = (PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.RETURNED)
#: The town may edit a revision only in these states.
EDITABLE_PLAN_STATUSES = (PlanStatus.DRAFT, PlanStatus.RETURNED)

P = PlanStatus
#: How a revision moves. "edit" and "revise" are checks only: editing leaves the state as it
#: is, and revising opens a new revision while the approved one stays in force.
PLAN_FLOW = Flow(
    "status",
    [
        Transition("edit", _("修改"), frozenset(EDITABLE_PLAN_STATUSES), P.DRAFT),
        Transition("revise", _("开启新的修订版本"), frozenset({P.APPROVED}), P.APPROVED),
        Transition("submit", _("报送"), frozenset(EDITABLE_PLAN_STATUSES), P.SUBMITTED),
        Transition("approve", _("核准"), frozenset({P.SUBMITTED}), P.APPROVED),
        Transition("return", _("退回"), frozenset({P.SUBMITTED}), P.RETURNED),
        Transition("supersede", _("被新版本取代"), frozenset({P.APPROVED}), P.SUPERSEDED),
    ],
)


class PlanReason(models.TextChoices):
    """Why a plan's history row was written; stored as the Chinese text, shown translated."""

    CREATE = "编制方案", _("编制方案")
    UPDATE = "修改方案", _("修改方案")
    NEW_REVISION = "开启修订版本", _("开启修订版本")
    SUBMIT = "报送", _("报送")
    APPROVE = "核准", _("核准")
    RETURN = "退回", _("退回")
    SUPERSEDED = "被新版本取代", _("被新版本取代")


#: The behind-schedule threshold (percentage points) until the district office sets one.
DEFAULT_BEHIND_THRESHOLD = Decimal("10.0")


class TownPlan(models.Model):
    programme = programme_key("town_plans")
    town = models.ForeignKey(
        Town, verbose_name=_("镇（街道）"), on_delete=models.PROTECT, related_name="plans"
    )
    revision = models.PositiveSmallIntegerField(_("修订号"), default=1)
    status = models.CharField(
        _("状态"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    summary = models.TextField(_("方案概述"), blank=True)
    emergency_arrangements = models.TextField(
        _("应急联络安排"),
        blank=True,
        help_text=_("应急预案、值班电话、抢修队伍与联络人等。"),
    )
    quota_shortfall_reason = models.TextField(
        _("户数与建设任务不一致的说明"),
        blank=True,
        help_text=_("各村合计户数与本镇建设任务不一致时必须说明原因。"),
    )
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("修订自"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revisions",
    )
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    submitted_by = recorded_user(_("报送人"), optional=True)
    approved_at = models.DateTimeField(_("核准时间"), null=True, blank=True)
    approved_by = recorded_user(_("核准人"), optional=True)
    superseded_at = models.DateTimeField(_("被取代时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = TownScopedQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("实施方案修改记录"))

    class Meta:
        verbose_name = _("实施方案")
        verbose_name_plural = _("实施方案")
        ordering = ["programme", "town__order", "-revision"]
        permissions = [("review_townplan", _("可核准或退回实施方案"))]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "town", "revision"], name="townplan_unique_revision"
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_at__isnull=False),
                name="townplan_approved_has_time",
            ),
            # One revision in force per town and programme, ever.
            models.UniqueConstraint(
                fields=["programme", "town"],
                condition=Q(status="approved"),
                name="townplan_one_approved_per_town",
            ),
            # One working copy (draft, submitted or returned) per town and programme.
            models.UniqueConstraint(
                fields=["programme", "town"],
                condition=Q(status__in=["draft", "submitted", "returned"]),
                name="townplan_one_open_revision_per_town",
            ),
            models.CheckConstraint(
                condition=~Q(status="superseded")
                | Q(approved_at__isnull=False, superseded_at__isnull=False),
                name="townplan_superseded_was_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.town.name} {self.programme.year} 实施方案（第{self.revision}版）"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("plans:plan_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_PLAN_STATUSES


class TownPlanLine(models.Model):
    """One village and route of a plan: how many households, when, by whom, and 双安全员."""

    plan = models.ForeignKey(
        TownPlan, verbose_name=_("实施方案"), on_delete=models.CASCADE, related_name="lines"
    )
    village = models.ForeignKey(
        Village, verbose_name=_("村（居）"), on_delete=models.PROTECT, related_name="plan_lines"
    )
    route = models.CharField(_("技术路线"), max_length=16, choices=Route.choices)
    households = models.PositiveIntegerField(_("改造户数"), validators=[MinValueValidator(1)])
    planned_start = models.DateField(_("计划开工日期"))
    planned_finish = models.DateField(_("计划完工日期"))
    contractor = models.ForeignKey(
        Contractor,
        verbose_name=_("实施主体"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plan_lines",
    )
    contractor_safety_officer = models.CharField(_("企业安全员"), max_length=50, blank=True)
    contractor_safety_phone = models.CharField(
        _("企业安全员电话"), max_length=20, blank=True, validators=[validate_phone]
    )
    village_safety_officer = models.CharField(_("村级安全员"), max_length=50, blank=True)
    village_safety_phone = models.CharField(
        _("村级安全员电话"), max_length=20, blank=True, validators=[validate_phone]
    )

    objects = TownScopedQuerySet.as_manager()
    town_field = "plan__town_id"
    history = HistoricalRecords(verbose_name=_("实施方案明细修改记录"))

    class Meta:
        verbose_name = _("实施方案明细")
        verbose_name_plural = _("实施方案明细")
        ordering = ["plan", "village__name", "route", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "village", "route"], name="townplanline_unique_village_route"
            ),
            models.CheckConstraint(
                condition=Q(households__gt=0),
                name="townplanline_households_positive",
                violation_error_message=_("改造户数必须大于 0。"),
            ),
            models.CheckConstraint(
                condition=Q(planned_start__lte=models.F("planned_finish")),
                name="townplanline_start_before_finish",
                violation_error_message=_("计划开工日期不能晚于计划完工日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village.name} {self.get_route_display()} {self.households} 户"

    def label(self) -> str:
        """How a check message names this line: 村名·路线."""
        return f"{self.village.name}·{self.get_route_display()}"


class PlanRecord(models.Model):
    """What hangs off one revision (a submission, a review): scoped by the plan's town."""

    objects = TownScopedQuerySet.as_manager()
    town_field = "plan__town_id"

    class Meta:
        abstract = True


class TownPlanSubmission(PlanRecord):
    """A frozen copy of a revision as it was submitted; the district diffs these."""

    plan = models.ForeignKey(
        TownPlan, verbose_name=_("实施方案"), on_delete=models.PROTECT, related_name="submissions"
    )
    submitted_at = models.DateTimeField(_("报送时间"))
    submitted_by = recorded_user(_("报送人"))
    snapshot = models.JSONField(_("报送内容"))

    class Meta:
        verbose_name = _("实施方案报送版本")
        verbose_name_plural = _("实施方案报送版本")
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.plan} · {self.submitted_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("plans:plan_submission", args=[self.pk])


class ReviewDecision(models.TextChoices):
    APPROVED = "approved", _("核准")
    RETURNED = "returned", _("退回")


class PlanReview(PlanRecord):
    plan = models.ForeignKey(
        TownPlan, verbose_name=_("实施方案"), on_delete=models.PROTECT, related_name="reviews"
    )
    submission = models.OneToOneField(
        TownPlanSubmission,
        verbose_name=_("报送版本"),
        on_delete=models.PROTECT,
        related_name="review",
    )
    decision = models.CharField(_("审核结果"), max_length=16, choices=ReviewDecision.choices)
    comment = models.TextField(_("审核意见"), blank=True)
    reviewed_by = recorded_user(_("审核人"))
    reviewed_at = models.DateTimeField(_("审核时间"))

    class Meta:
        verbose_name = _("实施方案审核")
        verbose_name_plural = _("实施方案审核")
        ordering = ["-reviewed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="returned") | ~Q(comment=""),
                name="planreview_return_has_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.get_decision_display()}"


class ScheduleSetting(models.Model):
    """What the district office sets for the behind-schedule rule, per programme."""

    programme = models.OneToOneField(
        Programme,
        verbose_name=_("年度"),
        on_delete=models.CASCADE,
        related_name="schedule_setting",
    )
    behind_threshold_percent = models.DecimalField(
        _("滞后阈值（百分点）"),
        max_digits=5,
        decimal_places=1,
        default=DEFAULT_BEHIND_THRESHOLD,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("完工进度低于直线计划进度超过此百分点即视为进度滞后。"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = recorded_user(_("设置人"), optional=True)

    history = HistoricalRecords(verbose_name=_("进度滞后阈值修改记录"))

    class Meta:
        verbose_name = _("进度滞后阈值")
        verbose_name_plural = _("进度滞后阈值")
        constraints = [
            models.CheckConstraint(
                condition=Q(behind_threshold_percent__gte=0) & Q(behind_threshold_percent__lte=100),
                name="schedulesetting_threshold_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.year}: {self.behind_threshold_percent}%"


class NoticeState(models.TextChoices):
    OPEN = "open", _("待整改")
    ANSWERED = "answered", _("已反馈")
    SENT_BACK = "sent_back", _("退回重新整改")
    CLOSED = "closed", _("已销号")


#: States in which the town still owes an answer.
AWAITING_TOWN_STATES = (NoticeState.OPEN, NoticeState.SENT_BACK)

#: How a notice moves: the town answers, the office closes it or sends it back.
NOTICE_FLOW = Flow(
    "state",
    [
        Transition("answer", _("反馈"), frozenset(AWAITING_TOWN_STATES), NoticeState.ANSWERED),
        Transition("close", _("销号"), frozenset({NoticeState.ANSWERED}), NoticeState.CLOSED),
        Transition(
            "send_back", _("退回"), frozenset({NoticeState.ANSWERED}), NoticeState.SENT_BACK
        ),
    ],
)


class NoticeReason(models.TextChoices):
    """Why a notice's history row was written; stored as the Chinese text, shown translated."""

    ISSUE = "下发督办", _("下发督办")
    ANSWER = "反馈整改情况", _("反馈整改情况")
    CLOSE = "销号", _("销号")
    SEND_BACK = "退回重新整改", _("退回重新整改")


class SupervisionNoticeQuerySet(TownScopedQuerySet):
    def awaiting_town(self) -> "SupervisionNoticeQuerySet":
        return self.filter(state__in=AWAITING_TOWN_STATES)

    def not_closed(self) -> "SupervisionNoticeQuerySet":
        return self.exclude(state=NoticeState.CLOSED)

    def overdue(self, today) -> "SupervisionNoticeQuerySet":
        return self.awaiting_town().filter(deadline__lt=today)


class SupervisionNotice(models.Model):
    """督办: the district office tells a town what is wrong and by when to rectify it."""

    programme = programme_key("supervision_notices")
    town = town_key("supervision_notices")
    #: The n of 川清暖督〔year〕n号: a sequence per programme, given at issue time.
    number = models.PositiveIntegerField(_("文号序号"), null=True, blank=True, editable=False)
    title = models.CharField(_("督办事项"), max_length=200)
    problem = models.TextField(_("存在问题"))
    deadline = models.DateField(_("整改期限"))
    state = models.CharField(
        _("状态"), max_length=16, choices=NoticeState.choices, default=NoticeState.OPEN
    )
    issued_by = recorded_user(_("督办人"))
    issued_at = models.DateTimeField(_("下发时间"))
    answer = models.TextField(_("整改情况"), blank=True)
    answered_by = recorded_user(_("反馈人"), optional=True)
    answered_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    office_comment = models.TextField(_("区办意见"), blank=True)
    closed_by = recorded_user(_("销号人"), optional=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)

    objects = SupervisionNoticeQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("督办修改记录"))

    class Meta:
        verbose_name = _("督办通知")
        verbose_name_plural = _("督办通知")
        ordering = ["-issued_at", "-id"]
        permissions = [
            ("issue_supervisionnotice", _("可下发、销号或退回督办")),
            ("answer_supervisionnotice", _("可反馈督办整改情况")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="answered") | (~Q(answer="") & Q(answered_at__isnull=False)),
                name="notice_answered_has_answer",
            ),
            models.CheckConstraint(
                condition=~Q(state="closed") | Q(closed_at__isnull=False),
                name="notice_closed_has_time",
            ),
            models.UniqueConstraint(
                fields=["programme", "number"], name="notice_unique_number_per_programme"
            ),
        ]
        indexes = [
            models.Index(fields=["town", "state"], name="notice_town_state"),
        ]

    def __str__(self) -> str:
        return f"{self.town.name}：{self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("plans:notice_detail", args=[self.pk])

    @property
    def document_number(self) -> str:
        """The notice's 文号, e.g. 川清暖督〔2021〕3号 (empty before it is issued)."""
        if self.number is None:
            return ""
        return f"川清暖督〔{self.programme.year}〕{self.number}号"

    def is_overdue(self, today) -> bool:
        return self.state in AWAITING_TOWN_STATES and self.deadline < today


def notice_attachment_path(instance: "NoticeAttachment", filename: str) -> str:
    # A random name: the uploader's file name is kept in `original_name`, never in a path.
    suffix = UPLOAD_SUFFIXES.get(instance.kind, "")
    return str(PurePath("supervision", f"{uuid.uuid4().hex}{suffix}"))


class NoticeAttachment(Upload):
    """A photo or scan a town sends with its answer to a supervision notice."""

    notice = models.ForeignKey(
        SupervisionNotice,
        verbose_name=_("督办通知"),
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    file = models.FileField(_("文件"), upload_to=notice_attachment_path, max_length=200)

    objects = TownScopedQuerySet.as_manager()
    town_field = "notice__town_id"

    class Meta:
        verbose_name = _("督办反馈附件")
        verbose_name_plural = _("督办反馈附件")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(size__lte=ATTACHMENT_MAX_BYTES), name="noticeattachment_at_most_10mb"
            ),
        ]

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("plans:notice_attachment", args=[self.pk])
