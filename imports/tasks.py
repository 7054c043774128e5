"""Background jobs for large imports: they take the batch id and call the service (conventions §2.8)."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def import_check(batch_id: int) -> None:
    from imports.services import batch_check_job

    batch_check_job(batch_id=batch_id)


@shared_task(ignore_result=True)
def import_commit(batch_id: int) -> None:
    from imports.services import batch_commit_job

    batch_commit_job(batch_id=batch_id)
