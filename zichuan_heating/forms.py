"""Form pieces every app shares."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


def decimal_field(label: str, places: int, **kwargs: Any) -> forms.DecimalField:
    """A decimal typed on a phone: its decimal keyboard, stepping by the last of `places`."""
    step = str(Decimal(1).scaleb(-places))
    return forms.DecimalField(
        label=label,
        decimal_places=places,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": step}),
        **kwargs,
    )


class ConfirmedForm(forms.Form):
    """An action that needs the user's explicit act: a box they tick themselves.

    The box is never pre-set, so a stray or replayed request without it changes nothing. A
    subclass may say what is being confirmed through `confirm_label`.
    """

    confirm_label = _("我已核对，确认执行")

    confirm = forms.BooleanField(
        required=True, error_messages={"required": _("请勾选确认后再提交。")}
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = self.confirm_label
