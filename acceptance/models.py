"""Acceptance records (竣工验收 / 调试验收), their inspectors and checklists, rectifications
(整改) and attachments.

Rectification is not a household status: a household in rectification stays "built" and is
recognised by its latest valid (not revoked) acceptance record having failed. That keeps the
ledger's state machine (surveyed → contracted → under construction → built → accepted) as the
ledger module defines it and needs no migration of the tasks app; `queries.acceptance_state`
derives the finer state.
"""

import uuid
from pathlib import PurePath

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from acceptance.checklists import item_label
from tasks.models.programme import household_key, recorded_user
from tasks.models.tallies import VillageTally
from tasks.models.uploads import Upload
from zichuan_heating.scoping import HouseholdScopedQuerySet, TownScopedQuerySet
from zichuan_heating.uploads import ATTACHMENT_MAX_BYTES, UPLOAD_SUFFIXES


class AcceptanceKind(models.TextChoices):
    COMPLETION = "completion", _("竣工验收")
    COMMISSIONING = "commissioning", _("调试验收")


class AcceptanceResult(models.TextChoices):
    PASS = "pass", _("通过")
    FAIL = "fail", _("不通过")


class AcceptanceReason(models.TextChoices):
    """Why an acceptance record's history row was written; stored in Chinese, shown translated."""

    INSPECT = "记录验收", _("记录验收")
    REVOKE = "撤销验收", _("撤销验收")
    REVOKE_WITH_COMPLETION = "随竣工验收一并撤销", _("随竣工验收一并撤销")


class AcceptanceQuerySet(HouseholdScopedQuerySet):
    def valid(self) -> "AcceptanceQuerySet":
        """Records that count: not revoked by the district office."""
        return self.filter(revoked=False)

    def passed(self) -> "AcceptanceQuerySet":
        return self.filter(result=AcceptanceResult.PASS)


