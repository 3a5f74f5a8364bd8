"""The fixed cast: every test reuses the same users per role and two towns.

town_a: 洪山镇 (official_a), town_b: 昆仑镇 (official_b); plus district office, finance bureau
(two users, for four-eyes approval), administrator and an anonymous client.
"""

import os
import shutil

import pytest
from django.conf import settings
from django.test import Client

from tasks.services import programme_data_load
from tests.factories import ApprovedPlanFactory, UserFactory
from zichuan_heating.roles import Role, sync_role_groups

PASSWORD = "pw-for-tests-1"


@pytest.fixture(scope="session")
def django_db_setup(
    request, django_test_environment, django_db_blocker, django_db_modify_db_settings
):
    """pytest-django's own, but on PostgreSQL the test database is a copy of a template made
    once for the code as it stands (`tests.template_db`) instead of migrated anew."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from tests import template_db

    verbosity = request.config.option.verbose
    # No test asks for a serialized rollback: nothing to serialize (pytest-django's default).
    options = {"verbosity": verbosity, "interactive": False, "serialized_aliases": set()}
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            config = template_db.setup(setup_databases, **options)
            template_db.flush_by_delete(connection)
        else:
            config = setup_databases(**options)
    yield
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            # A live server's or a started worker's connection may outlast its test: drop the
            # copy whoever is still connected.
            template_db.drop(config)
        else:
            teardown_databases(config, verbosity=verbosity)


@pytest.fixture
def programme_data(db):
    programme_data_load()
    sync_role_groups()
    from tasks.models import Programme

    return Programme.objects.get(year=2021)


@pytest.fixture
def programme(programme_data):
    return programme_data


@pytest.fixture
def town_a(programme_data):
    from tasks.models import Town

    return Town.objects.get(code="hongshan")


@pytest.fixture
def town_b(programme_data):
    from tasks.models import Town

    return Town.objects.get(code="kunlun")


@pytest.fixture
def official_a(town_a):
    return UserFactory(username="official_a", town=town_a, role=Role.TOWN_OFFICIAL)


@pytest.fixture
def official_b(town_b):
    return UserFactory(username="official_b", town=town_b, role=Role.TOWN_OFFICIAL)


@pytest.fixture
def district(programme_data):
    return UserFactory(username="district", role=Role.DISTRICT_OFFICE)


@pytest.fixture
def finance(programme_data):
    return UserFactory(username="finance", role=Role.FINANCE_BUREAU)


@pytest.fixture
def finance2(programme_data):
    return UserFactory(username="finance2", role=Role.FINANCE_BUREAU)


@pytest.fixture
def administrator(programme_data):
    return UserFactory(
        username="administrator", role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True
    )


@pytest.fixture
def cast(official_a, official_b, district, finance, finance2, administrator):
    return {
        "official_a": official_a,
        "official_b": official_b,
        "district": district,
        "finance": finance,
        "finance2": finance2,
        "administrator": administrator,
    }


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_for():
    return login


@pytest.fixture
def anon_client():
    return Client()


def pytest_configure(config):
    # Browser tests drive Django from Playwright's event loop thread.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_xdist_auto_num_workers(config) -> int:
    """`-n auto` (pyproject's addopts): one worker per core for the suite or a folder of it,
    none for named files or tests (a quick run is not worth a second test database).

    ZH_TEST_WORKERS overrides (0: no workers). Each worker has its own test database
    (pytest-django suffixes its name), its own live server port, browser and SMTP port; tests
    that start a Celery worker give it a queue of their own on the shared Redis database.
    """
    if os.environ.get("ZH_TEST_WORKERS"):
        return int(os.environ["ZH_TEST_WORKERS"])
    if any(not os.path.isdir(arg.split("::")[0]) for arg in config.args):
        return 0
    return min(os.cpu_count() or 1, 4)


@pytest.hookimpl(trylast=True)  # after pytest-django's order, which it keeps within each part
def pytest_collection_modifyitems(config, items):
    """The longest tests first, so that parallel workers finish together (--dist worksteal
    hands the short ones left at the end to whichever worker is idle)."""
    heavy = ("slow", "worker", "browser")
    items.sort(key=lambda item: not any(item.get_closest_marker(m) for m in heavy))


@pytest.fixture
def approved_plan_a(programme, town_a, district):
    """洪山镇's implementation plan, approved by the district office: construction may start."""
    return ApprovedPlanFactory(programme=programme, town=town_a, approved_by=district)


@pytest.fixture
def approved_plan_b(programme, town_b, district):
    return ApprovedPlanFactory(programme=programme, town=town_b, approved_by=district)


@pytest.fixture(autouse=True)
def chinese_after_each_test():
    """An English request leaves English active in the thread; every test starts Chinese."""
    yield
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


CHROMIUM = os.environ.get("ZH_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}; scripts/test installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
