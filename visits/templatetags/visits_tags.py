"""Inclusion tags other pages embed: a household's visits and cases (the ledger's detail page)."""

from django import template
from django.utils import timezone

from visits.models import Case, Visit, VisitStatus
from visits.services.visits import mismatches

register = template.Library()


@register.inclusion_tag("visits/_household.html", takes_context=True)
def household_visits(context, household):
    """The including page has already scoped the household; visits and cases are scoped again
    (`for_user`), so a suspected false claim shows only for `visits.view_sensitive_case`.
    Two queries, however many visits and cases the household has."""
    perms, user = context.get("perms"), context.get("user")
    can_visits = bool(perms and perms["visits"]["view_visit"])
    can_cases = bool(perms and perms["visits"]["view_case"])
    visits = []
    if can_visits:
        visits = list(
            Visit.objects.for_user(user)
            .filter(household=household)
            .select_related("sample")
            .order_by("-sample__season", "-id")
        )
        for v in visits:
            v.mismatch = v.status == VisitStatus.DONE and bool(mismatches(v))
    cases = []
    if can_cases:
        cases = list(
            Case.objects.for_user(user).filter(household=household).order_by("-opened_at", "-id")
        )
    now = timezone.now()
    for c in cases:
        c.overdue = c.is_overdue(now)
    return {
        "household": household,
        "can_visits": can_visits,
        "can_cases": can_cases,
        "visits": visits,
        "cases": cases,
        "perms": perms,
        "user": user,
    }
