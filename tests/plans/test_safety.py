"""What users type cannot make a document fetch, embed or run anything; the renderer's limits hold.

A socket server on a free port of this machine stands for "somewhere the document must not reach":
it records every connection. The documents point at it in every way HTML and CSS allow.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading

import pytest

from plans.documents import plan_pdf
from rotation_registry.common.pdf import (
    DOCUMENT_BASE_URL,
    DocumentRefused,
    StaticOnlyFetcher,
    render_pdf,
    sanitize_document_html,
    text_to_document_html,
)
from tests.plans.conftest import pdf_text, poppler, words, write_pdf


class Listener:
    """A TCP server on 127.0.0.1 that accepts and records connections until stopped."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                client, _ = self.socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            client.close()

    def stop(self) -> None:
        self.running = False
        self.thread.join(timeout=2)
        self.socket.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.stop()


def attachments(path) -> str:
    return poppler("pdfdetach", "-list", str(path))


def payloads(port: int) -> dict[str, str]:
    url = f"http://127.0.0.1:{port}"
    return {
        "link": '<link rel="attachment" href="file:///etc/passwd">',
        "img": f'<img src="{url}/x">',
        "css": f"</style><style>@import url({url}/css); body {{ background: url({url}/bg) }}</style>",
        "inline": f'<p style="background-image: url({url}/inline)">x</p>',
        "anchor": '<a rel="attachment" href="file:///etc/passwd">tệp</a>',
    }


def test_user_fields_reach_the_pdf_as_literal_text_and_nothing_is_fetched_or_embedded(
    tmp_path, make_plan, listener, caplog
):
    p = payloads(listener.port)
    plan = make_plan(
        # Full-width fields: each payload must come back whole, as typed.
        title=f"luân chuyển {p['link']} {p['img']}",
        preamble=p["css"],
        legal_bases=f"Căn cứ {p['anchor']}",
        # A section typed as plain text: the markup is text, printed as typed.
        organisation_section=f"Tổ chức thực hiện {p['img']} {p['link']}",
        # A section typed as HTML: only paragraphs, bold, italic and lists survive.
        content_section=f"<p>Nội dung <strong>chính</strong></p>{p['img']}{p['css']}{p['link']}{p['anchor']}"
        f"<script>fetch('{listener.port}')</script>",
        # Header and closing columns (printed in capitals, or beside another column): no fetch either.
        superior_body=p["css"],
        place="Thử " + p["inline"],
        recipients=f"Ban Tổ chức Trung ương {p['link']}\nLưu Văn phòng Tỉnh ủy",
        signer_name=f"Nguyễn Văn Thử {p['img']}",
    )
    with caplog.at_level(logging.WARNING, logger="rotation_registry.common.pdf"):
        path = write_pdf(tmp_path, plan_pdf(plan))
    # -layout keeps each printed line's words in reading order (raw mode may move the last word of a
    # justified line elsewhere); words() then joins the lines.
    text = words(pdf_text(path, layout=True))
    for literal in (
        f"luân chuyển {p['link']} {p['img']}",
        p["css"],
        f"- Căn cứ {p['anchor']},",
        f"Tổ chức thực hiện {p['img']} {p['link']}",
    ):
        assert literal in text, literal
    fragments = (
        "STYLE><STYLE>@IMPORT",
        "URL(HTTP://127.0.0.1",
        'Thử <p style="background-image:',
        "Ban Tổ chức Trung ương <link",
        "Nguyễn Văn Thử <img",
    )
    for fragment in fragments:
        assert fragment in text, fragment
    assert "Nội dung chính tệp" in text and "fetch(" not in text
    assert attachments(path).strip() == "0 embedded files"
    assert listener.connections == 0
    assert [r for r in caplog.records if "từ chối" in r.getMessage()] == []  # nothing even tried: all was text


def test_the_renderer_refuses_every_url_but_static_files_and_data_even_in_template_html(tmp_path, listener, caplog):
    """What a template (not a user) could write is refused too: the fetcher is the last line."""
    url = f"http://127.0.0.1:{listener.port}"
    html = f"""<!DOCTYPE html><html><head>
      <link rel="stylesheet" href="{url}/style.css">
      <link rel="stylesheet" href="file:///etc/passwd">
      <link rel="attachment" href="file:///etc/passwd">
      <link rel="attachment" href="/static/css/party-document.css">
      <link rel="stylesheet" href="/static/css/party-document.css">
      <style>@import url({url}/import.css); @font-face {{ font-family: X; src: url({url}/font.ttf) }}
        body {{ background: url({url}/bg.png) }} h1 {{ background: url(file:///etc/hosts) }}</style>
      </head><body><h1>Tiêu đề</h1>
      <img src="{url}/img.png"><img src="file:///etc/passwd"><img src="/static/../manage.py">
      <img src="https://rotation-registry.invalid/static/%2e%2e/manage.py">
      <img src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7">
      <a rel="attachment" href="file:///etc/passwd">tệp</a><p>Đoạn văn.</p></body></html>"""
    with caplog.at_level(logging.WARNING, logger="rotation_registry.common.pdf"):
        path = write_pdf(tmp_path, render_pdf(html))
    assert listener.connections == 0
    assert attachments(path).strip() == "0 embedded files"
    refused = " ".join(r.getMessage() for r in caplog.records if "từ chối" in r.getMessage())
    for target in (f"{url}/style.css", "file:///etc/passwd", f"{url}/import.css", f"{url}/font.ttf",
                   f"{url}/img.png", "file:///etc/hosts", "manage.py"):  # fmt: skip
        assert target in refused, target
    assert "Đoạn văn." in pdf_text(path)


