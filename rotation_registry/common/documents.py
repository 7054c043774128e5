"""Numbered Party documents (quyết định, kế hoạch, báo cáo): the number syntax and its uniqueness."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Cast
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from rotation_registry.common.choices import QuickChoiceLabels

# <number>-<type>/<issuer>, e.g. 42-KH/TU, 125-QĐ/TU, 05-QĐ/BTCTU, 12-QĐ/ThU (HD 36-HD/VPTW practice;
# numbers below 10 are zero-padded, so at least two digits).
DOCUMENT_TYPES = (
    "NQ",
    "QĐ",
    "QĐi",
    "CT",
    "KL",
    "QC",
    "TT",
    "HD",
    "TB",
    "BC",
    "KH",
    "CTr",
    "ĐA",
    "PA",
    "TTr",
    "CV",
    "BB",
    "BS",
)
DOCUMENT_NUMBER_PATTERN = r"^[0-9]{2,}-(" + "|".join(DOCUMENT_TYPES) + r")/[A-ZĐ][A-Za-zĐđ-]*$"
DOCUMENT_NUMBER_MESSAGE = format_lazy(
    _(
        "Số, ký hiệu phải có dạng <số>-<loại văn bản>/<cơ quan ban hành>, ví dụ 42-KH/TU hoặc 125-QĐ/TU "
        "(số có ít nhất 2 chữ số; loại văn bản: {types})."
    ),
    types=", ".join(DOCUMENT_TYPES),
)


def _regex_part(pattern: str) -> Func:
    return Func(F("symbol"), Value(pattern), function="substring")


class NumberedDocument(QuickChoiceLabels, models.Model):
    """A document whose number is unique per issuer, type and congress term (numbering restarts after a congress).

    Subclasses define `issuing_unit`. The issuer is the body, not its abbreviation: every
    Huyện ủy signs "/HU", and each numbers its own documents.
    """

    symbol = models.CharField(_("số, ký hiệu"), max_length=40, help_text=_("Ví dụ: 125-QĐ/TU, 42-KH/TU"))
    # Parsed by the database from the symbol, so they can never disagree with it.
    number = models.GeneratedField(
        expression=Cast(_regex_part(r"^([0-9]+)-"), models.IntegerField()),
        output_field=models.IntegerField(),
        db_persist=True,
        verbose_name=_("số"),
    )
    doc_type = models.GeneratedField(
        expression=_regex_part(r"^[0-9]+-([^/]+)/"),
        output_field=models.CharField(max_length=8),
        db_persist=True,
        verbose_name=_("loại văn bản"),
    )
    issuer_code = models.GeneratedField(
        expression=_regex_part(r"/(.+)$"),
        output_field=models.CharField(max_length=20),
        db_persist=True,
        verbose_name=_("ký hiệu cơ quan"),
    )
    date = models.DateField(_("ngày ban hành"))
    congress_term = models.ForeignKey(
        "units.Term", verbose_name=_("nhiệm kỳ"), on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(symbol__regex=DOCUMENT_NUMBER_PATTERN),
                name="%(app_label)s_%(class)s_symbol_format",
                violation_error_message=DOCUMENT_NUMBER_MESSAGE,
            ),
            models.UniqueConstraint(
                fields=["issuing_unit", "doc_type", "number", "congress_term"],
                name="%(app_label)s_%(class)s_number_unique_per_term",
                violation_error_message=(
                    _("Số, ký hiệu này đã được dùng cho văn bản khác của cùng cơ quan trong nhiệm kỳ.")
                ),
            ),
        ]

    def save(self, *args, **kwargs) -> None:
        from units.models import Term

        self.symbol = clean_symbol(self.symbol)
        term = Term.congress_term_on(self.date) if self.date else None
        if term is not None:
            self.congress_term = term
        super().save(*args, **kwargs)


def clean_symbol(symbol: str | None) -> str:
    """'Số 42-KH/TU' and ' 42-KH/TU ' are the same number: store '42-KH/TU'."""
    return (symbol or "").strip().removeprefix("Số").strip()
