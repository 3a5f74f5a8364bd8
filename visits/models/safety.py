"""Safety checks (安全隐患排查) with their findings, each town's emergency plans (应急预案) and
drills (应急演练), and the log that makes the daily overdue reminder go out once.

A finding moves open → rectified → verified through `FINDING_FLOW`; a verifier who is not
satisfied sends it back to open. Inspections and drills belong to a town; officials see their
own town's, the district office every town's (`TownScopedQuerySet`).
"""

import uuid
from pathlib import PurePath

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tasks.models import Village
from tasks.models.programme import household_key, recorded_user, town_key
from zichuan_heating.scoping import TownScopedQuerySet
from zichuan_heating.transitions import Flow, Transition
from zichuan_heating.uploads import (
    ATTACHMENT_MAX_BYTES,
    UPLOAD_CONTENT_TYPES,
    UPLOAD_SUFFIXES,
    UploadKind,
)


class Severity(models.TextChoices):
    GENERAL = "general", _("一般隐患")
    MAJOR = "major", _("较大隐患")
    SERIOUS = "serious", _("重大隐患")


class FindingState(models.TextChoices):
    OPEN = "open", _("待整改")
    RECTIFIED = "rectified", _("已整改待复核")
    VERIFIED = "verified", _("已复核销号")


FINDING_FLOW = Flow(
    "state",
    [
        Transition(
            "rectify", _("登记整改"), frozenset({FindingState.OPEN}), FindingState.RECTIFIED
        ),
        Transition(
            "verify", _("复核销号"), frozenset({FindingState.RECTIFIED}), FindingState.VERIFIED
        ),
        Transition(
            "send_back", _("退回重新整改"), frozenset({FindingState.RECTIFIED}), FindingState.OPEN
        ),
    ],
)


class SafetyReason(models.TextChoices):
    """Why a history row was written; stored as the Chinese text, shown translated."""

    RECORD = "登记隐患排查", _("登记隐患排查")
    RECTIFY = "登记整改", _("登记整改")
    VERIFY = "复核销号", _("复核销号")
    SEND_BACK = "退回重新整改", _("退回重新整改")
    PLAN_UPLOAD = "上传应急预案", _("上传应急预案")
    DRILL_RECORD = "登记应急演练", _("登记应急演练")
    VOID = "撤销误登记", _("撤销误登记")


