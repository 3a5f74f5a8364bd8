"""Fixtures for the ledger import and export tests (see tests/tasks/ledger_files.py)."""

from tests.tasks.ledger_files import approved_a, ledger_setup

__all__ = ["approved_a", "ledger_setup"]
