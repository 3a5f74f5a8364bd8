"""Forms of the village pages: add, rename, merge (with the confirmation box)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tasks.models import Town, Village
from zichuan_heating.forms import ConfirmedForm


class VillageAddForm(forms.Form):
    """A town official adds to their own town; a user of no town (an administrator) picks one."""

    town = forms.ModelChoiceField(label=_("镇（街道）"), queryset=Town.objects.none())
    name = forms.CharField(label=_("村（居）名称"), max_length=50)
    code = forms.CharField(
        label=_("统计用区划代码"),
        max_length=12,
        required=False,
        help_text=_("12位数字；尚无代码的可不填。"),
    )

    def __init__(self, *args, towns=None, own_town: Town | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.own_town = own_town
        if own_town is not None:
            del self.fields["town"]
        elif towns is not None:
            self.fields["town"].queryset = towns

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.own_town is not None:
            cleaned["town"] = self.own_town
        return cleaned


class VillageRenameForm(forms.Form):
    name = forms.CharField(label=_("新名称"), max_length=50)


class VillageMergeForm(ConfirmedForm):
    confirm_label = _(
        "我已核对：本村（居）的改造户和实施方案明细将并入所选村（居），本村（居）随后删除"
    )

    target = forms.ModelChoiceField(label=_("并入"), queryset=Village.objects.none())

    field_order = ["target", "confirm"]

    def __init__(self, *args, targets=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if targets is not None:
            self.fields["target"].queryset = targets
        self.fields["target"].label_from_instance = lambda v: v.name
