"""Every URL of the project, walked with random parameters as every role, answers no 500.

The patterns come from the resolver (admin included), so a URL added later is walked too. Path
converters get existing ids and random ones; query strings and POST bodies get random keys and
values (unicode, very long, SQL-ish, dates out of range, NUL). Each request runs in its own
savepoint so a database error in one (a 500 we report) cannot spoil the next ones.
"""

import os
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tasks.ledger.services import id_number_export_record, id_number_views_record
from tasks.ledger.views import ACTIONS
from tests.security.world import build_world

pytestmark = pytest.mark.django_db
ROLES = ["official_a", "official_b", "district", "finance", "administrator", "anonymous"]
#: Hypothesis examples per role, on top of the sweep of every pattern: ~40 s in all.
EXAMPLES = int(os.environ.get("WALK_EXAMPLES", "40"))
#: Without the middleware that answers 400 for a NUL byte, PostgreSQL refuses NUL with a 500
#: on every filter; the walker sends NUL bytes once that guard is installed.
NUL_GUARDED = any("nul" in m.lower() for m in settings.MIDDLEWARE)
SESSION_COOKIE = settings.SESSION_COOKIE_NAME


@dataclass(frozen=True)
class Route:
    """One URL pattern: its name and the pieces its path is made of (text or a converter)."""

    name: str
    pieces: tuple[tuple[str, str], ...]  # ("text", "households/") | ("int", "pk") | ("re", rx)

    @property
    def shown(self) -> str:
        return "".join(p if kind in ("text", "re") else f"<{kind}:{p}>" for kind, p in self.pieces)


_CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def _pieces(pattern: Any) -> list[tuple[str, str]]:
    if isinstance(pattern, RegexPattern):
        return [("re", str(pattern._regex))]
    assert isinstance(pattern, RoutePattern)
    route, out, pos = str(pattern._route), [], 0
    for m in _CONVERTER.finditer(route):
        out.append(("text", route[pos : m.start()]))
        out.append((m["conv"] or "str", m["name"]))
        pos = m.end()
    out.append(("text", route[pos:]))
    return [p for p in out if p != ("text", "")]


def all_routes() -> list[Route]:
    found: list[Route] = []

    def walk(patterns: list, prefix: list, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, [*prefix, *_pieces(p.pattern)], ns)
            elif isinstance(p, URLPattern):
                found.append(Route(f"{namespace}{p.name}", tuple([*prefix, *_pieces(p.pattern)])))

    walk(get_resolver().url_patterns, [], "")
    return found


ROUTES = all_routes()
#: The project's own pages, drawn as often as the (much larger) admin.
APP_ROUTES = [r for r in ROUTES if not r.name.startswith("admin:")]

# --- values -----------------------------------------------------------------------------------

NASTY = [
    "",
    "0",
    "-1",
    "1e9",
    "99999999999999999999999",
    "２０２１",
    "2021-13-45",
    "0000-00-00",
    "9999-12-31",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x")',
    "%00",
    "%",
    "\u202e\u200b",
    "😀🏠",
    "洪山镇",
    "hongshan",
    "on",
    "true",
    "x" * 5000,
    "https://evil.example/",
    "//evil.example",
    "\r\n",
    "\x00" if NUL_GUARDED else "\x01",
    "a\x00b" if NUL_GUARDED else "a\x7fb",
]
KEYS = [
    "town", "village", "q", "route", "status", "page", "per_page", "user_name", "date_from",
    "date_to", "context", "kind", "season", "towns", "next", "language", "confirm", "reason",
    "date", "result", "head_name", "id_number", "phone", "size", "notes", "o", "ordering",
    "start", "reference", "amount", "file", "households", "signed_on", "started_on", "code",
    "create_villages", "threshold", "comment", "username", "password", "_selected_action",
    "action", "post", "year",
]  # fmt: skip


