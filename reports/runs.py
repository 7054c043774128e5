"""Statistics runs: computing the statistics in the background, storing each result, and knowing when it is stale.

The pieces (docs/statistics-jobs.md has the why):

* a *run* (`StatisticsRun`) is one computation for one set of canonical parameters; runs are
  appended, and the dashboard reads the latest done run for its parameters;
* the *fingerprint* is the registry's data version: a counter that database triggers bump once
  per committed transaction that writes any table the statistics read (migration 0004), so "has
  the data changed since this run?" is one primary-key lookup;
* `compute_run_job` is the task body: it claims the run with a conditional UPDATE, computes in one
  REPEATABLE READ snapshot (data and fingerprint agree) and stores the results in one transaction
  that only a still-running run can pass, so a job delivered twice stores its result once;
* writes to the registry send `registry_changed`; `on_registry_changed` turns a transaction's
  sends into one `on_commit` callback, which schedules one delayed `recompute_after_change` per
  quiet spell (a Redis SET NX key), failing fast and quietly when Redis is unreachable.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import os
import time
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Min
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from reports.models import RunStatus, RunTrigger, StatisticsRun

logger = logging.getLogger(__name__)

# Seconds between a change and its recompute: a burst of writes (an import, a morning of edits)
# within this delay is recomputed once.
RECOMPUTE_DELAY = 30
# A queued run not started after this long has lost its message (Redis restarted, a purge).
QUEUED_STALE_AFTER = datetime.timedelta(minutes=15)
# A running run not finished after this long lost its worker and its redelivery.
RUNNING_STALE_AFTER = datetime.timedelta(hours=1)
# Parameters users asked for are recomputed with the standard ones for this long.
RECENT_REQUESTS = datetime.timedelta(days=7)
RECENT_REQUESTS_LIMIT = 50

# The debounce flag, one per queue (a test run has a queue of its own: settings/test.py).
PENDING_KEY = "rotation-registry:statistics:recompute-pending:{queue}"
# Tests only (docs/statistics-jobs.md): seconds a job's first attempt waits after claiming its run, so
# that a test can kill the worker while the run is `running`. Unset in every real environment.
TEST_PAUSE_ENV = "RR_STATISTICS_TEST_PAUSE"

# The data version the triggers keep (migration 0004); 0 before the first change.
FINGERPRINT_SQL = "SELECT COALESCE((SELECT version FROM reports_data_version WHERE id = 1), 0)"

# What a failed publish raises: kombu wraps connection errors in OperationalError (a KombuError);
# redis-py and the socket layer may surface directly.
BROKER_ERRORS = (KombuError, RedisError, OSError)


def _setting(name: str, default):
    return getattr(settings, name, default)


# --- Parameters and fingerprint ---


def normalise(raw: dict) -> dict:
    """The canonical parameters (reports.statistics.engine); raises ValidationError in Vietnamese."""
    from reports.statistics.engine import normalise_parameters

    return normalise_parameters(raw)


def _results_version() -> int:
    from reports.statistics import engine

    return getattr(engine, "RESULTS_VERSION", 1)


def parameters_key(parameters: dict) -> str:
    """A hash of canonical parameters and the engine's results version.

    A new results version (the counting rules changed) gives new keys, so results computed under
    the old rules are never shown as current.
    """
    payload = json.dumps(
        {"v": _results_version(), "p": parameters}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def results_hash(results: dict) -> str:
    payload = json.dumps(results, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def current_fingerprint() -> int:
    """The registry's data version now (one primary-key lookup)."""
    with connection.cursor() as cursor:
        cursor.execute(FINGERPRINT_SQL)
        return cursor.fetchone()[0]


def run_is_stale(run: StatisticsRun) -> bool:
    """Whether the data changed since the run was computed (a run without results is always stale)."""
    if run.status != RunStatus.DONE or run.fingerprint is None:
        return True
    current = getattr(run, "current_fingerprint", None)
    if current is None:
        current = current_fingerprint()
    return current != run.fingerprint


