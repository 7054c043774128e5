"""Imports from spreadsheets: one ImportBatch per uploaded file, from the dry-run preview to the commit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

STALL_SECONDS = 120


class ImportKind(models.TextChoices):
    CADRES = "cadres", _("Danh sách cán bộ")
    DECISIONS = "decisions", _("Quyết định và luân chuyển")


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ kiểm tra")
    CHECKING = "checking", _("Đang kiểm tra")
    CHECKED = "checked", _("Đã kiểm tra, chưa ghi vào sổ")
    COMMIT_QUEUED = "commit_queued", _("Đang chờ ghi vào sổ")
    COMMITTING = "committing", _("Đang ghi vào sổ")
    COMMITTED = "committed", _("Đã ghi vào sổ")
    FAILED = "failed", _("Gặp sự cố, không ghi gì")


# A worker is (or will be) busy with the batch: the page shows a progress bar.
RUNNING_STATUSES = (BatchStatus.QUEUED, BatchStatus.CHECKING, BatchStatus.COMMIT_QUEUED, BatchStatus.COMMITTING)


class RowStatus(models.TextChoices):
    NEW = "new", _("Thêm mới")
    UPDATE = "update", _("Cập nhật")
    UNCHANGED = "unchanged", _("Không đổi")
    WARNING = "warning", _("Cảnh báo")
    ERROR = "error", _("Lỗi")


# Rows that stop the commit: errors, and warnings no override in the sheet accepts.
BLOCKING_ROW_STATUSES = (RowStatus.ERROR, RowStatus.WARNING)


class ImportBatchQuerySet(models.QuerySet):
    def visible_to(self, user) -> ImportBatchQuerySet:
        """A batch holds the uploaded rows: only its creator and administrators see it."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.sees_everything:
            return self
        return self.filter(created_by=user)

    def without_rows(self) -> ImportBatchQuerySet:
        """The batch without its (large) rows and results: for lists and the progress bar."""
        return self.defer("headers", "rows", "results")


class ImportBatch(models.Model):
    """One uploaded file: its rows as read, the result of each row, and where the import stands.

    The rows are stored as text exactly as read (dates as dd/mm/yyyy), so the check, the commit
    (possibly in a worker) and the error report all work from the same data, without the file.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người nhập"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("lúc gửi"), auto_now_add=True)
    kind = models.CharField(_("loại dữ liệu"), max_length=12, choices=ImportKind.choices)
    file_name = models.CharField(_("tên tệp"), max_length=255)
    file_size = models.PositiveIntegerField(_("dung lượng (byte)"), default=0)
    file_format = models.CharField(_("định dạng"), max_length=8)
    sheet_name = models.CharField(_("trang tính"), max_length=100, blank=True)
    encoding = models.CharField(_("bảng mã (CSV)"), max_length=20, blank=True)
    header_row = models.PositiveIntegerField(_("dòng tiêu đề"), default=1)
    headers = models.JSONField(_("tiêu đề cột"), default=list, blank=True)
    # [[row number in the sheet, [cell text or null, ...]], ...]
    rows = models.JSONField(_("các dòng"), default=list, blank=True)
    row_count = models.PositiveIntegerField(_("số dòng"), default=0)
    status = models.CharField(_("trạng thái"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    # {"new": 3, "update": 1, "unchanged": 0, "warning": 0, "error": 1}
    summary = models.JSONField(_("tổng hợp"), default=dict, blank=True)
    # [{"row": 7, "status": "error", "label": "...", "messages": [{"column", "level", "text"}]}, ...]
    results = models.JSONField(_("kết quả từng dòng"), default=list, blank=True)
    message = models.CharField(_("thông báo"), max_length=1000, blank=True)
    checked_at = models.DateTimeField(_("kiểm tra lúc"), null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ghi vào sổ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    committed_at = models.DateTimeField(_("ghi vào sổ lúc"), null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("lần nhập từ tệp")
        verbose_name_plural = _("các lần nhập từ tệp")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=100),
                name="import_progress_is_a_percentage",
                violation_error_message=_("Tiến độ phải từ 0 đến 100%."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_kind_display()})"

    def get_absolute_url(self) -> str:
        return reverse("imports:detail", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES

    @property
    def blocking_rows(self) -> int:
        return sum(self.summary.get(status, 0) for status in BLOCKING_ROW_STATUSES)

    @property
    def changes(self) -> int:
        return self.summary.get(RowStatus.NEW, 0) + self.summary.get(RowStatus.UPDATE, 0)

    @property
    def can_commit(self) -> bool:
        return self.status == BatchStatus.CHECKED and self.blocking_rows == 0

    @property
    def stalled(self) -> bool:
        """Waiting for a worker for over two minutes: probably none is running."""
        since = self.checked_at if self.status == BatchStatus.COMMIT_QUEUED else self.created_at
        waiting = self.status in (BatchStatus.QUEUED, BatchStatus.COMMIT_QUEUED)
        return waiting and since is not None and (timezone.now() - since).total_seconds() > STALL_SECONDS

    @property
    def reason(self) -> str:
        """The reason every audited write of this import carries."""
        return f"Nhập từ tệp {self.file_name}"  # stored in the audit: Vietnamese, like every audit reason
