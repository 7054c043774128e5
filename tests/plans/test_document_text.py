"""The text helpers of the document plumbing: document lines, balanced subject lines, the section markup."""

from __future__ import annotations

from rotation_registry.common.pdf import (
    SUBJECT_WIDTH,
    balanced_lines,
    document_html_to_text,
    document_lines,
    text_to_document_html,
    text_width,
)


def test_lines_get_the_dash_and_the_punctuation_of_a_party_document():
    typed = "Căn cứ Điều lệ Đảng;\n\n  – Căn cứ Kết luận số 24-KL/TW.  \n- Căn cứ Quy chế làm việc,"
    assert document_lines(typed, separator=";", last=",") == [
        "- Căn cứ Điều lệ Đảng;",
        "- Căn cứ Kết luận số 24-KL/TW;",
        "- Căn cứ Quy chế làm việc,",
    ]
    recipients = "Ban Tổ chức Trung ương (b/c)\nLưu Văn phòng Tỉnh ủy"
    assert document_lines(recipients, separator=",", last=".") == [
        "- Ban Tổ chức Trung ương (b/c),",
        "- Lưu Văn phòng Tỉnh ủy.",
    ]


def test_a_long_subject_line_is_cut_into_even_lines_where_a_phrase_starts():
    subject = "luân chuyển, đào tạo, bồi dưỡng cán bộ lãnh đạo, quản lý diện Ban Thường vụ Tỉnh ủy quản lý đến năm 2020"
    lines = balanced_lines(subject, width=SUBJECT_WIDTH)
    assert lines == [
        "luân chuyển, đào tạo, bồi dưỡng cán bộ lãnh đạo, quản lý",
        "diện Ban Thường vụ Tỉnh ủy quản lý đến năm 2020",
    ]
    assert all(text_width(line) <= SUBJECT_WIDTH for line in lines)
    assert balanced_lines("kết quả công tác luân chuyển cán bộ quý II năm 2024", width=SUBJECT_WIDTH) == [
        "kết quả công tác luân chuyển cán bộ quý II năm 2024"
    ]
    long_subject = " ".join([subject] * 3)
    assert " ".join(balanced_lines(long_subject, width=SUBJECT_WIDTH)) == long_subject
    assert all(text_width(line) <= SUBJECT_WIDTH for line in balanced_lines(long_subject, width=SUBJECT_WIDTH))


def test_the_section_markup_goes_to_html_and_back():
    typed = "**1. Mục đích**\n- Rèn luyện *trong thực tiễn* & tích lũy kinh nghiệm (a < b)"
    html = text_to_document_html(typed)
    assert html == (
        "<h3>1. Mục đích</h3><p>- Rèn luyện <em>trong thực tiễn</em> &amp; tích lũy kinh nghiệm (a &lt; b)</p>"
    )
    assert document_html_to_text(html) == typed
    # Anything richer than paragraphs with bold and italic is shown as HTML, which the form accepts too.
    listed = text_to_document_html("<ol><li>một</li><li>hai</li></ol>")
    assert listed == "<ol><li>một</li><li>hai</li></ol>" and document_html_to_text(listed) == listed
