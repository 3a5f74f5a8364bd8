"""Forms of the user page: details and exactly one role; no permissions, no superuser."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tasks.models import Town
from zichuan_heating.models import User
from zichuan_heating.roles import Role


class UserForm(forms.ModelForm):
    role = forms.ChoiceField(label=_("角色"), choices=[("", "---------"), *Role.choices])
    town = forms.ModelChoiceField(
        label=_("所属镇（街道）"),
        queryset=Town.objects.order_by("order"),
        required=False,
        help_text=_("仅镇（街道）工作人员填写，且只能选一个。"),
    )

    class Meta:
        model = User
        fields = ["username", "last_name", "first_name", "email", "is_active"]

    def __init__(self, *args, own: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The username is the login: it stays as created.
            self.fields["username"].disabled = True
        else:
            del self.fields["is_active"]
        if own:
            # Nobody changes their own role or switches themselves off.
            for name in ("role", "town", "is_active"):
                self.fields[name].disabled = True
