"""Checks on a decision's scanned copy: a PDF, not too large, recognised by its content, not its name."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

MAX_SCAN_BYTES = 20 * 1024 * 1024
PDF_SIGNATURE = b"%PDF-"


def validate_pdf_scan(upload) -> None:
    """Refuse anything that is not a PDF of at most MAX_SCAN_BYTES (the first bytes decide, not the name)."""
    if upload.size > MAX_SCAN_BYTES:
        raise ValidationError(
            _("Bản chụp quyết định quá lớn (%(size)s); tối đa %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(MAX_SCAN_BYTES)}
        )
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(position)
    if PDF_SIGNATURE not in head[:1024] or not upload.name.lower().endswith(".pdf"):
        raise ValidationError(_("Bản chụp quyết định phải là tệp PDF (đuôi .pdf, nội dung PDF)."))
