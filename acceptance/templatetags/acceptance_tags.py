"""Template tags of acceptance: the dashboard panel of acceptance progress by town."""

from typing import Any

from django import template

from acceptance import queries

register = template.Library()


@register.inclusion_tag("acceptance/panel.html", takes_context=True)
def acceptance_panel(context: Any) -> dict[str, Any]:
    """Accepted households against the quota per town, and the days to (or after) 9/30."""
    programme = context.get("programme")
    user = context.get("user")
    if programme is None or user is None or not user.has_perm("acceptance.view_acceptance"):
        return {"show": False}
    rows = queries.acceptance_progress_by_town(programme, user)
    return {
        "show": True,
        "programme": programme,
        "rows": rows,
        "milestone": queries.acceptance_milestone(programme),
        "total": queries.acceptance_total(rows),
        "show_total": len(rows) > 1,
    }
