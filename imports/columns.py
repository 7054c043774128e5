"""The columns of each import kind: Vietnamese headers, what they mean, and how a cell is read.

One list per kind drives everything: the template (headers, instructions sheet, drop-down lists),
header recognition on upload, cell parsing and the column named in each message. Headers are
recognised without accents and case ("Ngay sinh" is "Ngày sinh"); a trailing "*" is ignored.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from functools import cached_property

from django.utils import translation

from cadres.models import ManagementCategory, PoliticalTheory, ProfessionalLevel, Sex, StateManagement
from imports.models import ImportKind
from postings.models import PostingKind, PostingOutcome, PostingPurpose
from rotation_registry.common.vietnamese import normalize_text, search_key

DATE_FORMAT_TEXT = "ngày/tháng/năm, ví dụ 12/04/1978"


def _vietnamese(label) -> str:
    """A choice's label as the files write it: import files are Vietnamese whatever the page's language."""
    with translation.override("vi"):
        return str(label)


class CellError(ValueError):
    """A cell that cannot be read; the message says what to write instead."""


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    meaning: str
    kind: str = "text"  # text, date, choice, int, yesno, codes
    required: bool = False
    example_format: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (value, label shown in the template)
    aliases: tuple[str, ...] = ()  # other headers accepted for this column
    synonyms: dict[str, str] = field(default_factory=dict)  # other texts accepted for a choice value
    width: int = 18

    @property
    def labels(self) -> list[str]:
        return [_vietnamese(label) for _, label in self.choices]

    def format_text(self) -> str:
        if self.example_format:
            return self.example_format
        if self.kind == "date":
            return DATE_FORMAT_TEXT
        if self.kind == "choice":
            return "Một trong: " + "; ".join(self.labels)
        if self.kind == "yesno":
            return "Có hoặc Không"
        return "Chữ"

    def parse(self, raw: str | None):
        """The typed value of a cell (None when empty), or CellError with a Vietnamese message."""
        text = normalize_text(raw or "")
        if not text:
            return None
        if self.kind == "date":
            return parse_date(text)
        if self.kind == "int":
            return parse_positive_int(text)
        if self.kind == "yesno":
            return parse_yes_no(text)
        if self.kind == "choice":
            return self.parse_choice(text)
        if self.kind == "codes":
            return [code.strip().upper() for code in re.split(r"[,;\s]+", text) if code.strip()]
        return text

    @cached_property
    def choice_keys(self) -> dict[str, str]:
        """Accepted texts (without accents or case) -> stored value."""
        keys = {search_key(synonym): value for synonym, value in self.synonyms.items()}
        for value, label in self.choices:
            keys[search_key(value)] = value
            keys[search_key(_vietnamese(label))] = value
        return keys

    def parse_choice(self, text: str) -> str:
        value = self.choice_keys.get(search_key(text))
        if value is not None:
            return value
        raise CellError(f"“{text}” không có trong danh sách; ghi một trong: {'; '.join(self.labels)}.")


_DATE_PATTERNS = (
    re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$"),  # 12/04/1978, 12-4-1978, 12.04.1978
)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_date(text: str) -> datetime.date:
    """dd/mm/yyyy (also with - or .), or yyyy-mm-dd as some programs write; never a two-digit year."""
    text = text.removesuffix(" 00:00:00")
    day = month = year = None
    match = _DATE_PATTERNS[0].match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
    else:
        match = _ISO_DATE.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
    if day is None:
        raise CellError(f"“{text}” không đúng dạng ngày; ghi theo dạng {DATE_FORMAT_TEXT}.")
    try:
        return datetime.date(year, month, day)
    except ValueError as exc:
        raise CellError(f"“{text}” không phải ngày có thật; ghi theo dạng {DATE_FORMAT_TEXT}.") from exc


def parse_positive_int(text: str) -> int:
    cleaned = text.replace(" ", "")
    if not cleaned.isdigit() or int(cleaned) == 0:
        raise CellError(f"“{text}” không phải số nguyên dương (ví dụ 36).")
    return int(cleaned)


_YES = {"co", "x", "yes", "true", "1", "kiem nhiem"}
_NO = {"khong", "no", "false", "0"}


def parse_yes_no(text: str) -> bool:
    key = search_key(text)
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise CellError(f"“{text}” không hợp lệ; ghi “Có” hoặc “Không”.")


def _choices(enum) -> tuple[tuple[str, str], ...]:
    return tuple((value, label) for value, label in enum.choices if value)


# --- Cadres ---

CADRE_COLUMNS: list[Column] = [
    Column(
        "personal_id",
        "Mã cán bộ",
        "Mã định danh cán bộ trong tỉnh (không phải số CCCD). Khi có mã, dòng được đối chiếu theo mã; "
        "khi để trống, đối chiếu theo họ và tên cùng ngày sinh.",
        example_format="Chữ và số, ví dụ LS-00001",
        aliases=("Mã định danh",),
        width=12,
    ),
    Column("full_name", "Họ và tên", "Họ, chữ đệm và tên khai sinh.", required=True, width=24),
    Column("date_of_birth", "Ngày sinh", "Ngày, tháng, năm sinh.", kind="date", required=True, width=12),
    Column(
        "sex",
        "Giới tính",
        "Giới tính.",
        kind="choice",
        required=True,
        choices=_choices(Sex),
        synonyms={"nu": Sex.FEMALE, "nam": Sex.MALE},
        width=10,
    ),
    Column("ethnicity", "Dân tộc", "Dân tộc; để trống khi thêm mới thì ghi là Kinh.", width=10),
    Column("religion", "Tôn giáo", "Tôn giáo; để trống nếu không theo tôn giáo.", width=12),
    Column("other_names", "Tên gọi khác", "Tên gọi khác (nếu có).", width=14),
    Column("birthplace", "Nơi sinh", "Nơi sinh như khai trong lý lịch (chữ).", width=22),
    Column("home_town", "Quê quán", "Quê quán như khai trong lý lịch (chữ).", width=22),
    Column(
        "professional_level",
        "Trình độ chuyên môn",
        "Trình độ chuyên môn cao nhất.",
        kind="choice",
        choices=_choices(ProfessionalLevel),
        synonyms={"cu nhan": ProfessionalLevel.DAI_HOC, "ky su": ProfessionalLevel.DAI_HOC, "chua qua dao tao": ""},
        width=14,
    ),
    Column("professional_field", "Chuyên ngành", "Chuyên ngành đào tạo.", width=16),
    Column(
        "political_theory",
        "Lý luận chính trị",
        "Trình độ lý luận chính trị.",
        kind="choice",
        choices=_choices(PoliticalTheory),
        synonyms={"chua qua dao tao": ""},
        width=14,
    ),
    Column(
        "state_management",
        "Quản lý nhà nước",
        "Ngạch bồi dưỡng quản lý nhà nước.",
        kind="choice",
        choices=_choices(StateManagement),
        synonyms={
            "cv": StateManagement.CHUYEN_VIEN,
            "cvc": StateManagement.CHUYEN_VIEN_CHINH,
            "chua qua boi duong": "",
        },
        width=16,
    ),
    Column("party_entry_date", "Ngày vào Đảng", "Ngày vào Đảng (nếu là đảng viên).", kind="date", width=12),
    Column(
        "management_category",
        "Diện quản lý",
        "Cấp ủy quản lý cán bộ.",
        kind="choice",
        choices=_choices(ManagementCategory),
        synonyms={
            "tw": ManagementCategory.TW,
            "trung uong": ManagementCategory.TW,
            "btv tinh uy": ManagementCategory.BTV_TU,
            "btv huyen uy": ManagementCategory.BTV_HU,
            "btv dang uy": ManagementCategory.BTV_DU,
        },
        example_format="TW; BTV Tỉnh ủy; BTV Huyện ủy; BTV Đảng ủy (hoặc ghi đầy đủ)",
        width=16,
    ),
    Column(
        "unit",
        "Đơn vị công tác",
        "Đơn vị công tác hiện nay, ghi đúng tên trong danh mục đơn vị. Khi nhiều đơn vị trùng tên, ghi "
        "thêm đơn vị cấp trên sau dấu phẩy, ví dụ “Xã Chi Lăng, Huyện Tràng Định”.",
        example_format="Tên đơn vị[, đơn vị cấp trên]",
        width=30,
    ),
]

# --- Decisions with their postings (one row per posting; the decision columns repeat) ---

DECISION_COLUMNS: list[Column] = [
    Column(
        "symbol",
        "Số, ký hiệu",
        "Số và ký hiệu của quyết định. Các dòng cùng cơ quan ban hành, cùng số, ký hiệu và ngày ký "
        "thuộc một quyết định.",
        required=True,
        example_format="<số>-QĐ/<cơ quan>, ví dụ 16-QĐ/HU",
        aliases=("Số quyết định", "Số ký hiệu quyết định", "Số, ký hiệu quyết định"),
        width=12,
    ),
    Column("date", "Ngày ký", "Ngày ký quyết định.", kind="date", required=True, width=12),
    Column(
        "issuing_unit",
        "Cơ quan ban hành",
        "Cơ quan ban hành quyết định, đúng tên trong danh mục đơn vị và còn hiệu lực vào ngày ký.",
        required=True,
        example_format="Ví dụ Huyện ủy Lộc Bình",
        width=22,
    ),
    Column("summary", "Trích yếu", "Trích yếu của quyết định.", width=28),
    Column("signer", "Người ký", "Họ và tên người ký.", width=18),
    Column("signer_title", "Chức vụ người ký", "Ví dụ “T/M BAN THƯỜNG VỤ”.", width=18),
    Column(
        "personal_id",
        "Mã cán bộ",
        "Mã cán bộ trong sổ. Khi có mã, cán bộ được tìm theo mã (họ tên và ngày sinh phải khớp); khi "
        "để trống, tìm theo họ và tên cùng ngày sinh. Cán bộ phải có sẵn trong sổ.",
        aliases=("Mã định danh",),
        width=12,
    ),
    Column("full_name", "Họ và tên", "Họ và tên cán bộ được luân chuyển, bố trí.", required=True, width=24),
    Column("date_of_birth", "Ngày sinh", "Ngày sinh của cán bộ.", kind="date", required=True, width=12),
    Column(
        "kind",
        "Hình thức",
        "Hình thức; để trống là Luân chuyển.",
        kind="choice",
        choices=_choices(PostingKind),
        width=12,
    ),
    Column(
        "purpose",
        "Mục đích",
        "Mục đích; để trống là Đào tạo, rèn luyện thực tiễn.",
        kind="choice",
        choices=_choices(PostingPurpose),
        synonyms={"dao tao": PostingPurpose.TRAINING},
        width=22,
    ),
    Column(
        "origin_unit",
        "Đơn vị nơi đi",
        "Đơn vị công tác trước khi luân chuyển. Để trống thì lấy nơi cán bộ đang giữ chức vụ chính "
        "trong sổ vào ngày bắt đầu.",
        example_format="Tên đơn vị[, đơn vị cấp trên]",
        width=28,
    ),
    Column("origin_title", "Chức vụ nơi đi", "Chức vụ trước khi luân chuyển, như ghi trên quyết định.", width=18),
    Column(
        "dest_unit",
        "Đơn vị nơi đến",
        "Đơn vị nơi đến, như ghi trên quyết định; còn hiệu lực vào ngày ký. Khi nhiều đơn vị trùng "
        "tên, ghi thêm đơn vị cấp trên: “Xã Chi Lăng, Huyện Tràng Định”.",
        required=True,
        example_format="Tên đơn vị[, đơn vị cấp trên]",
        width=28,
    ),
    Column(
        "dest_title",
        "Chức vụ nơi đến",
        "Chức vụ nơi đến, như ghi trên quyết định (ví dụ Bí thư, Chủ tịch UBND).",
        required=True,
        width=18,
    ),
    Column("start_date", "Ngày bắt đầu", "Ngày bắt đầu nhận nhiệm vụ ở nơi đến.", kind="date", required=True),
    Column(
        "planned_months",
        "Số tháng dự kiến",
        "Thời gian luân chuyển dự kiến, tính bằng tháng; để trống là 36 tháng.",
        kind="int",
        example_format="Số nguyên, ví dụ 36",
        width=10,
    ),
    Column(
        "concurrent",
        "Kiêm nhiệm",
        "Ghi “Có” nếu đây là chức vụ kiêm nhiệm (không phải chức vụ chính); để trống là Không.",
        kind="yesno",
        width=10,
    ),
    Column(
        "actual_end",
        "Ngày kết thúc thực tế",
        "Chỉ ghi khi luân chuyển đã kết thúc (nhập dữ liệu cũ); khi đó phải ghi cả cột Kết quả.",
        kind="date",
    ),
    Column(
        "outcome",
        "Kết quả",
        "Kết quả sau luân chuyển (khi đã kết thúc).",
        kind="choice",
        choices=_choices(PostingOutcome),
        width=16,
    ),
    Column(
        "override_codes",
        "Quy tắc được vượt",
        "Mã các quy tắc cảnh báo (W) được chấp nhận là trường hợp đặc biệt, cách nhau bằng dấu phẩy, "
        "ví dụ R-DURATION. Để trống thì lý do ở cột sau áp dụng cho mọi cảnh báo của dòng.",
        kind="codes",
        example_format="R-DURATION, R-EQUIVALENT, …",
        width=16,
    ),
    Column(
        "override_reason",
        "Lý do trường hợp đặc biệt",
        "Lý do chấp nhận vượt quy định (bắt buộc để lưu một dòng có cảnh báo).",
        aliases=("Lý do vượt quy định",),
        width=30,
    ),
    Column(
        "override_reference",
        "Số quyết định cho phép",
        "Số, ký hiệu văn bản cho phép trường hợp đặc biệt, khi quy tắc đòi hỏi.",
        aliases=("Quyết định cho phép",),
        width=18,
    ),
]

COLUMNS: dict[str, list[Column]] = {ImportKind.CADRES: CADRE_COLUMNS, ImportKind.DECISIONS: DECISION_COLUMNS}
SHEET_NAMES = {ImportKind.CADRES: "Cán bộ", ImportKind.DECISIONS: "Quyết định, luân chuyển"}
INSTRUCTIONS_SHEET = "Hướng dẫn"
EXAMPLES_SHEET = "Ví dụ"
LISTS_SHEET = "Danh mục"  # hidden: the values of the drop-down lists
# Sheets of the template that never hold rows to import.
NOT_DATA_SHEETS = (INSTRUCTIONS_SHEET, EXAMPLES_SHEET, LISTS_SHEET)
# Columns the import adds to its own error report; reading a report back ignores them.
REPORT_COLUMN = "Lỗi"


def header_key(text: str | None) -> str:
    """How a header is recognised: no accents, no case, no trailing '*' or '(bắt buộc)'."""
    key = search_key(str(text or ""))
    key = key.replace("(bat buoc)", "").replace("*", "")
    return " ".join(key.replace(",", " ").split())


def columns_by_header(kind: str) -> dict[str, Column]:
    found: dict[str, Column] = {}
    for column in COLUMNS[kind]:
        for text in (column.header, *column.aliases):
            found[header_key(text)] = column
    return found


@dataclass
class HeaderMatch:
    """Which uploaded column (index) holds which known column, and what is missing."""

    positions: dict[str, int]
    missing: list[Column]
    duplicates: list[str]
    unknown: list[str]

    @property
    def score(self) -> int:
        return len(self.positions)


def match_headers(kind: str, headers: list[str | None]) -> HeaderMatch:
    known = columns_by_header(kind)
    positions: dict[str, int] = {}
    duplicates: list[str] = []
    unknown: list[str] = []
    for index, text in enumerate(headers):
        key = header_key(text)
        if not key:
            continue
        column = known.get(key)
        if column is None:
            if key != header_key(REPORT_COLUMN):
                unknown.append(normalize_text(str(text)))
            continue
        if column.key in positions:
            duplicates.append(column.header)
            continue
        positions[column.key] = index
    missing = [c for c in COLUMNS[kind] if c.required and c.key not in positions]
    return HeaderMatch(positions=positions, missing=missing, duplicates=duplicates, unknown=unknown)


def column(kind: str, key: str) -> Column:
    return next(c for c in COLUMNS[kind] if c.key == key)