def _text() -> st.SearchStrategy[str]:
    chars = st.characters(
        blacklist_categories=("Cs",), blacklist_characters="" if NUL_GUARDED else "\x00"
    )
    return st.one_of(st.sampled_from(NASTY), st.text(chars, max_size=40))


def _params(ids: list[int]) -> st.SearchStrategy[dict[str, Any]]:
    value = st.one_of(_text(), st.sampled_from(ids).map(str), st.lists(_text(), max_size=3))
    key = st.one_of(st.sampled_from(KEYS), _text().filter(lambda k: 0 < len(k) < 50))
    return st.dictionaries(key, value, max_size=6)


def _piece(kind: str, value: str, ids: list[int], slugs: list[str]) -> st.SearchStrategy[str]:
    if kind == "text":
        return st.just(value)
    if kind == "int":
        return st.one_of(st.sampled_from(ids), st.integers(0, 10**20)).map(str)
    if kind == "slug":
        random_slug = st.from_regex(r"[-a-zA-Z0-9_]{1,60}", fullmatch=True)
        return st.one_of(st.sampled_from(slugs), random_slug)
    if kind == "re":
        rx = value.lstrip("^").rstrip("$") or "x?"
        return st.from_regex(rx, fullmatch=True).filter(lambda s: "\n" not in s and "\x00" not in s)
    return _text().filter(lambda s: s and "/" not in s)  # str, path


def _path(route: Route, ids: list[int], slugs: list[str]) -> st.SearchStrategy[str]:
    parts = [_piece(kind, value, ids, slugs) for kind, value in route.pieces]
    return st.tuples(*parts).map(lambda ps: "/" + "".join(ps))


def _existing(route: Route, ids: list[int], slugs: list[str]) -> str:
    """The route with existing ids (the first of the pool) and slugs, for the sweep."""
    out = []
    for kind, value in route.pieces:
        if kind == "text":
            out.append(value)
        elif kind == "int":
            out.append(str(ids[0]))
        elif kind == "slug":
            out.append(slugs[0])
        elif kind == "re":
            out.append(re.sub(r"\(\?P<\w+>([^|)]*)[^)]*\)", r"\1", value).strip("^$"))
        else:
            out.append("1")
    return "/" + "".join(out)


# --- the walk ---------------------------------------------------------------------------------


@pytest.fixture
def pools(
    programme, town_a, town_b, district, finance, finance2, approved_plan_b, official_a, settings,
    tmp_path,
):  # fmt: skip
    settings.MEDIA_ROOT = tmp_path / "media"
    world = build_world(
        programme=programme,
        town_a=town_a,
        town_b=town_b,
        district=district,
        finance=finance,
        finance2=finance2,
    )
    from acceptance.models import Acceptance
    from tasks.models import Household, TownPlan

    ids = sorted(
        {
            world.household_a.pk,
            world.household_b.pk,
            world.accepted_a.pk,
            world.batch.pk,
            *world.batch.lines.values_list("pk", flat=True)[:2],
            *Acceptance.objects.values_list("pk", flat=True)[:2],
            *TownPlan.objects.values_list("pk", flat=True)[:2],
            *Household.objects.values_list("pk", flat=True)[:4],
        }
    )
    # The audit page shows what users typed into an export's filter.
    id_number_export_record(
        by=finance, context="ledger_export", town=None, count=1, filters={"items": "<b>", "q": "x"}
    )
    id_number_views_record(households=[world.household_a], by=finance, context="detail")
    slugs = [town_a.code, town_b.code, *ACTIONS, "nonexistent"]
    return ids + _safety_ids(world), slugs


