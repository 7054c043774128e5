"""The life of an import: receive a file, check it (dry run), then commit it all or nothing.

Files over ASYNC_ROW_THRESHOLD rows are checked and committed by a Celery worker
(imports.tasks), which reports progress on the batch row; smaller ones run in the request.
"""

from __future__ import annotations

import logging
import time

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cadres.models import Cadre
from imports.models import BatchStatus, ImportBatch
from imports.processing import PROCESSORS, Outcome
from imports.reading import ImportRefused, read_table
from rotation_registry.common.audit import audit_context
from rotation_registry.common.formatting import format_number
from rotation_registry.common.signals import registry_changed
from rotation_registry.common.validation import explain_integrity_error

logger = logging.getLogger(__name__)

# Up to this many rows a file is checked and committed during the request; above, by a worker.
ASYNC_ROW_THRESHOLD = 2000


def runs_in_background(batch: ImportBatch) -> bool:
    return batch.row_count > ASYNC_ROW_THRESHOLD


# --- Progress, seen by other requests while the work is still inside its transaction ---


class ProgressReporter:
    """Writes the batch's progress through a second database connection, in autocommit.

    The import itself runs in one transaction, whose writes nobody else sees until it ends; the
    progress bar must move meanwhile. The work's own connection never touches the batch row
    until the last report, so the two connections never wait for each other.
    """

    def __init__(self, batch_id: int, *, start: int = 0, span: int = 100, min_interval: float = 0.5):
        self.batch_id = batch_id
        self.start = start
        self.span = span
        self.min_interval = min_interval
        self.last_percent = -1
        self.last_time = 0.0
        self.connection = None

    def __call__(self, done: int, total: int) -> None:
        percent = min(99, self.start + (self.span * done) // max(total, 1))
        now = time.monotonic()
        if percent == self.last_percent or (now - self.last_time < self.min_interval and done < total):
            return
        self.last_percent, self.last_time = percent, now
        if self.connection is None:
            self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
        with self.connection.cursor() as cursor:
            cursor.execute(
                "UPDATE imports_importbatch SET progress = %s WHERE id = %s AND progress < %s",
                [percent, self.batch_id, percent],
            )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


# --- Receiving a file ---


def batch_receive(*, actor, kind: str, file_name: str, data: bytes) -> ImportBatch:
    """Read and check the file (ImportRefused if it is not acceptable), store its rows, and check them."""
    file_name = (file_name or "tep").replace("\\", "/").rsplit("/", 1)[-1][:255]
    table = read_table(data=data, file_name=file_name, kind=kind)
    if not table.rows:
        raise ImportRefused(_("Tệp “%(file)s” không có dòng dữ liệu nào dưới dòng tiêu đề.") % {"file": file_name})
    batch = ImportBatch.objects.create(
        created_by=actor,
        kind=kind,
        file_name=file_name,
        file_size=len(data),
        file_format=table.file_format,
        sheet_name=table.sheet_name[:100],
        encoding=table.encoding,
        header_row=table.header_row,
        headers=table.headers,
        rows=table.rows,
        row_count=len(table.rows),
        status=BatchStatus.QUEUED,
    )
    if table.header_match.unknown:
        ignored = ", ".join(f"“{h}”" for h in table.header_match.unknown[:10])
        batch.message = f"Các cột không thuộc mẫu, đã bỏ qua: {ignored}."
        batch.save(update_fields=["message"])
    if runs_in_background(batch):
        from imports.tasks import import_check as import_check_task

        transaction.on_commit(lambda: import_check_task.delay(batch.pk))
    else:
        batch_check(batch=batch)
    return batch


# --- Checking (dry run) ---


def _run(batch: ImportBatch, *, actor, write: bool, progress) -> Outcome:
    # The check and the commit speak Vietnamese whatever the page's language: their messages are stored
    # on the batch and written into the error report, and the file's choice texts are Vietnamese.
    processor = PROCESSORS[batch.kind]
    with translation.override("vi"), audit_context(actor=actor, reason=batch.reason):
        return processor(batch=batch, actor=actor, write=write, progress=progress)


def _store(batch: ImportBatch, outcome: Outcome, status: str, message: str | None = None) -> None:
    batch.results = [result.as_dict() for result in outcome.results]
    batch.summary = outcome.summary
    batch.status = status
    batch.progress = 100
    fields = ["results", "summary", "status", "progress"]
    if message is not None:
        batch.message = message
        fields.append("message")
    if status == BatchStatus.CHECKED:
        batch.checked_at = timezone.now()
        fields.append("checked_at")
    if status == BatchStatus.COMMITTED:
        batch.committed_at = timezone.now()
        fields.append("committed_at")
    batch.save(update_fields=fields)


def batch_check(*, batch: ImportBatch, progress=None) -> ImportBatch:
    """Run every row as the commit would, write nothing, and keep each row's result."""
    outcome = _run(batch, actor=batch.created_by, write=False, progress=progress)
    _store(batch, outcome, BatchStatus.CHECKED)
    return batch


# --- Committing ---


def batch_request_commit(*, actor, batch: ImportBatch) -> ImportBatch:
    """Claim a checked batch for its commit (once), and commit it now or in a worker."""
    if batch.status == BatchStatus.COMMITTED:
        raise ValidationError(_("Tệp này đã được ghi vào sổ."))
    if not batch.can_commit:
        raise ValidationError(
            _(
                "Chưa ghi được: còn dòng lỗi hoặc cảnh báo chưa có lý do vượt quy định. "
                "Hãy sửa tệp rồi gửi lại (tải báo cáo lỗi để biết ô nào cần sửa)."
            )
        )
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.CHECKED).update(
        status=BatchStatus.COMMIT_QUEUED, progress=0, committed_by=actor
    )
    if not claimed:
        raise ValidationError(_("Tệp này đang được ghi hoặc đã được ghi vào sổ."))
    batch.status, batch.progress, batch.committed_by = BatchStatus.COMMIT_QUEUED, 0, actor
    if runs_in_background(batch):
        from imports.tasks import import_commit as import_commit_task

        transaction.on_commit(lambda: import_commit_task.delay(batch.pk))
    else:
        batch_commit(batch=batch)
    return batch


