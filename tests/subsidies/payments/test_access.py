"""The access battery on every payments URL: right role works, other town 404, wrong role
403, anonymous to login, wrong method 405."""

import pytest
from django.urls import reverse

from subsidies import services
from tests.access import battery
from tests.subsidies.helpers import pay_on_estimate
from tests.subsidies.payments.helpers import approved_batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(programme, make_accepted, town_a, finance, finance2):
    household = make_accepted(town_a)
    services.schedules_generate(programme=programme)
    pay_on_estimate(finance)
    batch = approved_batch(programme, [town_a], finance, finance2)
    return {"household": household, "batch": batch, "line": batch.lines.first()}


def url(name, *args):
    return reverse(f"subsidies:{name}", args=args)


def test_account_page(world, cast):
    c = cast
    battery(
        url("account_edit", world["household"].pk),
        ok=[c["official_a"]],
        not_found=[c["official_b"]],
        forbidden=[c["finance"], c["district"]],
        wrong_method="put",
    )


def test_trace_pages(world, cast):
    c = cast
    everyone = [c["official_a"], c["finance"], c["district"], c["administrator"]]
    for target in (
        url("trace_household", world["household"].pk),
        url("trace_line", world["line"].pk),
    ):
        battery(target, ok=everyone, not_found=[c["official_b"]], wrong_method="post")


def test_funds_pages(world, cast, standards):
    c = cast
    battery(
        url("funds"),
        ok=[c["finance"], c["district"], c["administrator"]],
        forbidden=[c["official_a"]],
        wrong_method="post",
    )
    battery(
        url("shares_edit", standards["gas"].pk),
        ok=[c["finance"]],
        forbidden=[c["official_a"], c["district"]],
        wrong_method="put",
    )
    battery(
        url("budget_set"),
        ok=[c["finance"]],
        forbidden=[c["official_a"], c["district"]],
        method="post",
        ok_status=302,
        wrong_method="get",
        data={"season": "2021-2022", "source": "central", "amount": "1000"},
    )


def test_protected_download(world, cast):
    c = cast
    battery(
        url("batch_download_protected", world["batch"].pk),
        ok=[c["finance"]],
        forbidden=[c["official_a"], c["district"]],
        method="post",
        wrong_method="get",
        data={"password": "long-enough-1", "password2": "long-enough-1"},
    )