def _format_moment(moment: datetime.datetime) -> str:
    from rotation_registry.common.formatting import format_date

    local = timezone.localtime(moment)
    return f"{local:%H:%M} ngày {format_date(local.date())}"


def latest_done(key: str) -> StatisticsRun | None:
    return StatisticsRun.objects.done().filter(parameters_key=key).order_by("-fingerprint").first()


# --- Creating and enqueueing runs ---


def _create_or_reuse(
    *, parameters: dict, key: str, trigger: str, requested_by=None, fingerprint: int | None = None
) -> tuple[StatisticsRun, bool]:
    """The run that will answer for these parameters, and whether it still has to be enqueued.

    Reuses the done run computed from the current data, else a run already computing from it, else
    the run waiting in the queue; a run waiting too long has lost its message and is marked failed,
    then replaced.
    """
    fingerprint = current_fingerprint() if fingerprint is None else fingerprint
    done = latest_done(key)
    if done is not None and done.fingerprint == fingerprint:
        return done, False
    running = StatisticsRun.objects.filter(
        parameters_key=key, status=RunStatus.RUNNING, fingerprint=fingerprint
    ).first()
    if running is not None and timezone.now() - running.started_at < _setting(
        "STATISTICS_RUNNING_STALE_AFTER", RUNNING_STALE_AFTER
    ):
        return running, False  # already computing from the current data
    waiting = StatisticsRun.objects.filter(parameters_key=key, status=RunStatus.QUEUED).first()
    if waiting is not None:
        if timezone.now() - waiting.requested_at < _setting("STATISTICS_QUEUED_STALE_AFTER", QUEUED_STALE_AFTER):
            return waiting, False
        _mark_failed(waiting.pk, _("Yêu cầu chờ quá lâu mà chưa được tính (hàng đợi có thể đã mất việc)."))
    try:
        with transaction.atomic():
            run = StatisticsRun.objects.create(
                parameters=parameters,
                parameters_key=key,
                unit_id=parameters.get("unit"),
                trigger=trigger,
                requested_by=requested_by,
                task_id=str(uuid.uuid4()),
            )
    except IntegrityError:
        # Someone queued the same parameters between our read and our insert.
        run = StatisticsRun.objects.filter(parameters_key=key, status=RunStatus.QUEUED).first()
        if run is None:
            raise
        return run, False
    return run, True


def _mark_failed(run_id: int, error: str, *, statuses: Iterable[str] = (RunStatus.QUEUED, RunStatus.RUNNING)) -> bool:
    return bool(
        StatisticsRun.objects.filter(pk=run_id, status__in=list(statuses)).update(
            status=RunStatus.FAILED, error=error, finished_at=timezone.now()
        )
    )


def _enqueue(run: StatisticsRun, *, retry: bool) -> bool:
    """Send the run to the workers. If the broker is unreachable, mark the run failed and say so in the log.

    `retry=False` (a user is waiting) gives up after one try: within the broker's socket timeout
    (settings: CELERY_BROKER_TRANSPORT_OPTIONS), about a second.
    """
    from reports.tasks import compute_run

    try:
        compute_run.apply_async(args=[run.pk], task_id=run.task_id or None, retry=retry)
    except BROKER_ERRORS as exc:
        logger.warning("Statistics run %s not enqueued, the broker is unreachable: %s", run.pk, exc)
        _mark_failed(
            run.pk,
            _("Không gửi được yêu cầu vào hàng đợi tính toán (Redis): %(error)s") % {"error": exc},
            statuses=[RunStatus.QUEUED],
        )
        run.status = RunStatus.FAILED
        return False
    return True


def _check_scope(parameters: dict, user) -> None:
    from accounts.scopes import sees_whole_registry
    from units.models import Unit

    unit = parameters.get("unit")
    if unit is None:
        allowed = sees_whole_registry(user)
    else:
        allowed = Unit.objects.visible_to(user).filter(pk=unit).exists()
    if not allowed:
        raise ValidationError({"unit": _("Đơn vị này nằm ngoài phạm vi bạn được xem số liệu.")})


