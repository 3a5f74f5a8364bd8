"""A paginator whose total is exact for ordinary result sets and estimated for huge ones.

COUNT(*) over a million ledger rows was the slowest part of the list page (about 190 ms on
this machine, measured with bench/ledger_list.py); PostgreSQL must visit every row to count.
Above `exact_limit` rows by the planner's estimate, we show the estimate ("约 N 户") instead:
nobody pages through twenty thousand households, and every filtered or town-scoped set of a
real programme is far below the limit, so it is counted exactly.
"""

import json
from functools import cached_property

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet


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


class EstimatingPaginator(Paginator):
    exact_limit = 20_000

    estimated = False

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        if isinstance(qs, QuerySet) and connections[qs.db].vendor == "postgresql":
            estimate = planner_rows(qs)
            if estimate > self.exact_limit:
                self.estimated = True
                return estimate
        return super().count
