"""Forms of payments: parse input only; the rules are the validators' and services'."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from subsidies.payments.encryption import MIN_PASSWORD, check_password
from subsidies.payments.models import AccountKind, FundSource
from subsidies.payments.validators import validate_account_number
from zichuan_heating.forms import decimal_field


class PaymentAccountForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("账户类型"), choices=AccountKind.choices, widget=forms.RadioSelect
    )
    bank = forms.CharField(label=_("开户银行"), max_length=60)
    holder = forms.CharField(label=_("户名"), max_length=40)
    number = forms.CharField(
        label=_("账号"),
        max_length=40,
        help_text=_("一卡通 16 至 19 位（含校验位）；银行账户 8 至 30 位。可含空格。"),
    )

    def clean_number(self) -> str:
        kind = self.cleaned_data.get("kind") or AccountKind.BANK
        return validate_account_number(kind, self.cleaned_data["number"], str(_("账号")))


class FundSharesForm(forms.Form):
    """One percent field per source; the service checks they sum to 100."""

    def __init__(self, *args, initial_shares: dict[str, Decimal] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for source, label in FundSource.choices:
            self.fields[source] = decimal_field(
                label,
                2,
                required=False,
                min_value=0,
                max_value=100,
                initial=(initial_shares or {}).get(source),
            )

    def shares(self) -> dict[str, Decimal]:
        return {s: self.cleaned_data.get(s) or Decimal(0) for s in FundSource.values}


class FundBudgetForm(forms.Form):
    season = forms.ChoiceField(label=_("采暖季"))
    source = forms.ChoiceField(label=_("资金来源"), choices=FundSource.choices)
    amount = forms.DecimalField(
        label=_("预算金额（元）"), min_value=0, max_digits=14, decimal_places=2
    )

    def __init__(self, *args, seasons: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["season"].choices = [(s, s or _("一次性补贴")) for s in seasons]
        self.fields["season"].required = False


class ProtectedExportForm(forms.Form):
    """The password for this one file; never stored, never shown again."""

    password = forms.CharField(
        label=_("文件密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 %(n)s 个字符，请另行告知银行。系统不保存此密码。") % {"n": MIN_PASSWORD},
    )
    password2 = forms.CharField(
        label=_("再次输入密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password"), data.get("password2")
        if p1 is not None:
            check_password(p1)
        if p1 and p2 is not None and p1 != p2:
            raise ValidationError(_("两次输入的密码不一致。"))
        return data
