"""Loaded into a test's Celery worker with `--include`: every ledger validation kills the pool
process at once, as a file that exhausts the worker's memory would."""

import os

from celery.concurrency.asynpool import AsynPool
from celery.signals import worker_process_init

# Here the pool found each dead process only at its supervisor's sweep, every 5 s (the worker's
# log: "exited" 5 s after "received", each time), so three crashes cost 15 s of waiting. This
# worker sweeps every half second; what happens to the job once the loss is found is unchanged.
AsynPool.timers = property(lambda self: {self.maintain_pool: 0.5})


@worker_process_init.connect
def _validation_kills_the_process(**kwargs) -> None:
    import tasks.ledger.import_services

    def crash(*args, **kwargs):
        os._exit(1)

    tasks.ledger.import_services.validate = crash
