"""A plan as a Party document (PDF): the values the document template prints, and the rendering.

The layout and its safety (fetcher, limits) are the shared plumbing of rotation_registry.common.pdf;
this module only says what a Kế hoạch prints: header, I- II- III- sections, recipients, signing block,
and two landscape annexes (targets, the cadres planned for rotation).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import translation

from plans.models import Plan, PlanEntry, PlanTarget
from rotation_registry.common.formatting import document_date_line, format_date
from rotation_registry.common.pdf import (
    DOCUMENT_BASE_URL,
    SUBJECT_WIDTH,
    balanced_lines,
    document_lines,
    render_pdf,
    sanitize_document_html,
)

SECTION_HEADINGS = (
    ("purpose_section", "I- MỤC ĐÍCH, YÊU CẦU"),
    ("content_section", "II- NỘI DUNG"),
    ("organisation_section", "III- TỔ CHỨC THỰC HIỆN"),
)
ROMAN = ("I", "II", "III", "IV", "V")


@dataclass
class Section:
    heading: str
    html: str


@dataclass
class DocumentValues:
    """What base_document.html prints (the same names serve the reports' documents later)."""

    type_name: str
    symbol: str
    issuing_body: str
    superior_body: str
    date_line: str
    date_short: str
    subject: str
    is_draft: bool
    recipients: list[str]
    signing_authority: str
    signer_title: str
    signer_name: str
    issuer_name: str = ""
    legal_bases: list[str] = field(default_factory=list)
    preamble: str = ""
    sections: list[Section] = field(default_factory=list)
    annex_numbers: dict[str, str] = field(default_factory=dict)
    subject_lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.subject_lines and self.subject:
            self.subject_lines = balanced_lines(self.subject, width=SUBJECT_WIDTH)


def plan_document_values(plan: Plan, *, has_targets: bool, has_entries: bool) -> DocumentValues:
    annexes = [name for name, present in (("targets", has_targets), ("entries", has_entries)) if present]
    return DocumentValues(
        type_name="KẾ HOẠCH",
        symbol=plan.symbol,
        issuing_body=plan.issuing_body or plan.issuing_unit.name,
        superior_body=plan.superior_body,
        date_line=document_date_line(plan.place or plan.issuing_unit.name, plan.date),
        date_short=format_date(plan.date),
        subject=plan.title,
        is_draft=plan.is_draft,
        recipients=document_lines(plan.recipients, separator=",", last="."),
        signing_authority=plan.signing_authority,
        signer_title=plan.signer_title,
        signer_name=plan.signer_name,
        issuer_name=plan.issuing_unit.name,
        legal_bases=document_lines(plan.legal_bases, separator=";", last="," if plan.preamble.strip() else "."),
        preamble=plan.preamble.strip(),
        # Sanitised again on the way out: a value written around the services (admin, SQL) is safe too.
        sections=[Section(heading, sanitize_document_html(getattr(plan, name))) for name, heading in SECTION_HEADINGS],
        annex_numbers={name: ROMAN[index] for index, name in enumerate(annexes)},
    )


def plan_document_html(plan: Plan) -> str:
    """The plan's document as HTML (what render_pdf turns into the PDF)."""
    targets = list(PlanTarget.objects.filter(plan=plan).select_related("dest_unit", "dest_title").order_by("id"))
    entries = list(
        PlanEntry.objects.filter(plan=plan).select_related("cadre", "dest_unit", "dest_title").order_by("id")
    )
    values = plan_document_values(plan, has_targets=bool(targets), has_entries=bool(entries))
    with translation.override("vi"):  # an official document reads the same whatever the interface language
        return render_to_string("plans/plan_document.html", {"doc": values, "targets": targets, "entries": entries})


# A plan is a few pages: rendered in the request, under this limit (docs/documents.md).
PLAN_PDF_TIME_LIMIT = 15.0


def plan_pdf(plan: Plan) -> bytes:
    """The plan as PDF bytes; DocumentRefused (with a Vietnamese message) when over a limit."""
    return render_pdf(plan_document_html(plan), base_url=DOCUMENT_BASE_URL, time_limit=PLAN_PDF_TIME_LIMIT)


def plan_pdf_filename(plan: Plan) -> str:
    """'ke-hoach-42-KH-TU.pdf' (ASCII: the number's Đ becomes D), '-du-thao' for a draft."""
    from rotation_registry.common.vietnamese import search_key

    number = search_key(plan.symbol).replace("/", "-").replace(" ", "")
    return f"ke-hoach-{number.upper()}{'-du-thao' if plan.is_draft else ''}.pdf"
