"""Loaded into a test's Celery worker with `--include`: every ledger validation kills the pool
process at once, as a file that exhausts the worker's memory would."""

import os

from celery.signals import worker_process_init


@worker_process_init.connect
def _validation_kills_the_process(**kwargs) -> None:
    import tasks.ledger.import_services

    def crash(*args, **kwargs):
        os._exit(1)

    tasks.ledger.import_services.validate = crash
