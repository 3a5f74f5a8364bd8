"""Forms of the metering pages: parse input, no rules (those live in the services)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from subsidies.metering.models import FlagStatus, Utility
from tasks.models import Town
from zichuan_heating.forms import ConfirmedForm


class ReadingsUploadForm(forms.Form):
    file = forms.FileField(
        label=_("抄表数据文件（xlsx 或 csv）"),
        error_messages={"required": _("请选择抄表数据文件。")},
    )
    season = forms.ChoiceField(label=_("采暖季"))
    dry_run = forms.BooleanField(label=_("只校验，不写入"), required=False)

    def __init__(self, *args, seasons: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["season"].choices = [(s, s) for s in seasons]


class FlagDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("处理结果"),
        choices=[
            ("release", _("核实无误，放行（恢复发放）")),
            ("withhold", _("核实异常，暂停发放")),
            ("release_withheld", _("恢复发放（已暂停的）")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("处理理由"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写处理理由。")},
    )


class FlagFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *FlagStatus.choices]
    )
    season = forms.CharField(label=_("采暖季"), required=False, max_length=9)
    q = forms.CharField(label=_("户主姓名或身份证号后几位"), required=False, max_length=30)


class SettleForm(ConfirmedForm):
    confirm_label = _("确认已追回（追缴）或已补发（补发）")
    reference = forms.CharField(label=_("凭证号"), max_length=64)
    field_order = ["reference", "confirm"]


class OffsetForm(ConfirmedForm):
    confirm_label = _("确认抵扣：下一采暖季的补贴金额将相应调整")


class MeterForm(forms.Form):
    number = forms.CharField(label=_("表号（户号）"), max_length=32)
    utility = forms.ModelChoiceField(label=_("供气/供电单位"), queryset=Utility.objects.all())
    installed_on = forms.DateField(
        label=_("安装日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class EstimateFilterForm(forms.Form):
    season = forms.ChoiceField(label=_("采暖季"), required=False)
    town = forms.ModelChoiceField(
        label=_("镇（街道）"), required=False, queryset=Town.objects.order_by("order")
    )

    def __init__(self, *args, seasons: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["season"].choices = [("", _("全部")), *((s, s) for s in seasons)]


class _IdList(forms.Field):
    """The ticked rows' ids (checkboxes named after the field)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        try:
            return [int(v) for v in value or []]
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(_("所选补贴无效，请刷新后重新选择。")) from exc


class EstimatesPayForm(ConfirmedForm):
    confirm_label = _(
        "确认按估算发放：抄表数据到达后按实际用量重新核定，已发放的多退少补（追缴/补发）"
    )
    instalment = _IdList(
        label=_("待抄表的运行费用补贴"),
        error_messages={"required": _("请勾选要按估算发放的补贴。")},
    )
    reason = forms.CharField(
        label=_("按估算发放的理由"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写按估算发放的理由。")},
    )
    field_order = ["instalment", "reason", "confirm"]
