"""Plans: a provincial committee's plans in the test world, and helpers to read PDFs with poppler."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from plans import services
from plans.models import Plan
from tests.factories import CadreFactory, PositionTitleFactory, TermFactory

D = datetime.date

# Every Vietnamese letter with every tone: what a document must print and give back unchanged.
ALL_DIACRITICS = (
    "Ă Â Đ Ê Ô Ơ Ư ă â đ ê ô ơ ư "
    "à ả ã á ạ ằ ẳ ẵ ắ ặ ầ ẩ ẫ ấ ậ è ẻ ẽ é ẹ ề ể ễ ế ệ ì ỉ ĩ í ị "
    "ò ỏ õ ó ọ ồ ổ ỗ ố ộ ờ ở ỡ ớ ợ ù ủ ũ ú ụ ừ ử ữ ứ ự ỳ ỷ ỹ ý ỵ "
    "À Ả Ã Á Ạ Ằ Ẳ Ẵ Ắ Ặ Ầ Ẩ Ẫ Ấ Ậ È Ẻ Ẽ É Ẹ Ề Ể Ễ Ế Ệ Ì Ỉ Ĩ Í Ị "
    "Ò Ỏ Õ Ó Ọ Ồ Ổ Ỗ Ố Ộ Ờ Ở Ỡ Ớ Ợ Ù Ủ Ũ Ú Ụ Ừ Ử Ữ Ứ Ự Ỳ Ỷ Ỹ Ý Ỵ"
)
PARAGRAPH = (
    "Việc luân chuyển cán bộ phải căn cứ vào yêu cầu công tác, quy hoạch cán bộ, năng lực, sở trường, chiều "
    "hướng phát triển của cán bộ; tạo đồng thuận trong cấp ủy, tập thể lãnh đạo cơ quan, đơn vị; không gây sự "
    "xáo trộn lớn trong đơn vị nơi cán bộ luân chuyển đi và đến."
)


def plan_data(world, **overrides) -> dict:
    """A complete plan of the Tỉnh ủy Thử (issue-ready)."""
    data = {
        "symbol": "",
        "date": D(2017, 8, 23),
        "issuing_unit": world.provincial_committee,
        "title": "luân chuyển, đào tạo, bồi dưỡng cán bộ lãnh đạo, quản lý diện Ban Thường vụ Tỉnh ủy quản lý",
        **services.header_defaults(world.provincial_committee),
        "legal_bases": "Căn cứ Điều lệ Đảng\nCăn cứ Kết luận số 24-KL/TW, ngày 05/6/2012 của Bộ Chính trị",
        "preamble": "Ban Thường vụ Tỉnh ủy xây dựng Kế hoạch như sau:",
        "purpose_section": f"**1. Mục đích**\n{PARAGRAPH}\n**2. Yêu cầu**\n{ALL_DIACRITICS}",
        "content_section": "\n".join(f"{n}. {PARAGRAPH}" for n in range(1, 9)),
        "organisation_section": "Ban Tổ chức Tỉnh ủy chủ trì, *theo dõi*, đôn đốc thực hiện Kế hoạch.",
        "recipients": "Ban Tổ chức Trung ương (b/c)\nCác huyện ủy, Thành ủy\nLưu Văn phòng Tỉnh ủy",
        "signing_authority": "T/M BAN THƯỜNG VỤ",
        "signer_title": "BÍ THƯ",
        "signer_name": "Nguyễn Văn Thử",
    }
    data.update(overrides)
    return data


@pytest.fixture
def congress_terms(db):
    """The terms the catalogue migration creates (a transactional test elsewhere may have flushed them)."""
    return [
        TermFactory(name="2015–2020", start=D(2015, 10, 1), end=D(2020, 9, 30)),
        TermFactory(name="2020–2025", start=D(2020, 10, 1), end=D(2025, 9, 30)),
        TermFactory(name="2025–2030", start=D(2025, 10, 1), end=D(2030, 9, 30)),
    ]


@pytest.fixture
def make_plan(world, board_officer, congress_terms):
    def make(*, issue: bool = False, targets=(), entries=(), **overrides) -> Plan:
        plan = services.plan_create(
            actor=board_officer, data=plan_data(world, **overrides), targets=targets, entries=entries
        )
        if issue:
            plan = services.plan_issue(actor=board_officer, plan=plan, version=services.plan_version(plan))
        return plan

    return make


@pytest.fixture
def title_bi_thu(db):
    return PositionTitleFactory(name="Bí thư")


@pytest.fixture
def two_cadres(world):
    return [
        CadreFactory(full_name="Nông Minh Cường", unit=world.district_a_department),
        CadreFactory(full_name="Lý Hoàng Long", unit=world.district_a_department),
    ]


# --- Reading PDFs with poppler-utils ---


def poppler(*args: str) -> str:
    tool = shutil.which(args[0])
    if tool is None:
        pytest.fail(f"{args[0]} is missing: run scripts/ensure-system-packages.sh (poppler-utils)")
    return subprocess.run([tool, *args[1:]], check=True, capture_output=True, text=True, timeout=60).stdout


def write_pdf(tmp_path: Path, pdf: bytes, name: str = "document.pdf") -> Path:
    assert pdf.startswith(b"%PDF")
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def pdf_text(path: Path, *, first: int | None = None, last: int | None = None, layout: bool = False) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if layout:
        args.append("-layout")
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    return poppler(*args, str(path), "-")


def words(text: str) -> str:
    """Whitespace collapsed: justified lines and line breaks do not change the words."""
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Word:
    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float

    @property
    def height(self) -> float:
        return self.y_max - self.y_min

    @property
    def x_centre(self) -> float:
        return (self.x_min + self.x_max) / 2


@dataclass
class Page:
    width: float
    height: float
    words: list[Word]

    def find(self, phrase: str) -> list[Word]:
        """The words of the first occurrence of `phrase` (consecutive words), or []."""
        parts = phrase.split()
        texts = [w.text for w in self.words]
        for start in range(len(texts) - len(parts) + 1):
            if texts[start : start + len(parts)] == parts:
                return self.words[start : start + len(parts)]
        return []


def bbox_pages(path: Path) -> list[Page]:
    """Every page's size and words with their boxes (pdftotext -bbox-layout; points, origin top left)."""
    import html

    output = poppler("pdftotext", "-bbox-layout", str(path), "-")
    pages = []
    for page_match in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', output, re.DOTALL):
        found = [
            Word(html.unescape(m[5]), float(m[1]), float(m[2]), float(m[3]), float(m[4]))
            for m in re.finditer(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', page_match[3]
            )
        ]
        pages.append(Page(float(page_match[1]), float(page_match[2]), found))
    return pages


def font_runs(path: Path, page: int) -> list[tuple[str, float, bool]]:
    """(text, font size in pt, bold) of each text run on a page (pdftohtml -xml at zoom 1)."""
    import html

    output = poppler("pdftohtml", "-xml", "-i", "-zoom", "1", "-stdout", "-f", str(page), "-l", str(page), str(path))
    sizes = {m[1]: float(m[2]) for m in re.finditer(r'<fontspec id="(\d+)" size="([\d.]+)"', output)}
    runs = []
    for m in re.finditer(r'<text [^>]*font="(\d+)"[^>]*>(.*?)</text>', output):
        inner = m[2]
        runs.append((html.unescape(re.sub(r"<[^>]+>", "", inner)), sizes[m[1]], "<b>" in inner))
    return runs


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


MM = 72 / 25.4
