"""Template helpers for the ledger: masked resident ID numbers."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from tasks.validators import mask_id_number

register = template.Library()


@register.filter
def id_number_for(value: str, show_full: bool) -> str:
    """The ID number in full only when the page says the viewer may (and logged it)."""
    return value if show_full else mask_id_number(value)


@register.filter
def quick_widget(bound_field) -> str:
    """A filter field's <select> or <input>, built in Python.

    Django's widget templates cost about a millisecond per <option>; the ledger filter has a
    hundred villages for all-town roles, which made rendering the slowest part of the page.
    """
    field = bound_field.field
    name = bound_field.html_name
    attrs = format_html('id="{}" name="{}"', bound_field.auto_id, name)
    value = bound_field.value()
    if not hasattr(field, "choices"):
        return format_html('<input type="search" {} value="{}">', attrs, value or "")
    selected = "" if value in (None, "") else str(value)
    if isinstance(value, list | tuple):  # OrderingFilter keeps a list
        selected = str(value[0]) if value else ""
    if hasattr(field, "queryset"):
        # One plain query; ModelChoiceIterator would open a server-side cursor on PostgreSQL
        # (three round trips) for a handful of rows.
        choices = [("", field.empty_label or "---------")] if field.empty_label else []
        choices += [(obj.pk, field.label_from_instance(obj)) for obj in field.queryset]
    else:
        choices = field.choices
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (str(v), mark_safe(" selected") if str(v) == selected else "", label)
            for v, label in choices
        ),
    )
    return format_html("<select {}>{}</select>", attrs, options)
