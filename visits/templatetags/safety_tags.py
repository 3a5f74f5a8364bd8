"""Inclusion tags other pages embed: how to reach a household's two safety officers."""

from django import template

from visits.safety import queries

register = template.Library()


@register.inclusion_tag("visits/safety/_household.html", takes_context=True)
def household_safety(context, household):
    """The including page has already scoped the household (the ledger's detail page)."""
    perms = context.get("perms")
    can_view = bool(perms and perms["visits"]["view_hazardinspection"])
    return {
        "household": household,
        "contact": queries.household_safety_officers(household),
        "findings": queries.household_findings(household) if can_view else [],
        "perms": perms,
        "user": context.get("user"),
    }
