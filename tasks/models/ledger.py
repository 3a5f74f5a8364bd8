"""The household ledger (台账), the municipal equipment catalogue and contractors."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tasks.collation import Pinyin
from tasks.models.programme import Programme, Town, Village
from tasks.validators import validate_id_number, validate_phone
from zichuan_heating.scoping import TownScopedQuerySet
from zichuan_heating.transitions import Flow, Transition


class Route(models.TextChoices):
    CENTRAL = "central", _("集中供暖")
    GAS = "gas", _("气代煤")
    ELECTRIC = "electric", _("电代煤")


class ContractorKind(models.TextChoices):
    HEATING = "heating", _("供热企业")
    GAS = "gas", _("燃气企业")
    INSTALLER = "installer", _("设备安装企业")


#: Which kind of contractor carries out which route (实施主体).
CONTRACTOR_KIND_FOR_ROUTE = {
    Route.CENTRAL: ContractorKind.HEATING,
    Route.GAS: ContractorKind.GAS,
    Route.ELECTRIC: ContractorKind.INSTALLER,
}


class Contractor(models.Model):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=ContractorKind.choices)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_example = models.BooleanField(_("示例数据"), default=False)

    class Meta:
        verbose_name = _("实施主体")
        verbose_name_plural = _("实施主体")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class EquipmentModel(models.Model):
    brand = models.CharField(_("品牌"), max_length=50)
    model = models.CharField(_("型号"), max_length=80)
    kind = models.CharField(_("设备类型"), max_length=50, help_text=_("如：燃气壁挂炉、空气源热泵"))
    route = models.CharField(_("技术路线"), max_length=16, choices=Route.choices)
    tender_batch = models.CharField(_("招标批次"), max_length=50, blank=True)
    price_cap = models.DecimalField(
        _("限价（元）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    is_example = models.BooleanField(_("示例数据"), default=False)
    is_active = models.BooleanField(_("在目录内"), default=True)

    class Meta:
        verbose_name = _("采暖设备目录")
        verbose_name_plural = _("采暖设备目录")
        ordering = ["route", "brand", "model"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "model"], name="equipment_unique_brand_model"),
            models.CheckConstraint(
                condition=Q(price_cap__isnull=True) | Q(price_cap__gte=0),
                name="equipment_price_cap_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand} {self.model}"


class HouseholdStatus(models.TextChoices):
    SURVEYED = "surveyed", _("已摸底")
    CONTRACTED = "contracted", _("已签约")
    UNDER_CONSTRUCTION = "under_construction", _("施工中")
    BUILT = "built", _("已完工")
    ACCEPTED = "accepted", _("已验收")
    WITHDRAWN = "withdrawn", _("已退出")


S = HouseholdStatus

#: Every move of a household's status, in one table. The ledger's services and the importer
#: move households through `HOUSEHOLD_FLOW.apply`; acceptance takes "accept" and
#: "revoke_acceptance". Restoring a withdrawn household returns it to the status it had, which
#: the service sets after `check`.
HOUSEHOLD_FLOW = Flow(
    "status",
    [
        Transition("contract", _("签约"), frozenset({S.SURVEYED}), S.CONTRACTED),
        Transition("start", _("开工"), frozenset({S.CONTRACTED}), S.UNDER_CONSTRUCTION),
        Transition("complete", _("登记完工"), frozenset({S.UNDER_CONSTRUCTION}), S.BUILT),
        Transition("accept", _("验收通过"), frozenset({S.BUILT}), S.ACCEPTED),
        Transition("revoke_acceptance", _("撤销验收"), frozenset({S.ACCEPTED}), S.BUILT),
        Transition(
            "withdraw",
            _("退出"),
            frozenset(set(S) - {S.WITHDRAWN}),
            S.WITHDRAWN,
        ),
        Transition("restore", _("恢复"), frozenset({S.WITHDRAWN}), S.SURVEYED),
    ],
)


class HouseholdReason(models.TextChoices):
    """Why a household's history row was written; stored as the Chinese text, shown translated."""

    REGISTER = "登记", _("登记")
    EDIT = "修改台账信息", _("修改台账信息")
    CONTRACT = "签约", _("签约")
    START = "开工", _("开工")
    COMPLETE = "完工", _("完工")
    WITHDRAW = "退出", _("退出")
    RESTORE = "恢复", _("恢复")
    IMPORT = "Excel 导入", _("Excel 导入")
    ACCEPT = "调试验收通过", _("调试验收通过")
    REVOKE_ACCEPTANCE = "撤销验收", _("撤销验收")
    STOVE_REMOVED = "燃煤炉具拆除", _("燃煤炉具拆除")