class Voidable(models.Model):
    """A record entered by mistake is withdrawn, not deleted: voided with a reason, kept (with
    its history), left out of every count, list of work and report."""

    voided_at = models.DateTimeField(_("撤销时间"), null=True, blank=True, editable=False)
    voided_by = recorded_user(_("撤销人"), optional=True, editable=False)
    void_reason = models.TextField(_("撤销原因"), blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def voided(self) -> bool:
        return self.voided_at is not None


def void_constraint(name: str) -> models.CheckConstraint:
    """Voided: when, by whom and why are on the row; not voided: none of them."""
    return models.CheckConstraint(
        condition=Q(voided_at__isnull=True, voided_by__isnull=True, void_reason="")
        | (Q(voided_at__isnull=False, voided_by__isnull=False) & ~Q(void_reason="")),
        name=name,
    )


class HazardInspection(Voidable):
    """One inspection of a village, or of one household in it."""

    town = town_key("hazard_inspections")
    village = models.ForeignKey(
        Village,
        verbose_name=_("村（居）"),
        on_delete=models.PROTECT,
        related_name="hazard_inspections",
    )
    household = household_key("hazard_inspections", optional=True, help_text=_("排查全村时留空。"))
    inspected_on = models.DateField(_("排查日期"))
    inspectors = models.CharField(_("排查人员"), max_length=200)
    notes = models.TextField(_("排查情况"), blank=True)
    recorded_by = recorded_user(_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    #: The form's one-time token: a double click or two racing submits record one inspection.
    submission = models.UUIDField(_("提交标识"), null=True, blank=True, unique=True, editable=False)

    objects = TownScopedQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("隐患排查修改记录"))

    class Meta:
        verbose_name = _("安全隐患排查")
        verbose_name_plural = _("安全隐患排查")
        ordering = ["-inspected_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(inspectors=""), name="inspection_has_inspectors"),
            void_constraint("inspection_void_recorded"),
        ]
        permissions = [("void_safetyrecord", _("可撤销误登记的排查、预案和演练"))]
        indexes = [models.Index(fields=["town", "inspected_on"], name="inspection_town_date")]

    def __str__(self) -> str:
        where = self.household.head_name if self.household_id else self.village.name
        return f"{where} {self.inspected_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("visits:safety:inspection_detail", args=[self.pk])


class FindingQuerySet(TownScopedQuerySet):
    town_field = "inspection__town_id"

    def live(self) -> "FindingQuerySet":
        """Findings of inspections not voided (what counts and what is owed)."""
        return self.filter(inspection__voided_at__isnull=True)

    def still_open(self) -> "FindingQuerySet":
        return self.live().filter(state=FindingState.OPEN)

    def overdue(self, today) -> "FindingQuerySet":
        return self.still_open().filter(deadline__lt=today)


class HazardFinding(models.Model):
    """One hazard found, with its severity and the deadline to put it right."""

    inspection = models.ForeignKey(
        HazardInspection,
        verbose_name=_("隐患排查"),
        on_delete=models.PROTECT,
        related_name="findings",
    )
    description = models.TextField(_("隐患描述"))
    severity = models.CharField(_("隐患等级"), max_length=16, choices=Severity.choices)
    found_on = models.DateField(_("发现日期"))
    deadline = models.DateField(_("整改期限"))
    state = models.CharField(
        _("状态"), max_length=16, choices=FindingState.choices, default=FindingState.OPEN
    )
    rectification = models.TextField(_("整改情况"), blank=True)
    rectified_on = models.DateField(_("整改完成日期"), null=True, blank=True)
    rectified_by = recorded_user(_("整改登记人"), optional=True)
    verified_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    verified_by = recorded_user(_("复核人"), optional=True)
    review_comment = models.TextField(_("复核意见"), blank=True)

    objects = FindingQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("隐患整改修改记录"))

    class Meta:
        verbose_name = _("隐患")
        verbose_name_plural = _("隐患")
        ordering = ["deadline", "id"]
        permissions = [
            ("rectify_hazardfinding", _("可登记隐患整改")),
            ("verify_hazardfinding", _("可复核隐患整改")),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(description=""), name="finding_described"),
            models.CheckConstraint(
                condition=Q(deadline__gte=F("found_on")), name="finding_deadline_not_before_found"
            ),
            # Rectified or verified: what was done, when and by whom is always on the row.
            models.CheckConstraint(
                condition=Q(state="open")
                | (
                    ~Q(rectification="")
                    & Q(rectified_on__isnull=False, rectified_by__isnull=False)
                    & Q(rectified_on__gte=F("found_on"))
                ),
                name="finding_rectified_has_record",
            ),
            models.CheckConstraint(
                condition=~Q(state="verified")
                | Q(verified_at__isnull=False, verified_by__isnull=False),
                name="finding_verified_has_verifier",
            ),
            # Four eyes: who registered the rectification never verifies it.
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True) | ~Q(verified_by=F("rectified_by")),
                name="finding_verifier_not_rectifier",
            ),
        ]
        indexes = [models.Index(fields=["state", "deadline"], name="finding_state_deadline")]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}：{self.description[:30]}"

    def get_absolute_url(self) -> str:
        return self.inspection.get_absolute_url() + f"#finding-{self.pk}"

    def is_overdue(self, today) -> bool:
        return self.state == FindingState.OPEN and self.deadline < today


