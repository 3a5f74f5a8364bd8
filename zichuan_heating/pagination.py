"""Pages of a list whose total is counted only when counting is cheap.

COUNT(*) over a million ledger rows was the slowest part of the list page (about 190 ms on
this machine, measured with bench/ledger_list.py): PostgreSQL must visit every row to count.
A figure that is not exact is not shown: when the planner expects more than `COUNT_LIMIT`
rows, the page has no total and no last page, only 上一页 / 下一页 (the page reads one row more
than it shows to know whether a next one exists). Every filtered or town-scoped set of a real
programme is far below the limit and is counted exactly, as before.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import QuerySet

#: Above this many rows by the planner's estimate a set is not counted (COUNT(*) reads them all).
COUNT_LIMIT = 20_000


def planner_rows(qs: QuerySet) -> int:
    """PostgreSQL's estimate of how many rows `qs` returns; one EXPLAIN, no rows read."""
    try:
        sql, params = qs.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # qs.none() (a user with no town) or an id no row can have
        return 0
    with connections[qs.db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


@dataclass
class UncountedPage:
    """A page of a set too large to count: its rows and whether pages come before or after."""

    object_list: list
    number: int
    has_next: bool
    counted: bool = field(default=False, init=False)

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def page_of(qs: QuerySet, per_page: int, number: Any) -> Any:
    """The page `number` of `qs`: a Django `Page` (exact total) when the set is small enough to
    count cheaply, else an `UncountedPage`. A page number past the end gives the last page
    (counted) or the first page (uncounted), like `Paginator.get_page`."""
    huge = (
        isinstance(qs, QuerySet)
        and connections[qs.db].vendor == "postgresql"
        and planner_rows(qs) > COUNT_LIMIT
    )
    if not huge:
        page: Page = Paginator(qs, per_page).get_page(number)
        page.counted = True
        return page
    try:
        n = max(1, int(number))
    except (TypeError, ValueError):
        n = 1
    start = (n - 1) * per_page
    rows = list(qs[start : start + per_page + 1])
    if not rows and n > 1:
        return page_of(qs, per_page, 1)
    return UncountedPage(object_list=rows[:per_page], number=n, has_next=len(rows) > per_page)
