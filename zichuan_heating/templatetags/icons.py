"""`{% icon "name" %}`: a lucide icon (npm lucide-static, copied to static/vendor/lucide/) inline.

Inline SVG takes the text colour (`currentColor`), scales with the text (1.25em) and needs no
request or inline style, so the Content-Security-Policy stays strict. Decorative by default
(hidden from screen readers, the text beside it says what it is); `label=` makes it the name of
an element that has no text of its own.
"""

import re
from functools import lru_cache

from django import template
from django.contrib.staticfiles import finders
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_NAME = re.compile(r"^[a-z0-9-]+$")
_OPEN_TAG = re.compile(r"<svg\b[^>]*>", re.S)


@lru_cache(maxsize=128)
def _body(name: str) -> str:
    """The icon's shapes, without the file's comment and <svg> wrapper ("" when not installed)."""
    if not _NAME.match(name):
        return ""
    path = finders.find(f"vendor/lucide/{name}.svg")
    if not path:
        return ""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    start = _OPEN_TAG.search(text)
    end = text.rfind("</svg>")
    if not start or end < 0:
        return ""
    return " ".join(text[start.end() : end].split())


@register.simple_tag
def icon(name: str, label: str = "", css: str = "") -> SafeString:
    body = _body(name)
    if not body:
        return mark_safe("")
    classes = escape(f"icon icon-{name} {css}".strip())
    name_attrs = f'role="img" aria-label="{escape(label)}"' if label else 'aria-hidden="true"'
    return mark_safe(
        f'<svg class="{classes}" {name_attrs} focusable="false" viewBox="0 0 24 24" fill="none" '
        'stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">'
        f"{body}</svg>"
    )