def batch_commit(*, batch: ImportBatch, progress=None) -> ImportBatch:
    """All or nothing, in one transaction: the rows are matched and checked again against the registry
    as it is now, and written only if no row is refused; the batch is marked committed in the same
    transaction, so it is committed exactly when its rows are. The audit names who asked for the commit."""
    try:
        with transaction.atomic():
            outcome = _run(batch, actor=batch.committed_by or batch.created_by, write=True, progress=progress)
            if outcome.wrote:
                registry_changed.send(sender=ImportBatch)  # one statistics recompute after the commit
                written = outcome.summary
                _store(
                    batch,
                    outcome,
                    BatchStatus.COMMITTED,
                    message=f"Đã ghi vào sổ: {format_number(written['new'])} thêm mới, "
                    f"{format_number(written['update'])} cập nhật, {format_number(written['unchanged'])} không đổi.",
                )
                return batch
            transaction.set_rollback(True)
    except IntegrityError as exc:
        # Someone wrote the same key (a personal id, a position) between our checks and our write.
        with translation.override("vi"):  # stored on the batch, in Vietnamese like its other messages
            _field, explained = explain_integrity_error(exc, Cadre)
        batch.status = BatchStatus.CHECKED
        batch.message = (
            f"Không ghi gì: dữ liệu trong sổ vừa thay đổi trong lúc ghi ({explained}). Hãy gửi lại tệp để kiểm tra lại."
        )
        batch.save(update_fields=["status", "message"])
        return batch
    _store(
        batch,
        outcome,
        BatchStatus.CHECKED,
        message=f"Không ghi gì: sổ đã thay đổi từ lúc kiểm tra và nay có {format_number(outcome.blocking)} dòng "
        "lỗi hoặc cảnh báo. Xem lại các dòng dưới đây.",
    )
    return batch


# --- Jobs (called by imports.tasks with the batch id) ---


def _claim(batch_id: int, waiting: str, running: str) -> ImportBatch | None:
    if not ImportBatch.objects.filter(pk=batch_id, status=waiting).update(status=running, progress=0):
        return None  # already taken by another run of the task: nothing to do
    return ImportBatch.objects.select_related("created_by", "committed_by").get(pk=batch_id)


def _fail(batch_id: int, what: str) -> None:
    logger.exception("Import %s failed while %s", batch_id, what)
    ImportBatch.objects.filter(pk=batch_id).update(
        status=BatchStatus.FAILED,
        message=f"Gặp sự cố khi {what}; không có gì được ghi vào sổ. Hãy gửi lại tệp hoặc báo quản trị hệ thống.",
    )


def batch_check_job(*, batch_id: int) -> None:
    batch = _claim(batch_id, BatchStatus.QUEUED, BatchStatus.CHECKING)
    if batch is None:
        return
    progress = ProgressReporter(batch_id)
    try:
        batch_check(batch=batch, progress=progress)
    except Exception:
        _fail(batch_id, "kiểm tra tệp")
    finally:
        progress.close()


def batch_commit_job(*, batch_id: int) -> None:
    batch = _claim(batch_id, BatchStatus.COMMIT_QUEUED, BatchStatus.COMMITTING)
    if batch is None:
        return
    progress = ProgressReporter(batch_id)
    try:
        batch_commit(batch=batch, progress=progress)
    except Exception:
        _fail(batch_id, "ghi vào sổ")
    finally:
        progress.close()
