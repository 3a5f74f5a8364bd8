"""Inclusion tags other pages embed: a household's schedule, the dashboard panel."""

from django import template

from subsidies import queries
from zichuan_heating.templatetags import money as money_format

register = template.Library()


@register.inclusion_tag("subsidies/_household_schedule.html", takes_context=True)
def household_schedule(context, household):
    """The household's instalments. The including page has already scoped the household."""
    return {
        "household": household,
        "instalments": queries.household_schedule(household),
        "request": context.get("request"),
    }


@register.simple_tag
def current_meters(household):
    """The household's meters in use. The including page has already scoped the household."""
    from subsidies.metering.queries import current_meters as meters

    return meters(household)


@register.inclusion_tag("subsidies/_panel.html", takes_context=True)
def subsidy_panel(context):
    user = context.get("user")
    programme = context.get("programme")
    if programme is None or user is None or not user.has_perm("subsidies.view_instalment"):
        return {"show": False}
    return {
        "show": True,
        "totals": queries.totals(programme, user),
        "user": user,
        "perms": context.get("perms"),
    }


# The one money format (zichuan_heating.templatetags.money), also under this library's name.
register.filter("yuan", money_format.yuan)
register.filter("amount", money_format.amount)
