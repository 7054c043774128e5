"""Party documents as PDF (Hướng dẫn 36-HD/VPTW layout), rendered with WeasyPrint — shared by every document.

`render_pdf(html, base_url=DOCUMENT_BASE_URL)` turns a rendered document template (one extending
templates/documents/base_document.html) into PDF bytes. What it guarantees, whoever calls it
(docs/documents.md says why):

* **Nothing is fetched but the project's own static files.** `StaticOnlyFetcher` answers `data:`
  URIs and URLs under `<base_url><STATIC_URL>`, which it resolves with django.contrib.staticfiles'
  finders (the file must be one of the project's static files); everything else — `file://`,
  `http(s)://` anywhere else, redirects, `..` — is refused and logged. No network, no local files.
* **No attachments**: `<link rel="attachment">` and `<a rel="attachment">` would embed a file;
  they cannot come from user text (escaped by the templates), and the renderer drops them anyway.
* **Limits**: more than MAX_TABLE_ROWS table rows is refused before layout, more than MAX_PAGES
  pages after layout, and a render running longer than the time limit is stopped (SIGALRM, when
  rendering on the main thread: gunicorn's sync workers and Celery's prefork children both do).
  Each refusal is a `DocumentRefused` carrying a Vietnamese message that offers the XLSX instead.

The formatted sections of a document (plans' I-, II-, III-) come from users: `sanitize_document_html`
keeps paragraphs, line breaks, bold, italic and lists, and strips everything else; it is the only
user text a document template may mark `|safe`.
"""

from __future__ import annotations

import html as html_lib
import logging
import mimetypes
import re
import signal
import threading
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import DataHandler, Request

import nh3
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.translation import gettext as _

# WeasyPrint reports each rendering step at INFO ("Step 5 - Creating layout - Page 3"), from its import on:
# noise in the logs. Set before the import, which already parses its own style sheets.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from weasyprint import HTML  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

logger = logging.getLogger(__name__)

# A host that can never resolve (RFC 2606 reserves .invalid): relative URLs in a document join onto it,
# and only the fetcher below ever reads them, without any network.
DOCUMENT_BASE_URL = "https://rotation-registry.invalid/"
MAX_PAGES = 200
MAX_TABLE_ROWS = 5_000
# A plan is at most a few pages and renders in well under 2 s; 20 s means something is wrong (a
# runaway table). The summary and Biểu 11 documents render in Celery jobs with their own limits.
DEFAULT_TIME_LIMIT = 20.0


class DocumentRefused(Exception):
    """The document was not rendered: too many pages or rows, or too slow. `message` is for the user."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class _RenderTimeout(BaseException):
    # BaseException: WeasyPrint catches Exception around resource loading; this must reach render_pdf.
    pass


# --- The URL fetcher ---


_static_cache: dict[str, tuple[float, bytes]] = {}
_static_cache_lock = threading.Lock()


def _read_static(path: str) -> bytes:
    """A static file's bytes, kept in memory while unchanged (fonts are read for every document)."""
    mtime = Path(path).stat().st_mtime
    with _static_cache_lock:
        cached = _static_cache.get(path)
        if cached is not None and cached[0] == mtime:
            return cached[1]
    data = Path(path).read_bytes()
    with _static_cache_lock:
        _static_cache[path] = (mtime, data)
    return data


