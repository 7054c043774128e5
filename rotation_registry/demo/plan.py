"""The demo's plan: Kế hoạch 42-KH/TU of the Tỉnh ủy Lạng Sơn, 23/8/2017 (seed article 000).

What the article says of it is all this module asserts: the Ban Thường vụ Tỉnh ủy issued it on
23/8/2017, "về luân chuyển, đào tạo, bồi dưỡng cán bộ lãnh đạo, quản lý diện BTV quản lý đến năm
2020"; rotation must follow "yêu cầu công tác, quy hoạch cán bộ, năng lực, sở trường, chiều hướng
phát triển của cán bộ", build consensus, and cause "không gây sự xáo trộn lớn trong đơn vị nơi cán bộ
luân chuyển đi và đến"; the Huyện ủy and the Thành ủy then wrote their own plans. The original text
is not online (reference/domain.md), so its wording here is written from those points, its legal
bases are the texts in force in August 2017 (NQ 11-NQ/TW, KL 24-KL/TW: QĐ 98-QĐ/TW came in October),
and the signer's name is invented.

Its targets are the province's moves in both directions between province and district (the
article's "từ tỉnh về huyện và ngược lại"), and its planned cadres are the demo's cadres managed by
the Ban Thường vụ Tỉnh ủy whose rotation between province and district, decided by the Tỉnh ủy,
started after the plan: each entry is linked to that posting, so plan against actual shows figures.

Loading is idempotent: a second call finds the plan and changes nothing.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from accounts.models import User
from cadres.models import ManagementCategory
from plans import services
from plans.models import Plan
from postings.models import Posting, PostingKind, PostingStatus
from rotation_registry.common.audit import audit_context
from units.models import PositionTitle, Term, TermKind, Unit, UnitKind

PLAN_SYMBOL = "42-KH/TU"
PLAN_DATE = datetime.date(2017, 8, 23)
REASON = "Nạp dữ liệu mẫu: Kế hoạch 42-KH/TU ngày 23/8/2017 của Tỉnh ủy Lạng Sơn (bài báo nguồn)"
TITLE = "luân chuyển, đào tạo, bồi dưỡng cán bộ lãnh đạo, quản lý diện Ban Thường vụ Tỉnh ủy quản lý đến năm 2020"
LEGAL_BASES = """\
Căn cứ Điều lệ Đảng Cộng sản Việt Nam
Căn cứ Nghị quyết số 11-NQ/TW, ngày 25/01/2002 của Bộ Chính trị (khóa IX) về việc luân chuyển cán bộ lãnh đạo và quản lý
Căn cứ Kết luận số 24-KL/TW, ngày 05/6/2012 của Bộ Chính trị (khóa XI) về đẩy mạnh công tác quy hoạch và luân chuyển \
cán bộ lãnh đạo, quản lý đến năm 2020 và những năm tiếp theo"""
PREAMBLE = (
    "Ban Thường vụ Tỉnh ủy xây dựng Kế hoạch luân chuyển, đào tạo, bồi dưỡng cán bộ lãnh đạo, quản lý diện "
    "Ban Thường vụ Tỉnh ủy quản lý đến năm 2020 như sau:"
)
PURPOSE = """\
**1. Mục đích**
- Luân chuyển cán bộ là một trong những giải pháp quan trọng nhằm rèn luyện, bồi dưỡng cán bộ; tạo môi trường \
rèn luyện, thử thách để cán bộ chủ động bám nắm cơ sở, phát huy năng lực, trách nhiệm, tích lũy kinh nghiệm để vận \
dụng linh hoạt trong những vị trí công tác khác nhau.
- Từng bước bố trí cán bộ hợp lý hơn từ tỉnh đến huyện, tăng cường cán bộ cho những nơi có nhu cầu cấp bách; tạo \
điều kiện cho cán bộ thuộc diện quy hoạch, cán bộ trẻ được bồi dưỡng, rèn luyện ở những địa bàn, lĩnh vực cần tích \
lũy kinh nghiệm, góp phần xây dựng đội ngũ cán bộ lãnh đạo, quản lý ngang tầm nhiệm vụ.
**2. Yêu cầu**
- Việc luân chuyển cán bộ phải căn cứ vào yêu cầu công tác, quy hoạch cán bộ, năng lực, sở trường, chiều hướng \
phát triển của cán bộ.
- Tạo sự đồng thuận trong cấp ủy, tập thể lãnh đạo cơ quan, đơn vị trong công tác luân chuyển; không gây sự xáo \
trộn lớn trong đơn vị nơi cán bộ luân chuyển đi và đến.
- Bảo đảm dân chủ, khách quan, công khai, minh bạch; gắn luân chuyển với đào tạo, bồi dưỡng và bố trí, sử dụng \
cán bộ sau luân chuyển."""
CONTENT = """\
**1. Đối tượng**
Cán bộ lãnh đạo, quản lý diện Ban Thường vụ Tỉnh ủy quản lý, trong quy hoạch các chức danh lãnh đạo, quản lý; \
cán bộ trẻ có triển vọng phát triển.
**2. Tiêu chuẩn, điều kiện**
Có phẩm chất chính trị, đạo đức tốt, có năng lực và triển vọng phát triển; được quy hoạch vào chức danh tương \
đương hoặc cao hơn; có đủ sức khỏe và thời gian công tác để hoàn thành nhiệm vụ ở nơi luân chuyển đến.
**3. Số lượng, hướng luân chuyển**
Đến năm 2020, luân chuyển cán bộ từ tỉnh về huyện và từ huyện về tỉnh, giữ các chức danh chủ chốt của huyện ủy, \
Thành ủy, ủy ban nhân dân các huyện, thành phố và lãnh đạo các sở, ban, ngành tỉnh. Chỉ tiêu cụ thể tại Phụ lục I; \
danh sách cán bộ dự kiến luân chuyển tại Phụ lục II.
**4. Thời gian luân chuyển**
Thời gian luân chuyển thường là 3 năm (36 tháng); trường hợp đặc biệt do Ban Thường vụ Tỉnh ủy xem xét, quyết định."""
ORGANISATION = """\
**1. Ban Tổ chức Tỉnh ủy**
Chủ trì, phối hợp với các cơ quan liên quan tham mưu cho Ban Thường vụ Tỉnh ủy triển khai thực hiện Kế hoạch; \
hướng dẫn, theo dõi, đôn đốc việc thực hiện; định kỳ sơ kết, báo cáo Ban Thường vụ Tỉnh ủy.
**2. Các huyện ủy, Thành ủy, đảng ủy trực thuộc Tỉnh ủy**
Căn cứ vào tình hình thực tế, xây dựng kế hoạch luân chuyển cán bộ của địa phương, đơn vị; lựa chọn đối tượng, \
chức danh, đơn vị để bố trí cán bộ một cách phù hợp.
**3. Các cơ quan, đơn vị có cán bộ luân chuyển đi và đến**
Làm tốt công tác tư tưởng, tạo sự đồng thuận; tạo điều kiện để cán bộ luân chuyển phát huy năng lực, hoàn thành \
nhiệm vụ; quản lý, nhận xét, đánh giá cán bộ trong thời gian luân chuyển."""
RECIPIENTS = """\
Ban Tổ chức Trung ương (b/c)
Thường trực Tỉnh ủy
Các đồng chí Ủy viên Ban Thường vụ Tỉnh ủy
Các huyện ủy, Thành ủy, đảng ủy trực thuộc Tỉnh ủy
Các ban, sở, ngành, đoàn thể tỉnh
Lưu Văn phòng Tỉnh ủy"""
SIGNER_NAME = "Hoàng Văn Minh"  # invented: the original's signer is not in the sources
# (direction, title name or None, count): the article's "từ tỉnh về huyện và ngược lại".
TARGETS = [("tinh_huyen", None, 5), ("huyen_tinh", None, 4), ("", "Bí thư", 2)]


def _provincial_committee() -> Unit | None:
    return (
        Unit.objects.filter(
            kind=UnitKind.PARTY_COMMITTEE, abbreviation="TU", name="Tỉnh ủy Lạng Sơn", parent__kind=UnitKind.PROVINCE
        )
        .order_by("pk")
        .first()
    )


def _carried_out(committee: Unit) -> list[Posting]:
    """The rotations between province and district decided by the Tỉnh ủy after the plan, of BTV Tỉnh ủy cadres."""
    return list(
        Posting.objects.filter(
            decision__issuing_unit=committee,
            kind=PostingKind.ROTATION,
            direction__in=["tinh_huyen", "huyen_tinh"],
            start_date__gte=PLAN_DATE,
            is_primary=True,
            cadre__management_category=ManagementCategory.BTV_TU,
        )
        .exclude(status=PostingStatus.CANCELLED)
        .select_related("cadre", "dest_unit", "dest_position__title")
        .order_by("start_date", "pk")
    )


def load_demo_plan() -> tuple[Plan | None, bool]:
    """(the plan, whether it was created now). (None, False) when the demo province is not loaded."""
    committee = _provincial_committee()
    actor = User.objects.filter(username="demo_admin").first()
    if committee is None or actor is None:
        return None, False
    existing = Plan.objects.filter(issuing_unit=committee, symbol=PLAN_SYMBOL).first()
    if existing is not None:
        return existing, False
    with transaction.atomic(), audit_context(actor=actor, reason=REASON):
        postings = _carried_out(committee)
        titles = {t.name: t for t in PositionTitle.objects.filter(name__in=[n for _, n, _ in TARGETS if n])}
        defaults = services.header_defaults(committee)
        plan = services.plan_create(
            actor=actor,
            reason=REASON,
            data={
                "symbol": PLAN_SYMBOL,
                "date": PLAN_DATE,
                "issuing_unit": committee,
                "period": Term.objects.filter(kind=TermKind.PLAN, name="2016–2020").first(),
                "title": TITLE,
                **defaults,
                "legal_bases": LEGAL_BASES,
                "preamble": PREAMBLE,
                "purpose_section": PURPOSE,
                "content_section": CONTENT,
                "organisation_section": ORGANISATION,
                "recipients": RECIPIENTS,
                "signing_authority": "T/M BAN THƯỜNG VỤ",
                "signer_title": "BÍ THƯ",
                "signer_name": SIGNER_NAME,
            },
            targets=[
                services.TargetRow(direction=direction, dest_title=titles.get(title) if title else None, count=count)
                for direction, title, count in TARGETS
            ],
            entries=[
                services.EntryRow(
                    cadre=posting.cadre,
                    current_post=", ".join(p for p in (posting.origin_title_name, posting.origin_unit_name) if p),
                    dest_unit=posting.dest_unit,
                    dest_title=posting.dest_position.title if posting.dest_position_id else None,
                )
                for posting in postings
            ],
        )
        plan = services.plan_issue(actor=actor, plan=plan, version=services.plan_version(plan), reason=REASON)
        by_cadre = {posting.cadre_id: posting for posting in postings}
        for entry in plan.entries.all():
            services.plan_entry_link(actor=actor, entry=entry, posting=by_cadre[entry.cadre_id], reason=REASON)
        return plan, True
