"""The utilities' REST endpoint: token auth, scoping to the utility's own meters, the same
checks as the file import, and a bounded schemathesis run against the live schema."""

from decimal import Decimal

import pytest
import schemathesis
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings

from subsidies.metering.models import MeterReading
from subsidies.metering.services import utility_token_issue
from subsidies.models import Instalment
from tests.subsidies.metering.conftest import SEASON

pytestmark = pytest.mark.django_db
URL = "/api/v1/readings/"


@pytest.fixture
def gas_key(gas_co):
    return utility_token_issue(utility=gas_co, username="api_gas")[1]


@pytest.fixture
def grid_key(grid_co):
    return utility_token_issue(utility=grid_co, username="api_grid")[1]


def post(key, payload):
    return Client().post(
        URL, payload, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
    )


def payload(*readings, season=SEASON, dry_run=False):
    return {"season": season, "dry_run": dry_run, "readings": list(readings)}


def reading(number, start="0", end="500", **kw):
    return {"number": number, "start": start, "end": end, "read_on": "2022-03-20", **kw}


def test_a_utility_submits_its_readings_with_its_token(programme, metered, gas_key):
    response = post(gas_key, payload(reading("G0001"), reading("G0002", usage="500")))
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0, "errors": []}
    assert Instalment.objects.get(
        household=metered["g1"], item="operating", season=SEASON
    ).amount == Decimal("500.00")
    again = post(gas_key, payload(reading("G0001"), reading("G0002", usage="500")))
    assert again.json()["unchanged"] == 2


def test_a_utility_cannot_touch_another_utilitys_meters(programme, metered, gas_key, grid_key):
    response = post(grid_key, payload(reading("E0001"), reading("G0001")))
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "row": 2,
            "column": "表号（户号）",
            "message": "表号（户号）G0001 未登记，请先在台账中登记该户的表计",
        }
    ]
    assert not MeterReading.objects.exists()  # all or nothing
    listed = Client().get("/api/v1/meters/", HTTP_AUTHORIZATION=f"Token {grid_key}").json()
    assert [m["number"] for m in listed["results"]] == ["E0001"]


def test_no_token_a_wrong_token_a_revoked_token_or_a_session_is_refused(
    programme, metered, gas_key, finance
):
    assert Client().post(URL, {}, content_type="application/json").status_code == 401
    assert post("nonsense", payload(reading("G0001"))).status_code == 401
    c = Client()
    c.force_login(finance)
    assert c.post(URL, payload(reading("G0001")), content_type="application/json").status_code in (
        401,
        403,
    )
    from subsidies.metering.models import UtilityToken

    UtilityToken.objects.update(revoked_at=timezone.now())
    assert post(gas_key, payload(reading("G0001"))).status_code == 401
    assert not MeterReading.objects.exists()


def test_a_dry_run_and_bad_payloads_write_nothing(programme, metered, gas_key):
    ok = post(gas_key, payload(reading("G0001"), dry_run=True))
    assert ok.json()["created"] == 1
    assert post(gas_key, payload(reading("G0001", start="600"))).status_code == 400
    assert post(gas_key, {"season": "2021", "readings": []}).status_code == 400
    assert post(gas_key, {"season": SEASON, "readings": [{"number": None}]}).status_code == 400
    assert not MeterReading.objects.exists()


def test_the_api_user_opens_no_page(programme, metered, gas_key):
    from subsidies.metering.models import UtilityToken

    c = Client()
    c.force_login(UtilityToken.objects.get().user)
    assert c.get("/subsidies/flags/").status_code == 403


@pytest.fixture
def wsgi_app():
    """The project's WSGI application, kept from closing the test's connection after each
    request (as Django's test client does)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from zichuan_heating.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_schemathesis_finds_no_server_error(programme, metered, gas_key, wsgi_app):
    application = wsgi_app
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/v1/readings/", "/api/v1/meters/"}
    for operation in operations:

        @settings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call(headers={"Authorization": f"Token {gas_key}"})
            assert response.status_code < 500, (case.path, case.body, response.text[:300])

        check()