class StaticOnlyFetcher(URLFetcher):
    """Serves `data:` URIs and the project's static files under `<base_url><STATIC_URL>`; refuses the rest.

    It never opens a connection, follows a redirect or reads a file the staticfiles finders do not
    list. A refusal is logged (logger rotation_registry.common.pdf) and WeasyPrint leaves the
    resource out, as it does for a missing image.
    """

    def __init__(self, base_url: str = DOCUMENT_BASE_URL) -> None:
        super().__init__(timeout=1, allowed_protocols=("data", "https"), allow_redirects=False)
        static_url = settings.STATIC_URL or "/static/"
        static_path = urlsplit(static_url).path if "://" in static_url else "/" + static_url.lstrip("/")
        base = urlsplit(base_url)
        self.static_prefix = f"{base.scheme}://{base.netloc}{static_path}"
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith("data:"):
            response = DataHandler().data_open(Request(url))
            return URLFetcherResponse(url, response.read(), {"Content-Type": response.headers["Content-Type"]})
        name = self._static_name(url)
        path = finders.find(name) if name else None
        if not path or not Path(path).is_file():
            return self._refuse(url)
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, _read_static(path), {"Content-Type": content_type})

    def _static_name(self, url: str) -> str | None:
        """The static file's name ('css/party-document.css') if `url` points under the static prefix."""
        if not url.startswith(self.static_prefix):
            return None
        name = unquote(urlsplit(url).path[len(urlsplit(self.static_prefix).path) :])
        parts = name.split("/")
        if not name or "\\" in name or "\x00" in name or any(part in ("", ".", "..") for part in parts):
            return None
        return name

    def _refuse(self, url: str):
        self.refused.append(url)
        logger.warning("Tài liệu PDF: từ chối tải %s (chỉ được dùng tệp tĩnh của hệ thống).", url[:200])
        raise ValueError(f"Refused by the document URL fetcher: {url[:200]}")

    def open(self, url, data=None, timeout=None):  # pragma: no cover - WeasyPrint calls fetch(); be sure
        return self.fetch(url.full_url if isinstance(url, Request) else url)


# --- Limits ---


@contextmanager
def _time_limit(seconds: float | None):
    """Interrupt the block after `seconds` (SIGALRM), when running on the main thread; else no limit.

    Off the main thread (the development server's threads) only the row and page limits apply.
    """
    usable = seconds and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def expire(signum, frame):
        # Raised wherever the render is. If that is a finaliser (__del__), Python ignores the exception:
        # the timer is re-armed, so the next tick raises it again until it reaches render_pdf.
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        raise _RenderTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _too_large(what: str) -> str:
    return _(
        "Tài liệu quá lớn để xuất PDF (%(what)s). Hãy lọc bớt, hoặc xuất danh sách ra Excel (.xlsx) thay cho PDF."
    ) % {"what": what}


def count_table_rows(html: str) -> int:
    # User text reaches the HTML escaped, so every "<tr" is a row of a template's table.
    return len(re.findall(r"<tr[\s>]", html, flags=re.IGNORECASE))


# --- Rendering ---


def render_pdf(
    html: str,
    *,
    base_url: str = DOCUMENT_BASE_URL,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    max_pages: int = MAX_PAGES,
    max_rows: int = MAX_TABLE_ROWS,
) -> bytes:
    """The PDF of a rendered document template; DocumentRefused when over a limit (see the module docstring)."""
    rows = count_table_rows(html)
    if rows > max_rows:
        raise DocumentRefused(
            _too_large(_("%(rows)s dòng bảng; tối đa %(limit)s") % {"rows": rows, "limit": max_rows}), code="rows"
        )
    fetcher = StaticOnlyFetcher(base_url)
    started = time.perf_counter()
    try:
        with _time_limit(time_limit):
            document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render()
            if len(document.pages) > max_pages:
                raise DocumentRefused(
                    _too_large(
                        _("%(pages)s trang; tối đa %(limit)s") % {"pages": len(document.pages), "limit": max_pages}
                    ),
                    code="pages",
                )
            # No embedded files, whatever the HTML says (user text cannot carry such links: it is escaped).
            document.metadata.attachments = []
            for page in document.pages:
                page.links = [link for link in page.links if link[0] != "attachment"]
            pdf = document.write_pdf(attachments=None)
    except _RenderTimeout:
        logger.warning(
            "Tài liệu PDF: dừng sau %.1f giây (giới hạn %s giây).", time.perf_counter() - started, time_limit
        )
        raise DocumentRefused(
            _(
                "Tài liệu dựng quá %(seconds)s giây nên đã dừng. Hãy thử lại sau ít phút, "
                "hoặc xuất danh sách ra Excel (.xlsx) thay cho PDF."
            )
            % {"seconds": f"{time_limit:g}"},
            code="time",
        ) from None
    return pdf


