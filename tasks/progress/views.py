"""Views of the 建设任务 app: thin, each parses the request, asks a query and renders.

The dashboard and town pages live here; each subject has its own module beside it.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tasks.models import Town
from tasks.progress import queries
from tasks.queries import active_programme
from zichuan_heating.decorators import role_required
from zichuan_heating.scoping import get_for_user_or_404


@role_required("tasks.view_quota")
def dashboard(request: HttpRequest) -> HttpResponse:
    programme = active_programme()
    rows = queries.progress_by_town(programme, request.user) if programme else []
    total = queries.progress_total(rows) if rows else None
    return render(
        request,
        "tasks/dashboard.html",
        {
            "programme": programme,
            "rows": rows,
            "total": total,
            **queries.stage_headings(),
            "show_total": request.user.sees_all_towns,
            "programme_total": queries.district_quota_total(programme) if programme else 0,
        },
    )


@role_required("tasks.view_town")
def town_detail(request: HttpRequest, code: str) -> HttpResponse:
    town = get_for_user_or_404(Town, request.user, code=code)
    programme = active_programme()
    quota = town.quotas.filter(programme=programme).first() if programme else None
    figures = villages = None
    if programme:
        counts = queries.stage_counts_by_town(programme, [town.pk])[town.pk]
        figures = queries.stage_cells(counts, quota.households if quota else 0)
        villages = queries.village_progress(programme, town.pk)
    return render(
        request,
        "tasks/town_detail.html",
        {
            "town": town,
            "programme": programme,
            "quota": quota,
            "figures": figures,
            "village_rows": villages,
            "villages": town.villages.order_by("name"),
            **queries.stage_headings(),
        },
    )
