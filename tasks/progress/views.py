"""Views of the 建设任务 app: thin, each parses the request, asks a query and renders.

The dashboard and town pages live here; each subject has its own module beside it.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.models import Programme, Town
from tasks.progress import chart_queries, queries, timeline
from tasks.queries import active_programme
from zichuan_heating.decorators import role_required
from zichuan_heating.roles import Role
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
            **(_charts(request, programme, rows, total) if rows else {}),
        },
    )


def _charts(
    request: HttpRequest, programme: Programme, rows: list, total: queries.TownProgress
) -> dict[str, Any]:
    """The charts of the user's towns; a town official's own town comes with its villages."""
    user = request.user
    own = rows[0] if not user.sees_all_towns and len(rows) == 1 else None
    villages = queries.village_progress(programme, own.town_id) if own else None
    today = timezone.localdate()
    charts = chart_queries.dashboard_charts(
        programme,
        rows,
        total,
        today=today,
        with_money=user.has_perm("subsidies.view_instalment"),
        villages=villages,
    )
    label = own.town_name if own else _("全区")
    return {
        "charts": charts,
        "chart_data": chart_queries.chart_json(charts, programme),
        "timeline_svg": timeline.svg(
            timeline.layout(charts["timeline"], overall_label=label, today=today)
        ),
        "overall_label": label,
        "village_rows": villages,
        # The finance bureau comes for the money: its charts lead.
        "money_first": user.role == Role.FINANCE_BUREAU,
    }


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
            "chart_data": chart_queries.village_chart_json(villages) if villages else None,
            **queries.stage_headings(),
        },
    )
