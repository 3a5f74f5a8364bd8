"""Forms of the finance pages. Money-moving forms carry a required confirmation box."""

from django import forms
from django.utils.translation import gettext_lazy as _

from subsidies.models import SubsidyStandard
from subsidies.services import STANDARD_FIELDS
from tasks.models import Town


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label=_("我已核对上述金额与明细，确认执行"), required=True)


class StandardForm(forms.ModelForm):
    class Meta:
        model = SubsidyStandard
        fields = ["effective_from", *STANDARD_FIELDS]
        widgets = {"effective_from": forms.DateInput(attrs={"type": "date"})}


class BatchPrepareForm(ConfirmForm):
    season = forms.ChoiceField(label=_("采暖季"))
    towns = forms.ModelMultipleChoiceField(
        label=_("镇（街道）"),
        queryset=Town.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    field_order = ["season", "towns", "confirm"]

    def __init__(self, *args, seasons: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["season"].choices = [(s, s) for s in seasons]


class MarkPaidForm(ConfirmForm):
    reference = forms.CharField(label=_("支付凭证号"), max_length=64)
    date = forms.DateField(label=_("支付日期"), widget=forms.DateInput(attrs={"type": "date"}))
    field_order = ["reference", "date", "confirm"]


class LineFailForm(forms.Form):
    reason = forms.CharField(label=_("失败原因"), max_length=200)


class BankReturnForm(forms.Form):
    file = forms.FileField(label=_("银行回单（xlsx）"))
