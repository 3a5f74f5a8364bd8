"""Who looked at a household's full resident ID number, and when (查看完整身份证号记录)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tasks.models.ledger import Household
from zichuan_heating.scoping import TownScopedQuerySet


class IdNumberViewQuerySet(TownScopedQuerySet):
    town_field = "household__town_id"


class IdNumberView(models.Model):
    class Context(models.TextChoices):
        DETAIL = "detail", _("详情页")
        LIST = "list", _("台账列表")
        DOCUMENT = "document", _("打印文件")

    household = models.ForeignKey(
        Household, verbose_name=_("改造户"), on_delete=models.CASCADE, related_name="id_views"
    )
    viewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("查看人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    viewed_at = models.DateTimeField(_("查看时间"), auto_now_add=True, db_index=True)
    context = models.CharField(_("查看位置"), max_length=10, choices=Context.choices)

    objects = IdNumberViewQuerySet.as_manager()

    class Meta:
        verbose_name = _("完整身份证号查看记录")
        verbose_name_plural = _("完整身份证号查看记录")
        ordering = ["-viewed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.viewed_by} · {self.household_id} · {self.viewed_at:%Y-%m-%d %H:%M}"
