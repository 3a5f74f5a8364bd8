"""The visits and cases dashboard: coverage and satisfaction by town, open and overdue cases."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from visits import queries
from zichuan_heating.decorators import role_required


@require_GET
@role_required("visits.view_visit")
def dashboard(request: HttpRequest) -> HttpResponse:
    seasons = queries.seasons_sampled()
    season = request.GET.get("season", "")
    season = season if season in seasons else ""
    figures = queries.dashboard(request.user, season)
    return render(
        request,
        "visits/dashboard.html",
        {**figures, "seasons": seasons, "season": season},
    )
