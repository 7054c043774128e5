"""The quarterly reports' daily job: it takes nothing and calls the service (conventions §2.8).

Registered through reports/tasks.py (Celery's autodiscovery imports that module). Safe to run
twice: overdue marks are a conditional UPDATE and each reminder is claimed by a unique row before
its e-mail leaves (reports.quarterly.services.send_reminder).
"""

from __future__ import annotations

from celery import shared_task


@shared_task(
    acks_late=True, reject_on_worker_lost=True, ignore_result=True, soft_time_limit=10 * 60, time_limit=11 * 60
)
def quarterly_reminders() -> dict:
    from reports.quarterly.services import reminders_job

    result = reminders_job()
    return {"overdue_marked": result.overdue_marked, "sent": len(result.sent)}