def request_recompute(parameters: dict, user) -> tuple[StatisticsRun, str]:
    """The "recompute" button: reuse or create a run for the parameters, enqueue it, and say what happened.

    Returns the run and a Vietnamese message. The run is the done run when the stored figures are
    already computed from the current data, the waiting run when one is queued, otherwise a new run.
    When the queue (Redis) is down or hung the answer comes within about a second: the new run is
    marked failed (nothing half-written, nothing left "queued" forever), `run.status` is FAILED and
    the message says which stored figures the page still shows.

    Raises ValidationError for bad parameters or a unit outside the user's scope. Call it outside
    a transaction (a view with `transaction.non_atomic_requests`) so the run is committed before a
    worker looks for it; inside one it still works, the job waiting for the commit (tasks.compute_run).
    """
    parameters = normalise(parameters)
    _check_scope(parameters, user)
    key = parameters_key(parameters)
    run, fresh = _create_or_reuse(parameters=parameters, key=key, trigger=RunTrigger.REQUEST, requested_by=user)
    if run.status == RunStatus.DONE:
        return run, _("Số liệu đã là mới nhất: tính lúc %(moment)s, dữ liệu chưa thay đổi từ đó.") % {
            "moment": _format_moment(run.finished_at)
        }
    if not fresh and run.status == RunStatus.RUNNING:
        return run, _("Đang tính lại cho các tham số này (bắt đầu lúc %(moment)s); số liệu sẽ cập nhật khi xong.") % {
            "moment": _format_moment(run.started_at)
        }
    if not fresh:
        return run, _("Đã có yêu cầu tính lại đang chờ (gửi lúc %(moment)s); số liệu sẽ cập nhật khi tính xong.") % {
            "moment": _format_moment(run.requested_at)
        }
    if _enqueue(run, retry=False):
        return run, _("Đã gửi yêu cầu tính lại; số liệu sẽ cập nhật sau ít phút.")
    return run, unavailable_message(key)


def unavailable_message(key: str) -> str:
    """What the page says when the queue is unreachable: which stored figures it still shows."""
    shown = latest_done(key)
    if shown is None:
        stored = _("chưa có lần tính nào được lưu cho các tham số này")
    else:
        stored = _("số liệu đang hiển thị là lần tính gần nhất lúc %(moment)s") % {
            "moment": _format_moment(shown.finished_at)
        }
    return _("Không kết nối được hàng đợi tính toán (Redis); %(stored)s. Vui lòng thử lại sau.") % {"stored": stored}


# --- The job ---


class RunNotCommittedYet(Exception):
    """The job arrived before the transaction that created its run committed."""


def _claim(run_id: int, task_id: str) -> bool:
    """Take the run: queued, or running when a dead worker's delivery comes back. False: nothing to do.

    The fingerprint noted now is a floor (the job's snapshot, taken just after, sees at least this
    version), so a request meanwhile can reuse the running run; the stored one is the snapshot's.
    """
    changes = {
        "status": RunStatus.RUNNING,
        "started_at": timezone.now(),
        "progress": 10,
        "attempts": F("attempts") + 1,
        "fingerprint": RawSQL(FINGERPRINT_SQL, []),
        "error": "",
    }
    if task_id:
        changes["task_id"] = task_id
    return bool(
        StatisticsRun.objects.filter(pk=run_id, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).update(**changes)
    )


def _pause_for_tests() -> None:
    pause = float(os.environ.get(TEST_PAUSE_ENV) or 0)
    if pause > 0:
        time.sleep(pause)


def _compute_in_one_snapshot(parameters: dict) -> tuple[int, dict]:
    """The fingerprint and the results, read from one snapshot of the database."""
    from reports.statistics.engine import compute

    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            # The transaction's first statement: every query below sees the same committed data.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        fingerprint = current_fingerprint()
        results = compute(parameters)
    return fingerprint, results


def _advisory_lock(key: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(key[:15], 16)])


