"""Template helpers for the ledger: masked resident ID numbers."""

from django import template

from ..validators import mask_id_number

register = template.Library()


@register.filter
def id_number_for(value: str, show_full: bool) -> str:
    """The ID number in full only when the page says the viewer may (and logged it)."""
    return value if show_full else mask_id_number(value)
