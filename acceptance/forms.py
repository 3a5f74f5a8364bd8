"""Forms of acceptance: they parse input only; every rule lives in services.py."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from acceptance.checklists import checklist_for
from acceptance.models import AcceptanceKind, AcceptanceResult
from acceptance.services import BatchEntry, InspectorData
from tasks.models import Contractor, Household, Village
from tasks.models.ledger import CONTRACTOR_KIND_FOR_ROUTE
from zichuan_heating.forms import ConfirmedForm
from zichuan_heating.uploads import MultipleFileField

ITEM_CHOICES = [("", _("请选择")), ("1", _("合格")), ("0", _("不合格"))]
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def checklist_fields(route: str, prefix: str = "item_") -> dict[str, forms.Field]:
    return {
        f"{prefix}{item.code}": forms.TypedChoiceField(
            label=item.label,
            choices=ITEM_CHOICES,
            coerce=lambda v: v == "1",
            required=True,
        )
        for item in checklist_for(route)
    }


def checklist_from(cleaned: dict[str, Any], route: str, prefix: str = "item_") -> dict[str, bool]:
    return {
        item.code: cleaned[f"{prefix}{item.code}"]
        for item in checklist_for(route)
        if f"{prefix}{item.code}" in cleaned
    }


class InspectorForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    organisation = forms.CharField(label=_("单位"), max_length=100, required=False)
    is_contractor = forms.BooleanField(label=_("施工单位人员"), required=False)


InspectorFormSet = forms.formset_factory(InspectorForm, extra=0, max_num=10, absolute_max=10)


def inspector_formset(data: Any = None, contractor_name: str = "", prefix: str = "team"):
    """Three rows: the village's person, the contractor's person, one spare."""
    initial = [
        {"name": "", "organisation": "", "is_contractor": False},
        {"name": "", "organisation": contractor_name, "is_contractor": True},
        {"name": "", "organisation": "", "is_contractor": False},
    ]
    return InspectorFormSet(data, initial=initial if data is None else None, prefix=prefix)


def inspectors_from(formset: Any) -> list[InspectorData]:
    return [
        InspectorData(
            f.cleaned_data.get("name", ""),
            f.cleaned_data.get("organisation", ""),
            f.cleaned_data.get("is_contractor", False),
        )
        for f in formset.forms
        if f.cleaned_data
    ]


class InspectionForm(forms.Form):
    kind = forms.ChoiceField(label=_("验收类型"), choices=AcceptanceKind.choices)
    date = forms.DateField(label=_("验收日期"), widget=DATE_WIDGET)
    result = forms.ChoiceField(
        label=_("验收结果"), choices=AcceptanceResult.choices, widget=forms.RadioSelect
    )
    defects = forms.CharField(
        label=_("存在问题"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    rectification_deadline = forms.DateField(
        label=_("整改期限"), required=False, widget=DATE_WIDGET
    )
    attachments = MultipleFileField(label=_("照片或扫描件（JPEG、PNG、PDF，每个不超过 10 MB）"))

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.household = household
        self.fields.update(checklist_fields(household.route))

    def checklist_bound_fields(self) -> list:
        return [self[name] for name in self.fields if name.startswith("item_")]

    def checklist(self) -> dict[str, bool]:
        return checklist_from(self.cleaned_data, self.household.route)


class RectificationForm(forms.Form):
    description = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 3}))
    date = forms.DateField(label=_("整改完成日期"), widget=DATE_WIDGET)
    attachments = MultipleFileField(label=_("整改照片或扫描件"))


class RevokeForm(ConfirmedForm):
    """The reason, and a box the district office ticks: revoking stops unpaid subsidies."""

    confirm_label = _("我已核对，确认撤销该验收记录")

    reason = forms.CharField(
        label=_("撤销原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    field_order = ["reason", "confirm"]


class StoveRemovalForm(forms.Form):
    date = forms.DateField(label=_("燃煤炉具拆除日期"), widget=DATE_WIDGET)


class BatchStartForm(forms.Form):
    village = forms.ModelChoiceField(label=_("村（居）"), queryset=Village.objects.none())
    kind = forms.ChoiceField(label=_("验收类型"), choices=AcceptanceKind.choices)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = Village.objects.for_user(user).select_related("town")


class BatchTeamForm(forms.Form):
    """One date and one contractor for the village: the contractor's inspector's organisation
    comes from the list, so nobody types the company's name."""

    date = forms.DateField(label=_("验收日期"), widget=DATE_WIDGET)
    contractor = forms.ModelChoiceField(
        label=_("施工单位（实施单位）"),
        queryset=Contractor.objects.none(),
        required=False,
        empty_label=_("按每户台账中的实施单位"),
    )

    def __init__(self, *args: Any, households: list[Household] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = {CONTRACTOR_KIND_FOR_ROUTE[h.route] for h in households if h.route}
        self.fields["contractor"].queryset = Contractor.objects.filter(kind__in=kinds)

    def team(self, formset: Any) -> list[InspectorData]:
        """The typed team, the contractor's people of the chosen contractor."""
        contractor = self.cleaned_data.get("contractor")
        return [
            InspectorData(m.name, contractor.name, True) if m.is_contractor and contractor else m
            for m in inspectors_from(formset)
        ]


class BatchRowForm(forms.Form):
    # The row's household as shown: if the village's list changed in between, rows could
    # otherwise shift onto the wrong household.
    household_id = forms.IntegerField(widget=forms.HiddenInput)
    include = forms.BooleanField(label=_("纳入本次验收"), required=False)
    result = forms.ChoiceField(
        label=_("验收结果"), choices=[("", _("请选择")), *AcceptanceResult.choices], required=False
    )
    defects = forms.CharField(label=_("存在问题"), required=False)
    rectification_deadline = forms.DateField(
        label=_("整改期限"), required=False, widget=DATE_WIDGET
    )

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.household = household
        self.fields["household_id"].initial = household.pk
        # One pass: everyone in, every item passed; the user marks the exceptions.
        self.fields["include"].initial = True
        self.fields["result"].initial = AcceptanceResult.PASS
        for name, field in checklist_fields(household.route).items():
            field.required = False
            field.initial = "1"
            self.fields[name] = field

    def checklist_bound_fields(self) -> list:
        return [self[name] for name in self.fields if name.startswith("item_")]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("household_id") != self.household.pk:
            raise forms.ValidationError(_("该村待验收名单已变化，请重新打开本页。"))
        if cleaned.get("include"):
            if not cleaned.get("result"):
                self.add_error("result", _("请选择验收结果。"))
            for name in self.fields:
                if name.startswith("item_") and self.data.get(self.add_prefix(name), "") == "":
                    self.add_error(name, _("请选择。"))
        return cleaned

    def entry(self) -> BatchEntry:
        return BatchEntry(
            household=self.household,
            checklist=checklist_from(self.cleaned_data, self.household.route),
            result=self.cleaned_data["result"],
            defects=self.cleaned_data.get("defects", ""),
            rectification_deadline=self.cleaned_data.get("rectification_deadline"),
        )


class BaseBatchRowFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, households: list[Household], **kwargs: Any) -> None:
        self.households = households
        kwargs.setdefault("initial", [{"household_id": h.pk} for h in households])
        super().__init__(*args, **kwargs)

    def total_form_count(self) -> int:
        # The rows are the households on screen, whatever the management form claims.
        return len(self.households)

    def initial_form_count(self) -> int:
        # Every row is a household shown, never an "extra" form: a row left at its defaults
        # (included, all passed) is an answer, not an empty form to skip.
        return len(self.households)

    def get_form_kwargs(self, index: int) -> dict[str, Any]:
        return {"household": self.households[index]}


BatchRowFormSet = forms.formset_factory(
    BatchRowForm, formset=BaseBatchRowFormSet, extra=0, max_num=500, absolute_max=500
)
