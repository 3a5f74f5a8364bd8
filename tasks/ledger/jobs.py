"""Celery jobs of the household ledger. Jobs take ids and call services; they are idempotent."""

from celery import shared_task


@shared_task(acks_late=True)
def ledger_import_job(job_id: int) -> None:
    """Validate or commit a large ledger import (whichever its state asks for)."""
    from tasks.ledger.import_services import import_job_run

    import_job_run(job_id=job_id)