def _safety_ids(world) -> list[int]:
    """An inspection with findings, an emergency plan and a drill of 洪山镇 (visits.safety)."""
    import datetime

    from django.core.files.base import ContentFile

    from tests.acceptance.files import pdf_bytes
    from visits.safety import services as safety
    from zichuan_heating.models import User

    household, official = world.household_a, User.objects.get(username="official_a")
    inspection = safety.inspection_record(
        town=household.town,
        village=household.village,
        household=household,
        inspected_on=datetime.date.today(),
        inspectors="王建军",
        findings=[safety.FindingData("燃气报警器未通电。", "major", datetime.date.today())],
        by=official,
    )
    plan = safety.emergency_plan_upload(
        town=household.town,
        title="应急预案",
        issued_on=datetime.date(2021, 10, 1),
        document=ContentFile(pdf_bytes(), name="预案.pdf"),
        by=official,
    )
    data = safety.DrillData(datetime.date(2021, 11, 1), "演练", 10, plan=plan)
    drill = safety.drill_record(
        town=household.town, data=data, report=ContentFile(pdf_bytes(), name="r.pdf"), by=official
    )
    return [inspection.pk, inspection.findings.get().pk, plan.pk, drill.pk]


class Walker:
    def __init__(self, user: Any):
        self.user = user
        self.client = Client(raise_request_exception=False)
        if user is not None:
            self.client.force_login(user)
        self.failures: list[str] = []
        self.statuses: Counter[int] = Counter()

    def request(self, route: Route, method: str, path: str, params: dict[str, Any]) -> None:
        sid = transaction.savepoint()
        try:
            send = self.client.get if method == "GET" else self.client.post
            response = send(path, params)
        finally:
            status = locals().get("response") and response.status_code
            if status and status < 500:
                transaction.savepoint_commit(sid)
            else:
                transaction.savepoint_rollback(sid)
                transaction.set_rollback(False)
        self.statuses[status] += 1
        if status is None or status >= 500:
            self.failures.append(f"{status} {method} {path} {params!r:.300} [{route.name}]")
        # A logout (the site's or the admin's) was walked: log in again. The session is read
        # only when the response replaced or deleted its cookie (as every logout does) or
        # failed, instead of one more query after every request.
        answered = locals().get("response")
        if (
            self.user is not None
            and (answered is None or status >= 500 or SESSION_COOKIE in answered.cookies)
            and "_auth_user_id" not in self.client.session
        ):
            self.client.force_login(self.user)


@pytest.mark.parametrize("role", ROLES)
def test_no_url_answers_500_to_any_role(role, cast, pools):
    ids, slugs = pools
    walker = Walker(None if role == "anonymous" else cast[role])
    # The sweep: every pattern, GET and POST, with existing ids and no parameters.
    for route in ROUTES:
        for method in ("GET", "POST"):
            walker.request(route, method, _existing(route, ids, slugs), {})
    # Every field name the forms know, each with a hostile value, on the project's own pages.
    for n, route in enumerate(APP_ROUTES):
        hostile = {key: NASTY[(n + i) % len(NASTY)] for i, key in enumerate(KEYS)}
        for method in ("GET", "POST"):
            walker.request(route, method, _existing(route, ids, slugs), hostile)

    # The random walk, derandomised so CI sees the same requests every run.
    @hsettings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def walk(data: st.DataObject) -> None:
        route = data.draw(st.one_of(st.sampled_from(APP_ROUTES), st.sampled_from(ROUTES)))
        path = data.draw(_path(route, ids, slugs))
        method = data.draw(st.sampled_from(["GET", "POST"]))
        walker.request(route, method, path, data.draw(_params(ids)))

    walk()
    print(role, "answers:", dict(sorted(walker.statuses.items())))
    assert not walker.failures, "\n".join(walker.failures)


def test_the_walk_covers_every_pattern_the_project_has():
    names = {r.name for r in ROUTES}
    for expected in (
        "login",
        "admin:index",
        "ledger:household_edit",
        "ledger:id_number_audit",
        "acceptance:register",
        "subsidies:batch_download",
        "plans:plan_town",
        "progress:report_download",
        "notifications:list",
    ):
        assert expected in names, expected
    assert len(ROUTES) > 150 and len(APP_ROUTES) > 60
    edit = next(r for r in ROUTES if r.name == "ledger:household_edit")
    assert edit.shown == "households/<int:pk>/edit/"
