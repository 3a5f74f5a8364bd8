"""The words of printed documents that are formats, not labels: dates, the page counter, a
blank date line, the colon after a label. Each goes through gettext, so a document printed
in English reads English (15 June 2021, Page 1 of 3) and in Chinese as before."""

import datetime
from typing import Any

from django import template
from django.utils import dateformat
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

register = template.Library()


def _format(value: Any, fmt: str) -> str:
    if not isinstance(value, datetime.date):
        return ""
    return dateformat.format(value, fmt)


@register.filter(expects_localtime=True)
def long_date(value: Any) -> str:
    """2021年6月15日 / 15 June 2021."""
    return _format(value, pgettext("date format", "Y年n月j日"))


@register.filter(expects_localtime=True)
def long_datetime(value: Any) -> str:
    """2021年6月15日 14:05 / 15 June 2021 14:05."""
    return _format(value, pgettext("date format", "Y年n月j日 H:i"))


@register.filter(expects_localtime=True)
def month_day(value: Any) -> str:
    """6月15日 / 15 June."""
    return _format(value, pgettext("date format", "n月j日"))


@register.simple_tag
def page_counter() -> SafeString:
    """The CSS `content` of a page's footer: 第 1 页 / 共 3 页, Page 1 of 3."""
    text = _("第 {page} 页 / 共 {pages} 页").replace("\\", "").replace('"', "")
    css = '"' + text.replace("{pages}", '" counter(pages) "').replace("{page}", '" counter(page) "')
    return mark_safe(css + '"')


@register.simple_tag
def blank_date() -> str:
    """A date line to be filled in by hand."""
    return _("　　年　　月　　日")


@register.simple_tag
def colon() -> str:
    """The colon after a label (full width in Chinese)."""
    return pgettext("label separator", "：")
