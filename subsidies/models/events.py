"""The compact record of every bulk action on subsidies (see the package's docstring)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from subsidies.models.batches import DisbursementBatch
from subsidies.models.common import MONEY
from tasks.models import Programme
from tasks.models.programme import household_key, recorded_user


class SubsidyEvent(models.Model):
    """A compact audit row: one per bulk action, and the approval trail of each batch."""

    class Action(models.TextChoices):
        STANDARDS_LOADED = "standards_loaded", _("加载补贴标准")
        STANDARD_CHANGED = "standard_changed", _("调整补贴标准")
        SCHEDULES_GENERATED = "schedules_generated", _("生成补贴计划")
        INSTALMENTS_CANCELLED = "instalments_cancelled", _("取消未发放补贴")
        BATCH_PREPARED = "batch_prepared", _("编制批次")
        LINE_ADDED = "line_added", _("加入批次")
        BATCH_APPROVED = "batch_approved", _("审核通过")
        BATCH_RETURNED = "batch_returned", _("退回制单人")
        BATCH_RESUBMITTED = "batch_resubmitted", _("重新提交审核")
        BATCH_WITHDRAWN = "batch_withdrawn", _("撤销批次")
        APPROVAL_VOIDED = "approval_voided", _("审核失效")
        BATCH_EXPORTED = "batch_exported", _("导出发放表")
        FULL_ID_EXPORTED = "full_id_exported", _("导出完整身份证号")
        BATCH_PAID = "batch_paid", _("确认发放")
        LINE_FAILED = "line_failed", _("明细支付失败")
        BANK_RETURN = "bank_return", _("导入银行回单")

    action = models.CharField(_("操作"), max_length=24, choices=Action.choices)
    by = recorded_user(_("操作人"), optional=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    programme = models.ForeignKey(
        Programme, verbose_name=_("年度"), null=True, blank=True, on_delete=models.PROTECT
    )
    batch = models.ForeignKey(
        DisbursementBatch,
        verbose_name=_("批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    household = household_key(None, optional=True)
    count = models.PositiveIntegerField(_("笔数"), default=0)
    amount = models.DecimalField(_("金额（元）"), default=0, **MONEY)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    details = models.JSONField(_("明细"), default=dict, blank=True)

    class Meta:
        verbose_name = _("补贴操作记录")
        verbose_name_plural = _("补贴操作记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"
