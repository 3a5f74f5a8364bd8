"""Forms of the finance pages. Money-moving forms carry the shared confirmation box
(`zichuan_heating.forms.ConfirmedForm`), each saying what is being confirmed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from subsidies.models import SubsidyStandard
from subsidies.services.standards import STANDARD_FIELDS
from tasks.models import Town
from zichuan_heating.forms import ConfirmedForm


class ApproveForm(ConfirmedForm):
    confirm_label = _("我已核对上述金额与明细，确认执行")


class ExportForm(ConfirmedForm):
    confirm_label = _("确认导出：导出后批次冻结，不能再增减明细")


class StandardForm(forms.ModelForm):
    class Meta:
        model = SubsidyStandard
        fields = ["effective_from", *STANDARD_FIELDS]
        widgets = {"effective_from": forms.DateInput(attrs={"type": "date"})}


class BatchChoiceForm(forms.Form):
    """Step 1 of preparing a batch: which season and towns (a GET: the preview is a read)."""

    season = forms.ChoiceField(label=_("采暖季"))
    towns = forms.ModelMultipleChoiceField(
        label=_("镇（街道）"),
        queryset=Town.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个镇（街道）。")},
    )

    def __init__(self, *args, seasons: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["season"].choices = [(s, s) for s in seasons]


class BatchPrepareForm(BatchChoiceForm, ApproveForm):
    """Step 2: the same choice, the figures the preparer saw in the preview, and the box."""

    expected_count = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    expected_total = forms.DecimalField(max_digits=14, decimal_places=2, widget=forms.HiddenInput)
    field_order = ["season", "towns", "expected_count", "expected_total", "confirm"]


class MarkPaidForm(ConfirmedForm):
    confirm_label = _("确认银行已按发放表支付（支付失败的明细请先标记）")
    reference = forms.CharField(label=_("支付凭证号"), max_length=64)
    date = forms.DateField(label=_("支付日期"), widget=forms.DateInput(attrs={"type": "date"}))
    field_order = ["reference", "date", "confirm"]


class LineFailForm(forms.Form):
    reason = forms.CharField(
        label=_("失败原因"), max_length=200, error_messages={"required": _("请填写失败原因。")}
    )


class ReturnForm(forms.Form):
    """The approver returns a batch to its preparer: the reason is what the preparer fixes."""

    reason = forms.CharField(
        label=_("退回原因"),
        max_length=300,
        error_messages={"required": _("请填写退回原因。")},
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WithdrawForm(ConfirmedForm):
    confirm_label = _("确认撤销：批次中的明细全部退回待发放，批次不再使用")
    reason = forms.CharField(
        label=_("撤销原因"), max_length=300, error_messages={"required": _("请填写撤销原因。")}
    )
    field_order = ["reason", "confirm"]


class ResubmitForm(ConfirmedForm):
    confirm_label = _("我已按退回原因修改，重新提交审核")


class BankReturnForm(forms.Form):
    file = forms.FileField(
        label=_("银行回单（xlsx）"), error_messages={"required": _("请选择银行回单文件。")}
    )
