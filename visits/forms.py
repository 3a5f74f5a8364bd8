"""Forms of visits and cases: parse input, no rules (the services hold them)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tasks.models import Town
from visits.models import CaseCategory, CaseSource
from visits.services.sampling import CONFIDENCES
from zichuan_heating.forms import ConfirmedForm, decimal_field
from zichuan_heating.uploads import MultipleFileField

YES_NO = [("1", _("是")), ("0", _("否"))]


class DrawForm(ConfirmedForm):
    confirm_label = _("我已核对采暖季和参数，确认抽取（每个采暖季只能抽取一次）")

    season = forms.CharField(label=_("采暖季"), max_length=9, help_text=_("如 2025-2026"))
    town = forms.ModelChoiceField(
        label=_("逐户回访的镇（街道）"),
        queryset=Town.objects.order_by("order", "code"),
        required=False,
        empty_label=_("（不选：全区按比例抽样）"),
    )
    confidence = forms.TypedChoiceField(
        label=_("置信水平"),
        choices=[(str(c), f"{c:.0%}") for c in CONFIDENCES],
        initial="0.95",
        coerce=str,
    )
    margin = forms.DecimalField(
        label=_("允许误差"), initial="0.05", min_value=0, max_value=1, decimal_places=3
    )
    seed = forms.IntegerField(label=_("随机种子"), initial=7, min_value=0, max_value=2**62)

    field_order = ["season", "town", "confidence", "margin", "seed", "confirm"]


def yes_no(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect(attrs={"class": "yes-no"}),
    )


class VisitForm(forms.Form):
    heating_works = yes_no(_("采暖设备正常运行"))
    indoor_temperature = decimal_field(_("室内温度（℃）"), 1, max_digits=4, required=False)
    alarm_present = yes_no(_("安装燃气/一氧化碳报警器"))
    alarm_working = yes_no(_("报警器工作正常"))
    stove_gone = yes_no(_("燃煤炉具已拆除"))
    subsidy_received = yes_no(_("已收到本采暖季补贴"))
    amount_confirmed = decimal_field(_("户主确认收到金额（元）"), 2, max_digits=12, required=False)
    satisfaction = forms.TypedChoiceField(
        label=_("满意度"),
        choices=[(str(n), str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "stars"}),
    )
    remarks = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = MultipleFileField(label=_("照片"))
    latitude = forms.DecimalField(
        label=_("纬度"), required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput
    )
    longitude = forms.DecimalField(
        label=_("经度"), required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput
    )


class CaseForm(forms.Form):
    town = forms.ModelChoiceField(
        label=_("镇（街道）"), queryset=Town.objects.order_by("order", "code")
    )
    category = forms.ChoiceField(label=_("类别"), choices=CaseCategory.choices)
    source = forms.ChoiceField(
        label=_("来源"), choices=[c for c in CaseSource.choices if c[0] != CaseSource.VISIT]
    )
    hotline_number = forms.CharField(label=_("工单编号"), max_length=40, required=False)
    household = forms.IntegerField(
        label=_("改造户编号"), required=False, help_text=_("可不填；填写台账中的改造户编号。")
    )
    title = forms.CharField(label=_("事项"), max_length=200)
    description = forms.CharField(label=_("情况描述"), widget=forms.Textarea(attrs={"rows": 4}))


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("办理结果"), widget=forms.Textarea(attrs={"rows": 3}))


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("重新打开的原因"), widget=forms.Textarea(attrs={"rows": 2}))


class NoticeForm(ConfirmedForm):
    confirm_label = _("确认将此工单转为督办，下发到镇（街道）")

    deadline = forms.DateField(label=_("整改期限"), widget=forms.DateInput(attrs={"type": "date"}))
    problem = forms.CharField(
        label=_("存在问题"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReassignForm(forms.Form):
    town = forms.ModelChoiceField(
        label=_("改派到"), queryset=Town.objects.order_by("order", "code")
    )
    reason = forms.CharField(label=_("改派原因"), widget=forms.Textarea(attrs={"rows": 2}))