class HouseholdQuerySet(TownScopedQuerySet):
    def accepted(self) -> "HouseholdQuerySet":
        return self.filter(status=HouseholdStatus.ACCEPTED)

    def active(self) -> "HouseholdQuerySet":
        return self.exclude(status=HouseholdStatus.WITHDRAWN)

    def locked(self) -> "HouseholdQuerySet":
        """These households' rows, locked for the transaction, always in primary-key order.

        The one household row lock of every app: acceptance, the ledger and subsidies all
        lock households through here, first, before any row that hangs off them, so two
        transactions touching the same households queue instead of deadlocking.
        """
        return self.select_for_update(of=("self",)).order_by("pk")


class Household(models.Model):
    # Every query filters by programme first; the composite indexes below lead with it.
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("年度"),
        on_delete=models.PROTECT,
        related_name="households",
        db_index=False,
    )
    town = models.ForeignKey(
        Town, verbose_name=_("镇（街道）"), on_delete=models.PROTECT, related_name="households"
    )
    village = models.ForeignKey(
        Village, verbose_name=_("村（居）"), on_delete=models.PROTECT, related_name="households"
    )
    head_name = models.CharField(_("户主姓名"), max_length=50)
    id_number = models.CharField(_("身份证号"), max_length=18, validators=[validate_id_number])
    # The last six characters, indexed, for "search by the tail of the ID number".
    # (Indexed together with the programme, below.)
    id_tail = models.CharField(max_length=6, editable=False)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])
    address = models.CharField(_("家庭住址"), max_length=200, blank=True)
    size = models.PositiveSmallIntegerField(
        _("家庭人口"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    route = models.CharField(_("改造方式"), max_length=16, choices=Route.choices)
    equipment = models.ForeignKey(
        EquipmentModel,
        verbose_name=_("采暖设备"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="households",
    )
    contractor = models.ForeignKey(
        Contractor,
        verbose_name=_("实施单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="households",
    )
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=HouseholdStatus.choices,
        default=HouseholdStatus.SURVEYED,
    )
    status_before_withdrawal = models.CharField(
        _("退出前状态"), max_length=20, choices=HouseholdStatus.choices, blank=True
    )
    withdrawal_reason = models.CharField(_("退出原因"), max_length=200, blank=True)
    contract_signed_on = models.DateField(_("签约日期"), null=True, blank=True)
    construction_started_on = models.DateField(_("开工日期"), null=True, blank=True)
    construction_completed_on = models.DateField(_("完工日期"), null=True, blank=True)
    coal_stove_removed_on = models.DateField(_("燃煤炉具拆除日期"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    # Where the household stands in acceptance, from its records: set by the acceptance app's
    # triggers only (acceptance/progress_sql.py), never by Python, so not in forms or history.
    acceptance_progress = models.CharField(
        _("验收进展"), max_length=24, blank=True, default="", db_default="", editable=False
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = HouseholdQuerySet.as_manager()
    # History is read per household (by id); indexes on its other columns would only slow
    # every bulk import, which writes one history row per household.
    history = HistoricalRecords(
        verbose_name=_("台账修改记录"),
        excluded_fields=["id_tail", "updated_at", "acceptance_progress"],
        no_db_index=["programme", "town", "village", "equipment", "contractor", "history_user"],
    )

    class Meta:
        verbose_name = _("改造户")
        verbose_name_plural = _("改造户台账")
        ordering = ["town__order", Pinyin("village__name"), Pinyin("head_name"), "id"]
        permissions = [
            ("view_full_id_number", _("可查看完整身份证号")),
            ("restore_household", _("可恢复已退出的改造户")),
        ]
        constraints = [
            # One household is claimed once per programme (虚假冒领).
            models.UniqueConstraint(
                fields=["programme", "id_number"], name="household_unique_id_per_programme"
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | ~Q(withdrawal_reason=""),
                name="household_withdrawal_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(coal_stove_removed_on__isnull=True)
                | Q(status__in=["accepted", "withdrawn"]),
                name="household_stove_removed_only_when_accepted",
            ),
        ]
        indexes = [
            models.Index(fields=["programme", "town", "status"], name="household_prog_town_status"),
            models.Index(fields=["programme", "town", "village"], name="household_prog_town_vill"),
            models.Index(fields=["programme", "id_tail"], name="household_prog_id_tail"),
            models.Index(fields=["programme", "head_name"], name="household_prog_head_name"),
        ]

    def __str__(self) -> str:
        return f"{self.head_name}（{self.village.name}）"

    def save(self, *args, **kwargs) -> None:
        self.id_tail = (self.id_number or "")[-6:]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "id_number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "id_tail"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("ledger:household_detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.village_id and self.town_id and self.village.town_id != self.town_id:
            errors["village"] = _("该村（居）不属于所选镇（街道）。")
        if self.equipment_id and self.route and self.equipment.route != self.route:
            errors["equipment"] = _("所选设备不适用于该改造方式。")
        wanted_kind = CONTRACTOR_KIND_FOR_ROUTE.get(self.route)
        if self.contractor_id and wanted_kind and self.contractor.kind != wanted_kind:
            errors["contractor"] = _("该实施单位不承担此改造方式。")
        if errors:
            raise ValidationError(errors)
