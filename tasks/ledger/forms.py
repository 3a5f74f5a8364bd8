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
    normalise_id_number,
    normalise_phone,
    validate_id_number,
    validate_phone,
)


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

    def __init__(self, *args: Any, user: Any, town_id: int | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
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
        value = normalise_id_number(self.cleaned_data["id_number"])
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


class ConfirmedForm(forms.Form):
    """A status action: the page asks with confirm() and the server insists on `confirm=yes`,
    so a stray or replayed request without it changes nothing.
    """

    confirm = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_confirm(self) -> str:
        if self.cleaned_data.get("confirm") != "yes":
            raise ValidationError(_("请确认操作后再提交。"))
        return "yes"


def _not_future(value: datetime.date | None) -> datetime.date | None:
    if value and value > timezone.localdate():
        raise ValidationError(_("日期不能晚于今天。"))
    return value


class ContractForm(ConfirmedForm):
    signed_on = forms.DateField(
        label=_("签约日期"), widget=DateInput, error_messages={"required": _("请填写签约日期。")}
    )

    def clean_signed_on(self):
        return _not_future(self.cleaned_data["signed_on"])


class StartConstructionForm(ConfirmedForm):
    started_on = forms.DateField(
        label=_("开工日期"), widget=DateInput, error_messages={"required": _("请填写开工日期。")}
    )

    def clean_started_on(self):
        return _not_future(self.cleaned_data["started_on"])


class CompleteConstructionForm(ConfirmedForm):
    completed_on = forms.DateField(
        label=_("完工日期"), widget=DateInput, error_messages={"required": _("请填写完工日期。")}
    )

    def clean_completed_on(self):
        return _not_future(self.cleaned_data["completed_on"])


class WithdrawForm(ConfirmedForm):
    reason = forms.CharField(
        label=_("退出原因"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写退出原因。")},
    )


class RestoreForm(ConfirmedForm):
    pass