class Acceptance(models.Model):
    household = household_key("acceptances")
    kind = models.CharField(_("验收类型"), max_length=16, choices=AcceptanceKind.choices)
    date = models.DateField(_("验收日期"))
    result = models.CharField(_("验收结果"), max_length=8, choices=AcceptanceResult.choices)
    defects = models.TextField(_("存在问题"), blank=True)
    rectification_deadline = models.DateField(_("整改期限"), null=True, blank=True)
    recorded_by = recorded_user(_("记录人"), null=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    revoked = models.BooleanField(_("已撤销"), default=False)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = recorded_user(_("撤销人"), optional=True)
    revoke_reason = models.CharField(_("撤销原因"), max_length=500, blank=True)

    objects = AcceptanceQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("验收记录修改记录"))

    class Meta:
        verbose_name = _("验收记录")
        verbose_name_plural = _("验收记录")
        ordering = ["household", "date", "created_at", "id"]
        permissions = [
            ("revoke_acceptance", _("可撤销验收")),
            ("record_stove_removal", _("可登记燃煤炉具拆除")),
        ]
        constraints = [
            # A failed inspection always names what is wrong and by when it is put right.
            models.CheckConstraint(
                condition=Q(result="pass")
                | (Q(rectification_deadline__isnull=False) & ~Q(defects="")),
                name="acceptance_fail_has_defects_and_deadline",
            ),
            models.CheckConstraint(
                condition=Q(rectification_deadline__isnull=True)
                | Q(rectification_deadline__gte=F("date")),
                name="acceptance_deadline_not_before_date",
            ),
            models.CheckConstraint(
                condition=Q(revoked=False) | (Q(revoked_at__isnull=False) & ~Q(revoke_reason="")),
                name="acceptance_revoked_has_reason",
            ),
            # At most one valid pass of each kind per household: no double acceptance.
            models.UniqueConstraint(
                fields=["household", "kind"],
                condition=Q(result="pass", revoked=False),
                name="acceptance_one_valid_pass_per_kind",
            ),
        ]
        indexes = [
            models.Index(
                fields=["household", "revoked", "date"], name="acceptance_household_valid"
            ),
            # The failed records that stand: the dashboard's "in rectification" count starts
            # from these few, not from every record.
            models.Index(
                fields=["household"],
                condition=Q(result="fail", revoked=False),
                name="acceptance_valid_fail",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household.head_name} {self.get_kind_display()} {self.date:%Y-%m-%d}"

    @property
    def passed(self) -> bool:
        return self.result == AcceptanceResult.PASS

    @property
    def rectification_or_none(self) -> "Rectification | None":
        """The rectification of a failed record, or None while there is none."""
        try:
            return self.rectification
        except Rectification.DoesNotExist:
            return None


class Inspector(models.Model):
    """One member of the inspection team; the team includes the contractor's person."""

    acceptance = models.ForeignKey(
        Acceptance, verbose_name=_("验收记录"), on_delete=models.CASCADE, related_name="inspectors"
    )
    name = models.CharField(_("姓名"), max_length=50)
    organisation = models.CharField(_("单位"), max_length=100)
    is_contractor = models.BooleanField(_("施工单位人员"), default=False)

    class Meta:
        verbose_name = _("验收人员")
        verbose_name_plural = _("验收人员")
        ordering = ["acceptance", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="inspector_has_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.organisation}）"


class ChecklistResult(models.Model):
    """One checklist item of one record, passed or not (items in `checklists.py`)."""

    acceptance = models.ForeignKey(
        Acceptance, verbose_name=_("验收记录"), on_delete=models.CASCADE, related_name="checklist"
    )
    item = models.CharField(_("检查项目"), max_length=32)
    passed = models.BooleanField(_("合格"))

    class Meta:
        verbose_name = _("验收检查项")
        verbose_name_plural = _("验收检查项")
        ordering = ["acceptance", "id"]
        constraints = [
            models.UniqueConstraint(fields=["acceptance", "item"], name="checklist_item_once"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return item_label(self.item)


class OnAcceptanceQuerySet(TownScopedQuerySet):
    """Rows that hang off an acceptance record, scoped by the record's household's town."""

    town_field = "acceptance__household__town_id"


class Rectification(models.Model):
    """What was done to put right a failed inspection; the re-inspection follows it."""

    acceptance = models.OneToOneField(
        Acceptance,
        verbose_name=_("未通过的验收"),
        on_delete=models.PROTECT,
        related_name="rectification",
    )
    description = models.TextField(_("整改情况"))
    date = models.DateField(_("整改完成日期"))
    recorded_by = recorded_user(_("记录人"), null=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = OnAcceptanceQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("整改记录修改记录"))

    class Meta:
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(description=""), name="rectification_described"),
        ]

    def __str__(self) -> str:
        return f"{self.acceptance} 整改 {self.date:%Y-%m-%d}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # A random name: the uploader's file name is kept in `original_name`, never in a path.
    suffix = UPLOAD_SUFFIXES.get(instance.kind, "")
    return str(PurePath("acceptance", f"{uuid.uuid4().hex}{suffix}"))


class Attachment(Upload):
    """A photo or a scanned form of an inspection (or of its rectification)."""

    acceptance = models.ForeignKey(
        Acceptance, verbose_name=_("验收记录"), on_delete=models.PROTECT, related_name="attachments"
    )
    rectification = models.ForeignKey(
        Rectification,
        verbose_name=_("整改记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    uploaded_by = recorded_user(_("上传人"), null=True)

    objects = OnAcceptanceQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("附件修改记录"))

    class Meta:
        verbose_name = _("验收附件")
        verbose_name_plural = _("验收附件")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(size__lte=ATTACHMENT_MAX_BYTES), name="attachment_at_most_10mb"
            ),
        ]


class ProgressTally(VillageTally):
    """How many built households of a programme, town and village stand at each acceptance
    progress (`Household.acceptance_progress`; '' is 待竣工验收), kept exact by triggers
    (`acceptance.progress_sql`): the awaiting list's tabs count a village without reading
    its records."""

    progress = models.CharField(max_length=24)

    class Meta:
        verbose_name = _("验收进展计数")
        verbose_name_plural = _("验收进展计数")
        constraints = [
            models.UniqueConstraint(
                fields=["programme_id", "town_id", "village_id", "progress"],
                name="progress_tally_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.town_id}/{self.village_id} {self.progress or '-'}: {self.n}"