def test_the_fetcher_serves_static_files_and_data_uris_only():
    fetcher = StaticOnlyFetcher(DOCUMENT_BASE_URL)
    css = fetcher.fetch(f"{DOCUMENT_BASE_URL}static/css/party-document.css")
    assert b"@page" in css.read() and css.content_type == "text/css"
    font = fetcher.fetch(f"{DOCUMENT_BASE_URL}static/fonts/LiberationSerif-Regular.ttf")
    assert len(font.read()) > 100_000
    assert fetcher.fetch("data:text/plain;base64,eGlu").read() == b"xin"
    for url in (
        f"{DOCUMENT_BASE_URL}static/../manage.py",
        f"{DOCUMENT_BASE_URL}static/css/../../manage.py",
        f"{DOCUMENT_BASE_URL}static/%2e%2e/manage.py",
        f"{DOCUMENT_BASE_URL}static/css/missing.css",
        f"{DOCUMENT_BASE_URL}manage.py",
        "https://example.invalid/static/css/party-document.css",
        "http://rotation-registry.invalid/static/css/party-document.css",
        "file:///etc/passwd",
        "ftp://127.0.0.1/x",
    ):
        with pytest.raises(ValueError, match="Refused"):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 9


def test_sections_keep_paragraphs_bold_italic_and_lists_only():
    dirty = (
        '<p class="x" style="color:red" onclick="alert(1)">Một <b>đậm</b> <i>nghiêng</i> '
        '<a href="http://x">liên kết</a> <span>chữ</span></p><ol><li>mục</li></ol>'
        "<script>alert(1)</script><style>p{}</style><!-- ghi chú --><img src=x><table><tr><td>ô</td></tr></table>"
    )
    assert sanitize_document_html(dirty) == ("<p>Một <b>đậm</b> <i>nghiêng</i> liên kết chữ</p><ol><li>mục</li></ol>ô")
    assert text_to_document_html("**1. Mục đích**\n\n- a < b & *c*\n<img src=x>") == (
        "<h3>1. Mục đích</h3><p>- a &lt; b &amp; <em>c</em></p><p>&lt;img src=x&gt;</p>"
    )


def test_a_document_over_the_row_limit_is_refused_before_layout():
    rows = "".join(f"<tr><td>{n}</td></tr>" for n in range(5_001))
    with pytest.raises(DocumentRefused) as refused:
        render_pdf(f"<table>{rows}</table>")
    assert refused.value.code == "rows"
    assert "5001 dòng bảng; tối đa 5000" in refused.value.message
    assert "Excel (.xlsx)" in refused.value.message


def test_a_document_over_the_page_limit_is_refused():
    pages = "".join('<p style="break-after: page">Trang</p>' for _ in range(201))
    with pytest.raises(DocumentRefused) as refused:
        render_pdf(f"<html><body>{pages}</body></html>")
    assert refused.value.code == "pages"
    assert "201 trang; tối đa 200" in refused.value.message


def test_a_render_over_the_time_limit_is_stopped():
    paragraphs = "".join(f"<p>Đoạn văn thử nghiệm số {n} về luân chuyển cán bộ.</p>" for n in range(3_000))
    with pytest.raises(DocumentRefused) as refused:
        render_pdf(f"<html><body>{paragraphs}</body></html>", time_limit=0.05)
    assert refused.value.code == "time"
    assert "quá 0.05 giây" in refused.value.message
    # The timer is disarmed and the previous handler is back, after a refusal and after a normal render.
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert render_pdf("<p>Ngắn.</p>", time_limit=5).startswith(b"%PDF")
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is signal.SIG_DFL


def test_a_refused_plan_pdf_answers_with_the_message_and_offers_the_xlsx(client, board_officer, make_plan, monkeypatch):
    from plans import documents

    plan = make_plan()
    monkeypatch.setattr(documents, "render_pdf", lambda html, **kwargs: render_pdf(html, **kwargs, max_pages=1))
    client.force_login(board_officer)
    response = client.get(f"/plans/{plan.pk}/pdf/")
    assert response.status_code == 422
    assert "Tài liệu quá lớn để xuất PDF" in response.text
    assert f"/plans/{plan.pk}/?export=xlsx" in response.text
    export = client.get(f"/plans/{plan.pk}/", {"export": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
