"""The audit trail of full ID number views and exports, for the district office (查看记录)."""

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tasks.ledger import queries
from tasks.models import IdNumberView, Town
from zichuan_heating.decorators import role_required

PER_PAGE = 50


class AuditFilterForm(forms.Form):
    user_name = forms.CharField(label=_("查看人（用户名）"), max_length=150, required=False)
    town = forms.ModelChoiceField(
        label=_("镇（街道）"), queryset=Town.objects.order_by("order"), required=False
    )
    context = forms.ChoiceField(
        label=_("查看位置"),
        choices=[("", "---------"), *IdNumberView.Context.choices],
        required=False,
    )
    date_from = forms.DateField(
        label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


@never_cache
@require_GET
@role_required("tasks.view_idnumberview")
def id_number_audit(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = queries.id_number_views(request.user, **filters)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "tasks/ledger/audit.html", {"form": form, "page": page})