def _store(run: StatisticsRun, fingerprint: int, results: dict) -> bool:
    """Write the results once: only a run still `running` passes, in one transaction.

    Older runs this one supersedes are pruned in the same transaction (docs/statistics-jobs.md):
    a done run of the same data version, and the previous done run when its results are identical
    and nobody asked for it by hand. Finishing is serialised per parameters by an advisory lock.
    """
    digest = results_hash(results)
    now = timezone.now()
    with transaction.atomic():
        _advisory_lock(run.parameters_key)
        current = StatisticsRun.objects.select_for_update().filter(pk=run.pk, status=RunStatus.RUNNING).first()
        if current is None:
            return False  # finished (or failed) by another delivery of the same job
        done = StatisticsRun.objects.done().filter(parameters_key=run.parameters_key).exclude(pk=run.pk)
        done.filter(fingerprint=fingerprint).delete()
        previous = done.filter(fingerprint__lt=fingerprint).order_by("-fingerprint").first()
        if previous is not None and previous.results_hash == digest and previous.trigger != RunTrigger.REQUEST:
            previous.delete()
        started = current.started_at or now
        StatisticsRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE,
            progress=100,
            fingerprint=fingerprint,
            results=results,
            results_hash=digest,
            finished_at=now,
            duration_ms=max(int((now - started).total_seconds() * 1000), 0),
            error="",
        )
    return True


def compute_run_job(*, run_id: int, task_id: str = "") -> StatisticsRun | None:
    """Compute one run (called by reports.tasks.compute_run with the run id). Safe to run twice."""
    if not _claim(run_id, task_id):
        if not StatisticsRun.objects.filter(pk=run_id).exists():
            raise RunNotCommittedYet(run_id)
        return None
    run = StatisticsRun.objects.get(pk=run_id)
    if run.attempts == 1:
        _pause_for_tests()
    try:
        fingerprint, results = _compute_in_one_snapshot(run.parameters)
        _store(run, fingerprint, results)
    except Exception as exc:
        logger.exception("Statistics run %s failed", run_id)
        _mark_failed(run_id, _("Gặp lỗi khi tính: %(error)s") % {"error": exc}, statuses=[RunStatus.RUNNING])
    run.refresh_from_db()
    return run


# --- Recompute after changes (debounced) ---