# --- Formatted text of the documents' sections ---

# Paragraphs, line breaks, bold, italic and lists: what a Party document's body uses, plus h3 for an item's
# heading ("1. Mục đích": a line typed all bold), kept on the page of what follows it. No attributes.
ALLOWED_TAGS = {"p", "br", "strong", "b", "em", "i", "ol", "ul", "li", "h3"}
# A tag as HTML writes it: no space after "<" (so "a < b" stays text), no "<" before its ">".
_TAG = re.compile(r"</?(p|br|strong|b|em|i|ol|ul|li|h3)\b[^<>]*>", re.IGNORECASE)
_ALL_BOLD = re.compile(r"^\*\*(?=\S)([^*]+?)(?<=\S)\*\*$")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])")


def sanitize_document_html(value: str) -> str:
    """Keep only ALLOWED_TAGS, without attributes; scripts and styles go with their content."""
    cleaned = nh3.clean(
        value or "",
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "template", "title", "textarea", "noscript"},
        attributes={},
        link_rel=None,
        url_schemes=set(),
        strip_comments=True,
    )
    return cleaned.strip()


def text_to_document_html(text: str) -> str:
    """What a user typed in a section box, as the sanitised HTML stored for it.

    Typed as HTML (it contains one of the allowed tags): sanitised as it is. Otherwise plain text:
    each non-empty line is a paragraph, `**bold**` and `*italic*` mark bold and italic, a line all
    in bold is an item's heading (h3), and everything else — `<`, `&`, a pasted `<img …>` — is
    text, escaped, printed as typed.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    if _TAG.search(text):
        return sanitize_document_html(text)
    paragraphs = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        escaped = html_lib.escape(line, quote=False)
        heading = _ALL_BOLD.match(escaped)
        if heading:
            paragraphs.append(f"<h3>{heading[1]}</h3>")
            continue
        escaped = _BOLD.sub(r"<strong>\1</strong>", escaped)
        escaped = _ITALIC.sub(r"<em>\1</em>", escaped)
        paragraphs.append(f"<p>{escaped}</p>")
    return sanitize_document_html("".join(paragraphs))


_SIMPLE = re.compile(r"^(?:<p>(?:[^<]|<(?:/?(?:strong|em|b|i))>)*</p>|<h3>[^<]*</h3>)*$")


def document_html_to_text(value: str) -> str:
    """The stored HTML back in the form a user types (for the edit form), when that loses nothing.

    Paragraphs with bold and italic become lines with ** and *, headings lines all in bold; anything
    richer (lists, line breaks) is shown as the HTML itself, which the form accepts as well.
    """
    value = (value or "").strip()
    if not value or not _SIMPLE.match(value):
        return value
    lines = []
    for tag, paragraph in re.findall(r"<(p|h3)>(.*?)</(?:p|h3)>", value, flags=re.DOTALL):
        if tag == "h3":
            lines.append(f"**{html_lib.unescape(paragraph)}**")
            continue
        paragraph = re.sub(r"</?(strong|b)>", "**", paragraph)
        paragraph = re.sub(r"</?(em|i)>", "*", paragraph)
        lines.append(html_lib.unescape(paragraph))
    return "\n".join(lines)


def plain_text(value: str) -> str:
    """The words of sanitised HTML, for lists and searches."""
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", value or ""))).strip()


# --- Balanced lines (the subject line under the document's type) ---


@lru_cache(maxsize=4)
def _advances(font_name: str) -> tuple[dict[int, int], int]:
    """(advance width per code point, units per em) of one of the static fonts."""
    from fontTools.ttLib import TTFont

    font = TTFont(finders.find(f"fonts/{font_name}"), lazy=True)
    metrics, cmap = font["hmtx"].metrics, font.getBestCmap()
    return {code: metrics[glyph][0] for code, glyph in cmap.items()}, font["head"].unitsPerEm


def text_width(text: str, *, font_name: str = "LiberationSerif-Bold.ttf", size: float = 14) -> float:
    """The width of `text` in points, from the font's advance widths (no kerning: a close estimate)."""
    advances, units = _advances(font_name)
    default = advances.get(ord("n"), units // 2)
    return sum(advances.get(ord(char), default) for char in text) * size / units


MM = 72 / 25.4
# The subject line's measure: the A4 text block (210 − 30 − 15 mm) less .doc-subject's side margins
# (2 × 8 mm) and 2 mm of slack for kerning, in points (static/css/party-document.css).
SUBJECT_WIDTH = (210 - 30 - 15 - 2 * 8 - 2) * MM
# Words that open a phrase: a line break just before one reads naturally ("… quản lý / diện Ban Thường vụ …").
PHRASE_STARTS = {"về", "của", "diện", "đến", "trong", "theo", "tại", "giai", "nhiệm", "và", "cho", "đối", "nhằm", "để"}


def balanced_lines(
    text: str, *, width: float, font_name: str = "LiberationSerif-Bold.ttf", size: float = 14
) -> list[str]:
    """`text` cut into as few lines as fit in `width` points, of even lengths, at phrase boundaries.

    A typesetter breaks a centred subject line so its lines are about equal, where a phrase ends:
    "…, quản lý / diện Ban Thường vụ …", not a full line and a stub, nor "Ban / Thường vụ". The lines
    minimise the longest one, where a line ending before a phrase-opening word or after a comma
    counts as shorter than it is (so such a break wins over a slightly more even one).
    """
    words = text.split()
    if not words or text_width(text, font_name=font_name, size=size) <= width:
        return [" ".join(words)]
    space = text_width(" ", font_name=font_name, size=size)
    widths = [text_width(word, font_name=font_name, size=size) for word in words]
    count = len(words)

    def span(i: int, j: int) -> float:  # words[i:j] on one line
        return sum(widths[i:j]) + space * (j - i - 1)

    def cost(i: int, j: int) -> float:
        if j == count:
            return span(i, j)
        bonus = 0.12 if words[j].lower() in PHRASE_STARTS else 0.08 if words[j - 1].endswith((",", ";")) else 0
        return span(i, j) - bonus * width

    inf = float("inf")
    for lines in range(2, count + 1):
        # best[k][j]: the smallest longest-line cost of words[:j] on k lines; cut[k][j]: where line k starts.
        best = [[inf] * (count + 1) for _ in range(lines + 1)]
        cut = [[0] * (count + 1) for _ in range(lines + 1)]
        best[0][0] = 0.0
        for k in range(1, lines + 1):
            for j in range(1, count + 1):
                for i in range(k - 1, j):
                    if best[k - 1][i] == inf or span(i, j) > width:
                        continue
                    value = max(best[k - 1][i], cost(i, j))
                    if value < best[k][j]:
                        best[k][j], cut[k][j] = value, i
        if best[lines][count] < inf:
            result, j = [], count
            for k in range(lines, 0, -1):
                result.append(" ".join(words[cut[k][j] : j]))
                j = cut[k][j]
            return result[::-1]
    return [" ".join(words)]  # a word wider than the line: let the renderer wrap it


# --- Lines of the document (legal bases, recipients) ---

_LEADING_MARK = re.compile(r"^[\s\-–—•+*]+")


def document_lines(text: str, *, separator: str, last: str) -> list[str]:
    """Lines typed one per row, in document form: '- <text><separator>', the last ending with `last`.

    Whatever dash or punctuation the user typed at the ends is replaced, so every line reads the
    same: legal bases end with ';' (the last with ','), recipients with ',' (the last with '.').
    """
    items = []
    for raw in (text or "").replace("\r", "\n").split("\n"):
        line = _LEADING_MARK.sub("", raw).strip().rstrip(",;.").strip()
        if line:
            items.append(line)
    return [f"- {item}{last if index == len(items) - 1 else separator}" for index, item in enumerate(items)]
