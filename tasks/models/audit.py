"""Who saw or exported full resident ID numbers, and when (完整身份证号查看记录).

One row per household for a page that shows one or a page of households (list, detail, edit);
one row per export file, with the town, the filter and the number of households it carried
(the filter and the count say which households; a batch export names its batch in the filter).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tasks.models.programme import household_key
from zichuan_heating.scoping import TownScopedQuerySet


class IdNumberView(models.Model):
    class Context(models.TextChoices):
        DETAIL = "detail", _("详情页")
        LIST = "list", _("台账列表")
        DOCUMENT = "document", _("打印文件")
        EDIT = "edit", _("修改页")
        LEDGER_EXPORT = "ledger_export", _("导出台账")
        ACCEPTANCE_EXPORT = "acceptance_export", _("导出验收台账")
        BATCH_EXPORT = "batch_export", _("导出补贴发放表")
        BATCH_COMMAND = "batch_command", _("命令行导出补贴发放表")

    household = household_key("id_views", models.CASCADE, optional=True)
    town = models.ForeignKey(
        "tasks.Town",
        verbose_name=_("镇（街道）"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("该户所在镇；导出时为所选的镇，空为全区。"),
    )
    viewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("查看人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    viewed_at = models.DateTimeField(_("查看时间"), auto_now_add=True, db_index=True)
    context = models.CharField(_("查看位置"), max_length=20, choices=Context.choices)
    row_count = models.PositiveIntegerField(_("导出户数"), null=True, blank=True)
    filters = models.JSONField(_("导出条件"), default=dict, blank=True)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("完整身份证号查看记录")
        verbose_name_plural = _("完整身份证号查看记录")
        ordering = ["-viewed_at", "-id"]

    def __str__(self) -> str:
        what = self.household_id or self.get_context_display()
        return f"{self.viewed_by} · {what} · {self.viewed_at:%Y-%m-%d %H:%M}"

    @property
    def filters_shown(self) -> str:
        """The export's filter as text (the template never walks a user-given dict)."""
        return " · ".join(f"{k}={v}" for k, v in sorted(self.filters.items()))
