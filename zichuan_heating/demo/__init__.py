"""The demo: its users, and the 2021 programme as it stands on the day the demo is loaded."""

from zichuan_heating.demo.programme import DemoOutcome, demo_programme_load
from zichuan_heating.demo.users import DEMO_USERS, DemoUser, demo_users_create

__all__ = ["DEMO_USERS", "DemoOutcome", "DemoUser", "demo_programme_load", "demo_users_create"]
