"""Fixtures the plan and supervision tests share."""

import pytest

from tests.factories import UserFactory


@pytest.fixture
def stranger(programme_data):
    """A logged-in user with no role at all."""
    return UserFactory(username="no-role")
