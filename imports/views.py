"""Import pages: upload and templates, the dry-run preview with its progress bar, commit, error report."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from imports import selectors, services
from imports.columns import COLUMNS, SHEET_NAMES
from imports.forms import SizeLimitUploadHandler, UploadForm
from imports.models import BLOCKING_ROW_STATUSES, ImportKind, RowStatus
from imports.reading import ImportRefused, check_size, size_text
from imports.workbooks import error_report_workbook, template_workbook
from rotation_registry.common.formatting import format_number

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Room for the multipart envelope and the other fields around a file of the maximum size.
MULTIPART_ALLOWANCE = 64 * 1024
PAGE_SIZE = 100
TEMPLATE_FILES = {ImportKind.CADRES: "mau-nhap-can-bo", ImportKind.DECISIONS: "mau-nhap-quyet-dinh-luan-chuyen"}


def require_importer(user) -> None:
    if not user.can_edit_registry:
        raise PermissionDenied(_("Chỉ cán bộ Ban Tổ chức được nhập dữ liệu từ tệp vào sổ luân chuyển."))


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def _start_page(request, form: UploadForm, *, refused: str = "", status: int = 200):
    context = {
        "form": form,
        "refused": refused,
        "batches": selectors.batch_list_for_user(user=request.user),
        "kinds": [(kind, label, COLUMNS[kind], SHEET_NAMES[kind]) for kind, label in ImportKind.choices],
        "max_size": size_text(settings.IMPORT_MAX_BYTES),
        "threshold": format_number(services.ASYNC_ROW_THRESHOLD),
    }
    return render(request, "imports/start.html", context, status=status)


@csrf_exempt  # checked by _upload, once the size limit is in place and before the form is read
@login_required
def start(request):
    require_importer(request.user)
    if request.method != "POST":
        return _start_page(request, UploadForm())
    # Refuse an oversized upload from its declared length, before a byte of the body is read.
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > settings.IMPORT_MAX_BYTES + MULTIPART_ALLOWANCE:
        try:
            check_size(length - MULTIPART_ALLOWANCE)
        except ImportRefused as exc:
            return _start_page(request, UploadForm(), refused=exc.message, status=413)
    handler = SizeLimitUploadHandler(request, limit=settings.IMPORT_MAX_BYTES)
    request.upload_handlers.insert(0, handler)
    return _upload(request, handler)


@csrf_protect
def _upload(request, handler: SizeLimitUploadHandler):
    form = UploadForm(request.POST, request.FILES)
    if handler.too_large:
        refused = _("Tệp quá lớn; chỉ nhận tệp đến %(limit)s. Hãy chia thành nhiều tệp.") % {
            "limit": size_text(settings.IMPORT_MAX_BYTES)
        }
        return _start_page(request, UploadForm(), refused=refused, status=413)
    if not form.is_valid():
        return _start_page(request, form)
    upload = form.cleaned_data["file"]
    try:
        check_size(upload.size)  # again: a request without Content-Length is still held to the limit
        batch = services.batch_receive(
            actor=request.user, kind=form.cleaned_data["kind"], file_name=upload.name, data=upload.read()
        )
    except ImportRefused as exc:
        return _start_page(request, form, refused=exc.message)
    return redirect(batch)


@login_required
def template_download(request, kind: str):
    require_importer(request.user)
    if kind not in ImportKind.values:
        raise Http404(_("Không có mẫu này."))
    return _xlsx(template_workbook(kind), TEMPLATE_FILES[kind])


@login_required
def detail(request, pk: int):
    require_importer(request.user)
    batch = selectors.batch_get_for_user(user=request.user, pk=pk)
    show = request.GET.get("show") or ("problems" if batch.blocking_rows else "all")
    rows = batch.results
    if show == "problems":
        rows = [r for r in rows if r["status"] in BLOCKING_ROW_STATUSES]
    elif show in RowStatus.values:
        rows = [r for r in rows if r["status"] == show]
    try:
        page = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        page = 1
    pages = max(1, (len(rows) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(page, pages)
    counts = [(status, label, batch.summary.get(status, 0)) for status, label in RowStatus.choices]
    context = {
        "batch": batch,
        "rows": rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        "show": show,
        "page": page,
        "pages": pages,
        "shown": len(rows),
        "counts": counts,
        "labels": dict(RowStatus.choices),
    }
    return render(request, "imports/batch_detail.html", context)


@login_required
def progress(request, pk: int):
    require_importer(request.user)
    batch = selectors.batch_progress_for_user(user=request.user, pk=pk)
    if not batch.is_running:
        if request.htmx:
            return HttpResponseClientRefresh()
        return redirect(batch)
    return render(request, "imports/_progress.html", {"batch": batch})


@require_POST
@login_required
def commit(request, pk: int):
    require_importer(request.user)
    batch = selectors.batch_get_for_user(user=request.user, pk=pk, with_rows=True)
    try:
        batch = services.batch_request_commit(actor=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(batch)
    if batch.is_running:
        messages.info(request, _("Đang ghi vào sổ; trang sẽ tự cập nhật khi xong."))
    elif batch.status == "committed":
        messages.success(request, batch.message)
    else:
        messages.error(request, batch.message)
    return redirect(batch)


@login_required
def error_report(request, pk: int):
    require_importer(request.user)
    batch = selectors.batch_get_for_user(user=request.user, pk=pk, with_rows=True)
    if batch.is_running:
        raise Http404(_("Tệp đang được xử lý; báo cáo sẽ có khi xong."))
    return _xlsx(error_report_workbook(batch), f"bao-cao-kiem-tra-{batch.pk}")
