"""Statistics jobs: they take ids (or nothing) and call the services in reports.runs (conventions §2.8).

Every task is acknowledged late and handed back to the queue when its worker dies
(settings: CELERY_TASK_ACKS_LATE, CELERY_TASK_REJECT_ON_WORKER_LOST, set here too so the
guarantee does not depend on the deployment's configuration); each is safe to run twice.
"""

from __future__ import annotations

from celery import shared_task

from reports.quarterly.tasks import quarterly_reminders  # noqa: F401  (registers the quarterly reports' job)

RELIABLE = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


@shared_task(bind=True, max_retries=10, soft_time_limit=5 * 60, time_limit=6 * 60, **RELIABLE)
def compute_run(self, run_id: int) -> None:
    from reports.runs import RunNotCommittedYet, compute_run_job

    try:
        compute_run_job(run_id=run_id, task_id=self.request.id or "")
    except RunNotCommittedYet as exc:
        # Enqueued from inside a transaction that has not committed yet (or that rolled back: then
        # the retries run out and nothing happens).
        raise self.retry(exc=exc, countdown=1) from exc


@shared_task(**RELIABLE)
def recompute_after_change() -> None:
    from reports.runs import recompute_after_change_job

    recompute_after_change_job()


@shared_task(**RELIABLE)
def recompute_all() -> None:
    from reports.runs import recompute_all_job

    recompute_all_job()


# The leaders' summary (reports.summaries): a 50-page summary takes well under 15 s; a minute means trouble.
@shared_task(bind=True, max_retries=10, soft_time_limit=90, time_limit=120, **RELIABLE)
def build_summary(self, doc_id: int) -> None:
    from reports.summaries import SummaryNotCommittedYet, build_summary_job

    try:
        build_summary_job(doc_id, task_id=self.request.id or "")
    except SummaryNotCommittedYet as exc:
        raise self.retry(exc=exc, countdown=1) from exc
