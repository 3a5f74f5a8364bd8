"""Fixtures of the security tests: a plain administrator (by role, not a superuser)."""

import pytest

from tests.factories import UserFactory
from zichuan_heating.roles import Role


@pytest.fixture
def plain_admin(programme_data):
    """An administrator as the demo and real deployments have them: staff, no superuser."""
    return UserFactory(username="plain_admin", role=Role.ADMINISTRATOR, is_staff=True)


@pytest.fixture
def plain_admin2(programme_data):
    return UserFactory(username="plain_admin2", role=Role.ADMINISTRATOR, is_staff=True)
