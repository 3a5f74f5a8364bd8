"""Forms of the ledger's bulk actions: what is selected, and the action's one date, contractor,
equipment or reason with the box the user ticks."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tasks.ledger.bulk import DATED_ACTIONS, BulkAction
from tasks.models import Contractor, EquipmentModel
from zichuan_heating.forms import ConfirmedForm


class BulkSelectionForm(forms.Form):
    """Ticked ids, or "all matching" with the list's filter as its query string."""

    action = forms.ChoiceField(choices=BulkAction.choices)
    ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    all_matching = forms.BooleanField(required=False)
    filter_query = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any integer may be posted; the scoped query decides which of them exist for the user.
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        self.fields["ids"].choices = [(v, v) for v in raw if str(v).isdigit()][:5001]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("all_matching") and not cleaned.get("ids"):
            raise forms.ValidationError(_("请先勾选改造户，或选择“全部符合筛选条件的改造户”。"))
        return cleaned


class BulkActionForm(ConfirmedForm):
    """The one value the action needs, then the confirmation box."""

    confirm_label = _("我已核对以上户数与名单，确认对所选改造户执行此操作")

    day = forms.DateField(
        label=_("日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("请填写日期。")},
    )
    contractor = forms.ModelChoiceField(
        label=_("实施单位"), queryset=Contractor.objects.all(), empty_label=_("请选择")
    )
    equipment = forms.ModelChoiceField(
        label=_("采暖设备"),
        queryset=EquipmentModel.objects.filter(is_active=True),
        empty_label=_("请选择"),
    )
    reason = forms.CharField(
        label=_("退出原因"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写退出原因。")},
    )
    field_order = ["day", "contractor", "equipment", "reason", "confirm"]

    def __init__(self, *args: Any, action: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep = {
            BulkAction.CONTRACTOR: "contractor",
            BulkAction.EQUIPMENT: "equipment",
            BulkAction.WITHDRAW: "reason",
        }.get(action, "day" if action in DATED_ACTIONS else "")
        labels = {
            BulkAction.CONTRACT: _("签约日期"),
            BulkAction.START: _("开工日期"),
            BulkAction.COMPLETE: _("完工日期"),
        }
        for name in ("day", "contractor", "equipment", "reason"):
            if name != keep:
                del self.fields[name]
        if "day" in self.fields:
            self.fields["day"].label = labels[action]
            self.fields["day"].initial = timezone.localdate()

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("日期不能晚于今天。"))
        return day

    def params(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "confirm"}
