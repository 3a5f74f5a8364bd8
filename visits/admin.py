"""Admin of the visits app, one module a subject (visits and cases; safety beside it)."""

from visits import admin_visits  # noqa: F401
