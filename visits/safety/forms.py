"""Forms of safety: they parse input only (every rule lives in services.py). Laid out one field
a line so they work on a phone."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tasks.models import Village
from visits.models import EmergencyPlan, Severity
from visits.safety.services import DrillData, FindingData
from zichuan_heating.forms import ConfirmedForm

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def scan_field(label: str) -> forms.FileField:
    """A scan or photo of a document (PDF, JPEG, PNG), optional; the service checks the file
    and names an empty one in its own message."""
    return forms.FileField(
        label=label,
        required=False,
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}),
    )


class InspectionForm(forms.Form):
    village = forms.ModelChoiceField(label=_("村（居）"), queryset=Village.objects.none())
    inspected_on = forms.DateField(label=_("排查日期"), widget=DATE_WIDGET)
    inspectors = forms.CharField(
        label=_("排查人员"),
        max_length=200,
        help_text=_("姓名与单位，如：王建军（镇安监办）、李村委"),
    )
    notes = forms.CharField(
        label=_("排查情况"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    #: Made when the form is shown; the same token posted twice records one inspection.
    submission = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, town_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = Village.objects.filter(town_id=town_id)


class FindingForm(forms.Form):
    description = forms.CharField(
        label=_("隐患描述"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    severity = forms.ChoiceField(
        label=_("隐患等级"), required=False, choices=[("", _("请选择")), *Severity.choices]
    )
    deadline = forms.DateField(label=_("整改期限"), required=False, widget=DATE_WIDGET)

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not any(data.get(k) for k in ("description", "severity", "deadline"))

    def finding(self) -> FindingData:
        d = self.cleaned_data
        return FindingData(d.get("description", ""), d.get("severity", ""), d.get("deadline"))


FindingFormSet = forms.formset_factory(FindingForm, extra=3, max_num=30, absolute_max=30)


def findings_from(formset: Any) -> list[FindingData]:
    """The rows the user filled in; blank rows are ignored (a clean inspection has none)."""
    return [f.finding() for f in formset.forms if not f.is_blank()]


class RectifyForm(forms.Form):
    rectified_on = forms.DateField(label=_("整改完成日期"), widget=DATE_WIDGET)
    rectification = forms.CharField(
        label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class VerifyForm(ConfirmedForm):
    confirm_label = _("我已到现场核实，整改到位")
    comment = forms.CharField(
        label=_("复核意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    field_order = ["comment", "confirm"]


class SendBackForm(forms.Form):
    comment = forms.CharField(
        label=_("退回理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class EmergencyPlanForm(forms.Form):
    title = forms.CharField(label=_("预案名称"), max_length=200)
    issued_on = forms.DateField(label=_("印发日期"), widget=DATE_WIDGET)
    document = scan_field(_("预案文件（PDF 扫描件或照片，不超过 10 MB）"))


class DrillForm(forms.Form):
    held_on = forms.DateField(label=_("演练日期"), widget=DATE_WIDGET)
    subject = forms.CharField(label=_("演练内容"), max_length=200)
    plan = forms.ModelChoiceField(
        label=_("演练的预案"), queryset=EmergencyPlan.objects.none(), required=False
    )
    participants = forms.IntegerField(label=_("参演人数"), min_value=1, max_value=100000)
    participant_units = forms.CharField(label=_("参演单位"), max_length=200, required=False)
    with_fire_service = forms.BooleanField(label=_("消防救援队伍参加"), required=False)
    report = scan_field(_("演练报告（PDF 扫描件或照片，不超过 10 MB）"))

    def __init__(self, *args: Any, town_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = EmergencyPlan.objects.filter(
            town_id=town_id, voided_at__isnull=True
        )

    def data_for_service(self) -> DrillData:
        d = self.cleaned_data
        return DrillData(
            held_on=d["held_on"],
            subject=d["subject"],
            participants=d["participants"],
            participant_units=d.get("participant_units", ""),
            with_fire_service=d.get("with_fire_service", False),
            plan=d.get("plan"),
        )


class VoidForm(ConfirmedForm):
    confirm_label = _("我已核对，这条记录确属误登记，确认撤销")

    reason = forms.CharField(
        label=_("撤销原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如：重复登记、登记到了别的村（居）。撤销后记录保留，不再计入统计和报告。"),
    )
    field_order = ["reason", "confirm"]
