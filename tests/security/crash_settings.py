"""Settings of a test's Celery worker whose ledger validations kill the pool process."""

from zichuan_heating.settings_test import *  # noqa: F403

CELERY_IMPORTS = ["tests.security.worker_crash"]
