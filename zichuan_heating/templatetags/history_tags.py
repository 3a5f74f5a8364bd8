"""`{{ record.history_change_reason|reason }}`: a stored history reason in the reader's language."""

from django import template

from zichuan_heating.history import reason_label

register = template.Library()


@register.filter(name="reason")
def reason(value: str | None) -> str:
    return reason_label(value)