def safety_document_path(instance: "AttachedDocument", filename: str) -> str:
    # A random name: the uploader's file name is kept in `original_name`, never in a path.
    suffix = UPLOAD_SUFFIXES.get(instance.kind, "")
    return str(PurePath("safety", f"{uuid.uuid4().hex}{suffix}"))


class AttachedDocument(models.Model):
    """One scan or photo (JPEG, PNG or PDF, sniffed by `zichuan_heating.uploads`)."""

    file = models.FileField(_("文件"), upload_to=safety_document_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    kind = models.CharField(_("文件类型"), max_length=8, choices=UploadKind.choices)
    size = models.PositiveIntegerField(_("大小（字节）"), validators=[MinValueValidator(1)])

    class Meta:
        abstract = True

    @property
    def content_type(self) -> str:
        return UPLOAD_CONTENT_TYPES.get(self.kind, "application/octet-stream")


class EmergencyPlan(AttachedDocument, Voidable):
    """A town's emergency plan (应急预案), the document attached."""

    town = town_key("emergency_plans")
    title = models.CharField(_("预案名称"), max_length=200)
    issued_on = models.DateField(_("印发日期"))
    uploaded_by = recorded_user(_("上传人"))
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = TownScopedQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("应急预案修改记录"))

    class Meta:
        verbose_name = _("应急预案")
        verbose_name_plural = _("应急预案")
        ordering = ["town__order", "-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="emergencyplan_has_title"),
            models.CheckConstraint(
                condition=Q(size__lte=ATTACHMENT_MAX_BYTES), name="emergencyplan_at_most_10mb"
            ),
            void_constraint("emergencyplan_void_recorded"),
        ]

    def __str__(self) -> str:
        return f"{self.town.name}：{self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("visits:safety:plan_document", args=[self.pk])


class Drill(AttachedDocument, Voidable):
    """An emergency drill (应急演练) a town held, with its report attached."""

    town = town_key("drills")
    plan = models.ForeignKey(
        EmergencyPlan,
        verbose_name=_("演练的预案"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="drills",
    )
    held_on = models.DateField(_("演练日期"))
    subject = models.CharField(_("演练内容"), max_length=200)
    participants = models.PositiveIntegerField(_("参演人数"), validators=[MinValueValidator(1)])
    participant_units = models.CharField(_("参演单位"), max_length=200, blank=True)
    with_fire_service = models.BooleanField(_("消防救援队伍参加"), default=False)
    recorded_by = recorded_user(_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = TownScopedQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("应急演练修改记录"))

    class Meta:
        verbose_name = _("应急演练")
        verbose_name_plural = _("应急演练")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(subject=""), name="drill_has_subject"),
            models.CheckConstraint(condition=Q(participants__gt=0), name="drill_has_participants"),
            models.CheckConstraint(
                condition=Q(size__lte=ATTACHMENT_MAX_BYTES), name="drill_report_at_most_10mb"
            ),
            void_constraint("drill_void_recorded"),
        ]

    def __str__(self) -> str:
        return f"{self.town.name} {self.held_on:%Y-%m-%d} {self.subject}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("visits:safety:drill_report", args=[self.pk])


class SafetyReminderLog(models.Model):
    """An overdue-rectification reminder claimed before it is sent: once per town and day
    (town empty: the district office's digest)."""

    town = town_key("safety_reminder_logs", models.CASCADE, optional=True)
    day = models.DateField(_("提醒日期"))
    findings = models.PositiveIntegerField(_("逾期隐患数"))
    recipients = models.TextField(_("接收人"), blank=True)
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("隐患整改逾期提醒记录")
        verbose_name_plural = _("隐患整改逾期提醒记录")
        ordering = ["-day", "town_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "day"],
                condition=Q(town__isnull=False),
                name="safetyreminder_once_per_town_day",
            ),
            models.UniqueConstraint(
                fields=["day"], condition=Q(town__isnull=True), name="safetyreminder_digest_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.town or _('全区')}"
