"""Forms of the 建设任务 app: they parse and give field-level Chinese messages; the services
decide. Uniqueness of the ID number is the service's check (with a better message), so the
model form does not run it.
"""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tasks.ledger.services import HOUSEHOLD_EDITABLE_FIELDS
from tasks.models import Contractor, EquipmentModel, Household, Village
from tasks.validators import (
    mask_id_number,
    normalise_id_number,
    normalise_phone,
    validate_id_number,
    validate_phone,
)
from zichuan_heating.forms import ConfirmedForm


class DateInput(forms.DateInput):
    input_type = "date"


class HouseholdForm(forms.ModelForm):
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=40,
        help_text=_("18位，末位可为X；全角数字会自动转换。"),
        error_messages={"required": _("请填写身份证号。")},
    )
    phone = forms.CharField(label=_("联系电话"), max_length=40, required=False)

    class Meta:
        model = Household
        fields = list(HOUSEHOLD_EDITABLE_FIELDS)
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "village": {
                "required": _("请选择村（居）。"),
                "invalid_choice": _("所选村（居）不在您的镇（街道）内。"),
            },
            "head_name": {"required": _("请填写户主姓名。")},
            "route": {"required": _("请选择改造方式。")},
            "size": {
                "min_value": _("家庭人口至少为1人。"),
                "max_value": _("家庭人口不能超过30人。"),
                "invalid": _("家庭人口应为整数。"),
            },
        }

    def __init__(
        self,
        *args: Any,
        user: Any,
        town_id: int | None = None,
        stored_id_number: str = "",
        show_full_id: bool = False,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        # Editing: the number the page shows is masked unless the user may see it in full
        # (the view logs that); the masked value sent back unchanged keeps the stored number.
        self.stored_id_number = stored_id_number
        self.shown_id_number = (
            stored_id_number if show_full_id else mask_id_number(stored_id_number)
        )
        if stored_id_number:
            self.initial["id_number"] = self.shown_id_number
            if not show_full_id:
                self.fields["id_number"].help_text = _(
                    "为保护个人信息，身份证号部分隐藏；不修改请保留原样，更正请输入完整的18位号码。"
                )
        villages = Village.objects.for_user(user).select_related("town")
        if town_id is not None:
            villages = villages.filter(town_id=town_id)
        self.fields["village"].queryset = villages
        if town_id is not None or user.town_id:
            self.fields["village"].label_from_instance = lambda v: v.name
        # Only catalogue models still in the tender list, plus the one already chosen (an
        # entry made before a model left the catalogue must stay editable).
        current = self.instance.equipment_id if self.instance.pk else None
        self.fields["equipment"].queryset = EquipmentModel.objects.filter(
            Q(is_active=True) | Q(pk=current)
        )
        self.fields["contractor"].queryset = Contractor.objects.all()

    def clean_id_number(self) -> str:
        raw = self.cleaned_data["id_number"].strip()
        if self.stored_id_number and raw == self.shown_id_number:
            return self.stored_id_number
        value = normalise_id_number(raw)
        validate_id_number(value)
        return value

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone") or ""
        if not value:
            return ""
        value = normalise_phone(value)
        validate_phone(value)
        return value

    def validate_unique(self) -> None:
        """The service checks the ID number per programme and names the other household."""

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in HOUSEHOLD_EDITABLE_FIELDS}


def _not_future(value: datetime.date | None) -> datetime.date | None:
    if value and value > timezone.localdate():
        raise ValidationError(_("日期不能晚于今天。"))
    return value


def _dated_action_form(
    name: str, field: str, label: Any, required: Any, confirm_label: Any
) -> type[ConfirmedForm]:
    """A status action with its date (not in the future) and the box the user ticks."""
    return type(
        name,
        (ConfirmedForm,),
        {
            field: forms.DateField(
                label=label,
                widget=DateInput,
                error_messages={"required": required},
            ),
            f"clean_{field}": lambda self: _not_future(self.cleaned_data[field]),
            "confirm_label": confirm_label,
            "date_field": field,
            "__module__": __name__,
        },
    )


ContractForm = _dated_action_form(
    "ContractForm", "signed_on", _("签约日期"), _("请填写签约日期。"), _("我已核对，确认该户已签约")
)
StartConstructionForm = _dated_action_form(
    "StartConstructionForm",
    "started_on",
    _("开工日期"),
    _("请填写开工日期。"),
    _("我已核对，确认该户开工"),
)
CompleteConstructionForm = _dated_action_form(
    "CompleteConstructionForm",
    "completed_on",
    _("完工日期"),
    _("请填写完工日期。"),
    _("我已核对，确认该户已完工"),
)


class WithdrawForm(ConfirmedForm):
    confirm_label = _("确认该户退出本年度清洁取暖改造")

    reason = forms.CharField(
        label=_("退出原因"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写退出原因。")},
    )


class RestoreForm(ConfirmedForm):
    confirm_label = _("确认恢复该户到退出前的状态")
