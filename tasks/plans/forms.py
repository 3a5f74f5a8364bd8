"""Forms for town plans and supervision notices; they parse, the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tasks.models import (
    Contractor,
    ScheduleSetting,
    SupervisionNotice,
    Town,
    TownPlan,
    TownPlanLine,
)
from tasks.plans.services import LINE_FIELDS
from zichuan_heating.forms import ConfirmedForm
from zichuan_heating.uploads import MultipleFileField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TownPlanForm(forms.ModelForm):
    class Meta:
        model = TownPlan
        fields = ["summary", "emergency_arrangements", "quota_shortfall_reason"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3, "cols": 80}),
            "emergency_arrangements": forms.Textarea(attrs={"rows": 3, "cols": 80}),
            "quota_shortfall_reason": forms.Textarea(attrs={"rows": 2, "cols": 80}),
        }


class TownPlanLineForm(forms.ModelForm):
    class Meta:
        model = TownPlanLine
        fields = list(LINE_FIELDS)
        widgets = {
            "planned_start": DATE,
            "planned_finish": DATE,
            "households": forms.NumberInput(attrs={"min": 1, "style": "width:6em"}),
            "contractor_safety_officer": forms.TextInput(attrs={"size": 6}),
            "contractor_safety_phone": forms.TextInput(attrs={"size": 11}),
            "village_safety_officer": forms.TextInput(attrs={"size": 6}),
            "village_safety_phone": forms.TextInput(attrs={"size": 11}),
        }

    def __init__(self, *args, town: Town, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the town's own villages can be chosen; the service checks again.
        self.fields["village"].queryset = town.villages.all()  # pinyin order (Village.Meta)
        self.fields["village"].label_from_instance = lambda v: v.name
        self.fields["contractor"].queryset = Contractor.objects.order_by("kind", "name")

    def line_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in LINE_FIELDS}


class BaseLineFormSet(forms.BaseFormSet):
    def lines(self) -> list[dict]:
        return [
            form.line_data()
            for form in self.forms
            if form.has_changed() and not self._should_delete_form(form)
        ]


# One blank line; more are added on the page ("添加一行"), not by saving.
LineFormSet = forms.formset_factory(
    TownPlanLineForm, formset=BaseLineFormSet, extra=1, can_delete=True
)


def line_formset_with_one_more(data, town: Town) -> BaseLineFormSet:
    """The posted lines as typed, and one blank line more (the no-script "添加一行")."""
    data = data.copy()
    total = data.get("lines-TOTAL_FORMS", "0")
    data["lines-TOTAL_FORMS"] = str(int(total) + 1 if str(total).isdigit() else 1)
    return LineFormSet(data, prefix="lines", form_kwargs={"town": town})


def line_initial(plan: TownPlan | None) -> list[dict]:
    if plan is None:
        return []
    return [
        {
            name: getattr(line, f"{name}_id" if name in ("village", "contractor") else name)
            for name in LINE_FIELDS
        }
        for line in plan.lines.order_by("village__name", "route", "id")
    ]


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("审核意见"), widget=forms.Textarea(attrs={"rows": 3, "cols": 70}), required=True
    )


def optional_comment(label: str) -> forms.CharField:
    return forms.CharField(
        label=label, widget=forms.Textarea(attrs={"rows": 2, "cols": 70}), required=False
    )


class ApproveForm(ConfirmedForm):
    confirm_label = _("我已审阅该版本，确认核准")

    comment = optional_comment(_("审核意见（可选）"))


class ThresholdForm(forms.ModelForm):
    class Meta:
        model = ScheduleSetting
        fields = ["behind_threshold_percent"]


class NoticeIssueForm(forms.ModelForm):
    class Meta:
        model = SupervisionNotice
        fields = ["town", "title", "problem", "deadline"]
        widgets = {
            "deadline": DATE,
            "problem": forms.Textarea(attrs={"rows": 4, "cols": 70}),
            "title": forms.TextInput(attrs={"size": 50}),
        }


class NoticeAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 4, "cols": 70})
    )
    attachments = MultipleFileField(label=_("照片或扫描件（JPEG、PNG、PDF，每个不超过 10 MB）"))


class NoticeCloseForm(ConfirmedForm):
    """Closing (销号) is final: nothing reopens a closed notice, so the office ticks a box."""

    confirm_label = _("整改已核实，确认销号（销号后不能恢复）")

    comment = optional_comment(_("区办意见（可选）"))


class NoticeSendBackForm(forms.Form):
    comment = forms.CharField(
        label=_("退回理由"), widget=forms.Textarea(attrs={"rows": 3, "cols": 70})
    )
    deadline = forms.DateField(label=_("新的整改期限（可选）"), required=False, widget=DATE)
