"""Template tags of plans and supervision: the header badge and the two dashboard panels."""

from typing import Any

from django import template
from django.utils import timezone

from tasks.models import NoticeState, SupervisionNotice
from tasks.plans import queries as pq

register = template.Library()


@register.inclusion_tag("tasks/supervision/_badge.html", takes_context=True)
def supervision_badge(context: dict[str, Any]) -> dict[str, Any]:
    """Town officials: their town's notices awaiting an answer (and how many are overdue).
    District office: answers waiting for its decision. One aggregate query, only for those roles.
    """
    user = context.get("user")
    out: dict[str, Any] = {"show": False}
    if user is None or not user.is_authenticated:
        return out
    if user.town_id and user.has_perm("tasks.answer_supervisionnotice"):
        counts = pq.notice_counts_for_town(user.town_id, timezone.localdate())
        out.update(show=True, count=counts["open"], overdue=counts["overdue"], mode="town")
    elif user.has_perm("tasks.issue_supervisionnotice"):
        count = SupervisionNotice.objects.filter(state=NoticeState.ANSWERED).count()
        out.update(show=True, count=count, overdue=0, mode="office")
    return out


@register.inclusion_tag("tasks/plans/_panel.html", takes_context=True)
def plans_panel(context: dict[str, Any]) -> dict[str, Any]:
    user, programme = context.get("user"), context.get("programme")
    if programme is None or user is None or not user.has_perm("tasks.view_townplan"):
        return {"show": False}
    today = timezone.localdate()
    states = pq.plan_states(programme, user, today)
    return {
        "show": True,
        "programme": programme,
        "states": states,
        "today": today,
        "approved": sum(1 for s in states if s.in_force is not None),
        "perms": context.get("perms"),
    }


@register.inclusion_tag("tasks/supervision/_panel.html", takes_context=True)
def supervision_panel(context: dict[str, Any]) -> dict[str, Any]:
    user = context.get("user")
    if user is None or not user.has_perm("tasks.view_supervisionnotice"):
        return {"show": False}
    today = timezone.localdate()
    notices, counts = pq.open_notices(user, today)
    return {
        "show": True,
        "notices": notices,
        "today": today,
        "open_count": counts["open"],
        "overdue_count": counts["overdue"],
    }
