"""The ledger list's table rows, written once in Python instead of through the template engine.

A page of 50 or 100 rows through `{% for %}` cost Django's engine a variable lookup, a
localisation and an escape for each of some 600 cells: about half the page's CPU at a million
households (bench/profile_page.py). Here each row is one `str.format` of a fixed pattern, and
every value from the database goes through `html.escape` (what `{{ }}` calls): the markup is the
same as the template's was, cell for cell.
"""

from collections.abc import Iterable
from html import escape  # what Django's escape() calls, without its lazy-string wrapper
from typing import Any

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from tasks.models import HouseholdStatus, Route
from tasks.validators import mask_id_number

_CHECKBOX = '<td><input type="checkbox" name="ids" value="{pk}" aria-label="{select_label}"></td>'
_TOWN = "<td>{town}</td>"
_REST = (
    "<td>{village}</td>"
    '<th scope="row"><a href="{url}">{name}</a></th>'
    '<td class="id-number">{id_shown}</td>'
    "<td>{phone}</td>"
    "<td>{route}</td>"
    '<td><span class="status status-{status}">{status_label}</span></td>'
)


def household_rows(
    households: Iterable[Any], *, can_change: bool, sees_all_towns: bool, show_full_id: bool
) -> SafeString:
    """The `<tr>` of each household (with town and village loaded), escaped, as one string."""
    pattern = (
        '<tr data-id="{pk}">'
        + (_CHECKBOX if can_change else "")
        + (_TOWN if sees_all_towns else "")
        + _REST
        + "</tr>"
    )
    # Looked up once a page: labels (get_FOO_display() hashes lazy translations on each call),
    # the link (one reverse), the checkbox label.
    routes = {value: escape(str(label)) for value, label in Route.choices}
    statuses = {value: escape(str(label)) for value, label in HouseholdStatus.choices}
    link = reverse("ledger:household_detail", args=[987654321]).replace("987654321", "{}")
    select = _("勾选 %(name)s")
    rows = []
    for h in households:
        id_number = h.id_number if show_full_id else mask_id_number(h.id_number)
        rows.append(
            pattern.format(
                pk=h.pk,
                select_label=escape(select % {"name": h.head_name}),
                town=escape(h.town.name) if sees_all_towns else "",
                village=escape(h.village.name),
                url=escape(link.format(h.pk)),
                name=escape(h.head_name),
                id_shown=escape(id_number),
                phone=escape(h.phone or "—"),
                route=routes.get(h.route) or escape(h.route),
                status=escape(h.status),
                status_label=statuses[h.status],
            )
        )
    return mark_safe("\n".join(rows))  # every value above is escaped
