"""The district office draws a sample (preview first, then a ticked confirmation)."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from visits import queries, services
from visits.forms import DrawForm
from visits.models import VisitSample
from zichuan_heating.decorators import role_required
from zichuan_heating.feedback import add_service_error


@require_GET
@role_required("visits.view_visitsample")
def sample_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.samples_for_list(), 20).get_page(request.GET.get("page"))
    return render(request, "visits/sample_list.html", {"page": page})


def _preview(form: DrawForm):
    data = form.cleaned_data
    town = data.get("town")
    errors = services.sampling.draw_errors(
        data["season"], data["confidence"], data["margin"], data["seed"], town
    )
    if errors:
        add_service_error(form, ValidationError(errors))
        return None
    return queries.draw_plan(
        season=data["season"],
        confidence=Decimal(data["confidence"]),
        margin=data["margin"],
        seed=data["seed"],
        town_id=town.pk if town else None,
    )


@require_http_methods(["GET", "POST"])
@role_required("visits.draw_visitsample")
def sample_draw(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST without the box ticked: the preview. POST ticked: the draw."""
    form = DrawForm(request.POST if request.method == "POST" else None)
    plan = None
    if request.method == "POST":
        form.is_valid()
        if all(k in form.cleaned_data for k in ("season", "confidence", "margin", "seed")):
            plan = _preview(form)
        if plan is not None and form.is_valid():
            data = form.cleaned_data
            try:
                sample = services.sample_draw(
                    season=data["season"],
                    by=request.user,
                    confidence=Decimal(data["confidence"]),
                    margin=data["margin"],
                    seed=data["seed"],
                    town=data.get("town"),
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    _("已抽取 %(n)s 户，回访任务已通知各镇（街道）。") % {"n": sample.size},
                )
                return redirect(sample)
    return render(request, "visits/sample_draw.html", {"form": form, "plan": plan})


@require_GET
@role_required("visits.view_visitsample")
def sample_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sample = get_object_or_404(VisitSample.objects.select_related("town", "drawn_by"), pk=pk)
    towns = queries.sample_towns(sample, request.user)
    return render(request, "visits/sample_detail.html", {"sample": sample, "towns": towns})