def on_registry_changed(sender=None, **kwargs) -> None:
    """Receiver of rotation_registry.common.signals.registry_changed: one callback per transaction.

    An import of 20,000 rows sends the signal 20,000 times inside one transaction; only the first
    registers `schedule_recompute_after_change` with on_commit (a later send finds it registered:
    a rolled-back savepoint drops it, and the next send registers it again).
    """
    if connection.in_atomic_block and any(
        func is schedule_recompute_after_change for _sids, func, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(schedule_recompute_after_change, robust=True)


_clients: dict[str, object] = {}


def _redis():
    """A Redis client on the broker that answers or fails within a second, without retries."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    from rotation_registry.celery import app

    url = app.conf.broker_url
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(
            url, socket_timeout=1.0, socket_connect_timeout=1.0, retry=Retry(NoBackoff(), 0)
        )
    return _clients[url]


def pending_key() -> str:
    from rotation_registry.celery import app

    return PENDING_KEY.format(queue=app.conf.task_default_queue)


def schedule_recompute_after_change() -> bool:
    """Schedule one `recompute_after_change` in RECOMPUTE_DELAY seconds, unless one is already scheduled.

    Never raises and never blocks for long: with Redis down or hung it gives up within about a
    second, logs it, and leaves the change to the staleness check and the nightly recompute.
    """
    from reports.tasks import recompute_after_change

    delay = _setting("STATISTICS_RECOMPUTE_DELAY", RECOMPUTE_DELAY)
    try:
        client = _redis()
        # The key outlives the delay, so a lost task does not block the next change for long.
        if not client.set(pending_key(), "1", nx=True, ex=int(delay) + 60):
            return False
        try:
            recompute_after_change.apply_async(countdown=delay, retry=False)
        except BROKER_ERRORS:
            client.delete(pending_key())
            raise
    except BROKER_ERRORS as exc:
        logger.warning("Statistics recompute not scheduled, Redis is unreachable: %s", exc)
        return False
    return True


# --- What "everything" is ---


def standard_parameter_sets(today: datetime.date | None = None) -> list[dict]:
    """The parameters the nightly job and every change keep computed.

    For the whole registry and each top-level unit (the province): each term (congress term or
    plan period) overlapping the postings recorded, and the current calendar year, with the
    engine's defaults for the rest.
    """
    from postings.models import Posting
    from units.models import Term, Unit

    today = today or timezone.localdate()
    periods: list[tuple[datetime.date, datetime.date]] = []
    bounds = Posting.objects.aggregate(first=Min("start_date"), last=Max("start_date"))
    if bounds["first"] is not None:
        last = max(bounds["last"], today)
        terms = Term.objects.filter(start__lte=last, end__gte=bounds["first"]).order_by("start", "end")
        periods += [(term.start, term.end) for term in terms]
    periods.append((datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)))
    units = [None, *Unit.objects.filter(parent__isnull=True).order_by("pk").values_list("pk", flat=True)]
    sets: list[dict] = []
    for unit in units:
        for start, end in dict.fromkeys(periods):
            sets.append(normalise({"unit": unit, "start": start.isoformat(), "end": end.isoformat()}))
    return sets


def recently_requested_parameter_sets() -> list[dict]:
    """Parameters users asked for in the last days (their dashboards stay fresh too)."""
    since = timezone.now() - _setting("STATISTICS_RECENT_REQUESTS", RECENT_REQUESTS)
    rows = (
        StatisticsRun.objects.filter(trigger=RunTrigger.REQUEST, requested_at__gte=since)
        .order_by("parameters_key", "-requested_at")
        .distinct("parameters_key")
        .values_list("parameters", flat=True)[:RECENT_REQUESTS_LIMIT]
    )
    sets = []
    for parameters in rows:
        try:
            sets.append(normalise(parameters))
        except ValidationError:
            continue  # its unit is gone
    return sets


def recompute(parameter_sets: Iterable[dict], *, trigger: str) -> list[StatisticsRun]:
    """Make sure each set has a run at the current data version: reuse done or queued runs, enqueue the rest."""
    fingerprint = current_fingerprint()
    runs: dict[str, StatisticsRun] = {}
    for parameters in parameter_sets:
        key = parameters_key(parameters)
        if key in runs:
            continue
        run, fresh = _create_or_reuse(parameters=parameters, key=key, trigger=trigger, fingerprint=fingerprint)
        if fresh:
            _enqueue(run, retry=True)
        runs[key] = run
    return list(runs.values())


def fail_stuck_runs() -> int:
    """Mark failed the runs whose job was lost (Redis emptied, a worker and its redelivery gone)."""
    now = timezone.now()
    queued = StatisticsRun.objects.filter(
        status=RunStatus.QUEUED, requested_at__lt=now - _setting("STATISTICS_QUEUED_STALE_AFTER", QUEUED_STALE_AFTER)
    )
    running = StatisticsRun.objects.filter(
        status=RunStatus.RUNNING, started_at__lt=now - _setting("STATISTICS_RUNNING_STALE_AFTER", RUNNING_STALE_AFTER)
    )
    message = _("Công việc tính đã bị mất (hàng đợi hoặc máy tính toán gặp sự cố); đã bỏ lần tính này.")
    return queued.update(status=RunStatus.FAILED, error=message, finished_at=now) + running.update(
        status=RunStatus.FAILED, error=message, finished_at=now
    )


def recompute_after_change_job() -> list[StatisticsRun]:
    """The debounced recompute: everything standard plus what users asked for lately, where stale."""
    try:
        # Changes from now on schedule a recompute of their own.
        _redis().delete(pending_key())
    except BROKER_ERRORS as exc:
        logger.warning("Could not clear the pending recompute key: %s", exc)
    return recompute([*standard_parameter_sets(), *recently_requested_parameter_sets()], trigger=RunTrigger.CHANGE)


def recompute_all_job() -> list[StatisticsRun]:
    """The nightly job: clear lost runs, then make sure everything is computed from the current data."""
    fail_stuck_runs()
    return recompute([*standard_parameter_sets(), *recently_requested_parameter_sets()], trigger=RunTrigger.NIGHTLY)
