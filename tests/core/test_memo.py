"""Reads shared by a page's parts are read once per GET (`zichuan_heating.memo`), never kept
across requests, for a POST, or outside a request."""

from django.http import HttpResponse
from django.test import RequestFactory

from zichuan_heating.memo import RequestMemoMiddleware, per_request

calls: list = []


@per_request
def rows(key, ids):
    calls.append((key, tuple(ids)))
    return [key, *ids]


def _view(request):
    first = rows("a", [1, 2])
    first.append("added by one caller")
    assert rows("a", [1, 2]) == ["a", 1, 2]  # a copy each time: the caller's row is its own
    rows("b", [1, 2])
    return HttpResponse("ok")


def test_a_get_reads_once_a_post_and_a_plain_call_every_time():
    calls.clear()
    middleware = RequestMemoMiddleware(_view)
    factory = RequestFactory()
    middleware(factory.get("/"))
    assert calls == [("a", (1, 2)), ("b", (1, 2))]
    middleware(factory.get("/"))  # a new request reads again
    assert len(calls) == 4
    middleware(factory.post("/"))
    assert len(calls) == 4 + 3
    rows("a", [1, 2])
    rows("a", [1, 2])
    assert len(calls) == 4 + 3 + 2


def test_the_dashboard_reads_the_quotas_once(client_for, district, programme):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(district)
    client.get("/")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    quotas = [q for q in ctx.captured_queries if 'FROM "tasks_quota"' in q["sql"]]
    assert len(quotas) == 2, [q["sql"][:120] for q in quotas]  # the towns' rows, the total


def test_the_dashboard_reads_its_stage_day_rows_once_and_the_milestone_by_day(
    client_for, district, official_a, programme, town_a
):
    """The curve, the timeline's met dates and the acceptance panel share one read of it, a
    town official's scoped to the town in SQL; the district's acceptance milestone adds one
    grouped read (a row a day)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for user, scope in ((district, None), (official_a, town_a.pk)):
        client = client_for(user)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/")
        assert response.status_code == 200
        assert b'id="acceptance-panel"' in response.content
        assert b'id="timeline-svg"' in response.content
        tallies = [
            q["sql"] for q in ctx.captured_queries if 'FROM "tasks_stagedaytally"' in q["sql"]
        ]
        rows = [sql for sql in tallies if "GROUP BY" not in sql]
        grouped = [sql for sql in tallies if "GROUP BY" in sql]
        assert len(rows) == 1, [sql[:160] for sql in tallies]
        assert len(grouped) == 1, [sql[:160] for sql in tallies]
        town_filter = '"tasks_stagedaytally"."town_id" = '
        if scope is None:
            assert town_filter not in rows[0]
        else:
            assert f"{town_filter}{scope}" in rows[0]
        assert town_filter not in grouped[0] and "'accepted'" in grouped[0]
