"""English on request: the pages follow the language cookie, and the English catalogue is complete and current.

Vietnamese is the source language (the msgids are the Vietnamese texts), so the Vietnamese pages need no
catalogue; locale/en/LC_MESSAGES/django.po holds the English, compiled into django.mo beside it.
After adding or changing a translatable string:

    .venv/bin/python manage.py makemessages -l en --ignore=.venv --ignore=bench --ignore=tests --ignore=node_modules
    (fill in the new msgstr entries in locale/en/LC_MESSAGES/django.po)
    .venv/bin/python manage.py compilemessages -l en --ignore=.venv
"""

from __future__ import annotations

import ast
import datetime
import gettext
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation.template import templatize

from postings.models import Posting
from tests.factories import CadreFactory, DecisionFactory, TermFactory

D = datetime.date
ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")


@pytest.fixture
def registry(world):
    TermFactory(name="2015–2020", start=D(2015, 10, 1), end=D(2020, 9, 30))
    decision = DecisionFactory(symbol="31-QĐ/HU", date=D(2018, 3, 1), issuing_unit=world.district_a_committee)
    cadre = CadreFactory(full_name="Nguyễn Công Trưởng", unit=world.district_a_department, sex="male")
    Posting.objects.create(
        cadre=cadre,
        decision=decision,
        origin_unit=world.district_a_department,
        dest_unit=world.commune_a1_committee,
        origin_unit_name="Phòng Nội vụ huyện An",
        origin_title_name="Trưởng phòng",
        dest_unit_name="Đảng ủy xã An Một",
        dest_title_name="Bí thư",
        start_date=D(2018, 3, 15),
        planned_end=D(2021, 3, 15),
        direction="huyen_xa",
    )
    return cadre


# --- The pages ---

# page: (URL, English texts that must be there, Vietnamese texts that must not)
PAGES = {
    "home": (lambda cadre: reverse("home"), ["Needs attention", "Rotations ending soon"], ["Việc cần chú ý"]),
    "cadre list": (
        lambda cadre: reverse("cadres:list"),
        ["<h1>Cadres</h1>", "Full name", "Name (accents optional)", "Male", "Filter", "Export the filtered list"],
        ["Họ và tên", "Giới tính", "Bỏ lọc", "Nam<"],
    ),
    "posting list": (
        lambda cadre: reverse("postings:list"),
        ["Cadre rotations and assignments", "Direction of rotation", "District to commune", "In progress"],
        ["Hướng luân chuyển", "Huyện về xã", "Đang thực hiện"],
    ),
    "decision list": (
        lambda cadre: reverse("postings:decision_list"),
        ["<h1>Decisions</h1>", "Issuing body", "Document number", "In force"],
        ["Cơ quan ban hành", "Có hiệu lực", "Trích yếu"],
    ),
    # The tree's own texts belong to templates/units (translated separately); the frame around it is checked.
    "unit tree": (lambda cadre: reverse("units:tree"), ["Cadres", "Rotations", "Sign out"], ["Đăng xuất", "Cán bộ<"]),
    "cadre page": (
        lambda cadre: cadre.get_absolute_url(),
        ["Personal details", "Career and rotations", "Date of birth", "Male", "District to commune", "present"],
        ["Sơ yếu", "Quá trình công tác", "Ngày sinh", "Huyện về xã"],
    ),
}


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_speak_english_when_the_language_cookie_asks_for_it(client, board_officer, registry, page):
    url, english, vietnamese = PAGES[page]
    _english(client).force_login(board_officer)
    response = client.get(url(registry))
    assert response.status_code == 200
    assert response["Content-Language"] == "en" and '<html lang="en">' in response.text
    for text in english:
        assert text in response.text, text
    for text in vietnamese:
        assert text not in response.text, text
    # The switch back offers Vietnamese, named in Vietnamese.
    assert (
        '<button type="submit" name="language" value="vi" class="link" lang="vi">Tiếng Việt</button>' in response.text
    )


def test_the_sign_in_page_speaks_english_when_asked(client, db):
    response = _english(client).get(reverse("login"))
    assert response.status_code == 200
    assert "Sign in" in response.text and "User name" in response.text and "Password" in response.text
    assert "Đăng nhập" not in response.text and "Mật khẩu" not in response.text


def test_without_the_cookie_the_pages_stay_vietnamese_whatever_the_browser_says(client, board_officer, registry):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "vi" and "Đăng nhập" in response.text and "Sign in" not in response.text
    client.force_login(board_officer)
    response = client.get(registry.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "vi" and '<html lang="vi">' in response.text
    assert "Sơ yếu" in response.text and "Huyện về xã" in response.text and "Personal details" not in response.text
    # The switch offers English, named in English.
    assert '<button type="submit" name="language" value="en" class="link" lang="en">English</button>' in response.text


def test_the_switch_in_the_header_sets_the_language_and_returns_to_the_page(client, board_officer, registry):
    client.force_login(board_officer)
    page = reverse("cadres:list")
    header = client.get(page).text
    # A plain form with a button: keyboard reachable, and no inline script for the CSP to allow.
    assert f'<form method="post" action="{reverse("set_language")}" class="language inline"' in header
    assert f'<input type="hidden" name="next" value="{page}">' in header
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", header) == []
    response = client.post(reverse("set_language"), {"language": "en", "next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert "<h1>Cadres</h1>" in client.get(page).text
    client.post(reverse("set_language"), {"language": "vi", "next": page})
    assert "<h1>Cán bộ</h1>" in client.get(page).text


# --- The catalogue ---


def _unquote(line: str) -> str:
    return ast.literal_eval(line)  # PO strings use the same escapes as Python's double-quoted strings


def read_catalogue(path: Path = CATALOGUE) -> list[dict]:
    """The entries of a .po file as written by makemessages: flags, msgctxt, msgid, msgid_plural, msgstr(s)."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict = {"flags": set(), "msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": {}}
        field = None
        for line in block.strip().splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"') and field[0] == "msgstr":
                entry["msgstr"][field[1]] += _unquote(line)
            elif line.startswith('"'):
                entry[field[0]] += _unquote(line)
            else:
                keyword, text = line.split(" ", 1)
                match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
                if keyword == "msgstr" or match:
                    index = int(match[1]) if match else 0
                    entry["msgstr"][index] = _unquote(text)
                    field = ("msgstr", index)
                else:
                    entry[keyword] = _unquote(text)
                    field = (keyword, None)
        if entry["msgid"] is not None:
            entries.append(entry)
    return entries


def _messages() -> list[dict]:
    return [e for e in read_catalogue() if e["msgid"] and not e.get("obsolete")]


def test_every_message_of_the_english_catalogue_is_translated():
    entries = read_catalogue()
    header = next(e for e in entries if e["msgid"] == "")
    assert "fuzzy" not in header["flags"] and "Language: en\n" in header["msgstr"][0]
    untranslated = [e["msgid"] for e in _messages() if not all(e["msgstr"].values()) or len(e["msgstr"]) == 0]
    fuzzy = [e["msgid"] for e in _messages() if "fuzzy" in e["flags"]]
    assert untranslated == [], f"untranslated in {CATALOGUE.name}: {untranslated}"
    assert fuzzy == [], f"fuzzy in {CATALOGUE.name}: {fuzzy}"


PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdif]|\{\w+\}")  # %(name)s, %(next)02d, {label}


def test_translations_keep_the_placeholders_of_their_message():
    """A lost placeholder loses information; an unknown one raises KeyError when the message is formatted."""
    for entry in _messages():
        for index, text in entry["msgstr"].items():
            source = entry["msgid_plural"] if index and entry["msgid_plural"] is not None else entry["msgid"]
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(source)), (entry["msgid"], text)


def test_the_compiled_catalogue_matches_the_po_file():
    """django.mo is committed (so nothing needs gettext to run): recompile it whenever the .po changes."""
    with COMPILED.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    for entry in _messages():
        key = entry["msgid"] if entry["msgctxt"] is None else f"{entry['msgctxt']}\x04{entry['msgid']}"
        if entry["msgid_plural"] is None:
            assert compiled.get(key) == entry["msgstr"][0], f"django.mo is out of date for {entry['msgid']!r}"
        else:
            for index, text in entry["msgstr"].items():
                assert compiled.get((key, index)) == text, f"django.mo is out of date for {entry['msgid']!r}"


# What makemessages extracts, without needing xgettext: the same keywords in Python files, and the gettext
# calls Django's templatize() writes for {% translate %} and {% blocktranslate %} in templates.
IGNORED_DIRECTORIES = {".venv", "bench", "tests", "node_modules", "locale"}
KEYWORDS = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"}
CONTEXT_KEYWORDS = {"pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}
STRING = r"""u?(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
TEMPLATE_CALL = re.compile(rf"\b(gettext|ngettext|pgettext|npgettext|_)\(\s*({STRING})(?:\s*,\s*({STRING}))?")


def _python_messages(source: str):
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        texts = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args]
        if name in KEYWORDS and texts[:1] and texts[0] is not None:
            yield (None, texts[0])
        elif name in CONTEXT_KEYWORDS and len(texts) >= 2 and None not in texts[:2]:
            yield (texts[0], texts[1])


def _template_messages(source: str):
    for match in TEMPLATE_CALL.finditer(templatize(source)):
        first = ast.literal_eval(match[2])
        if match[1] in ("pgettext", "npgettext"):
            yield (first, ast.literal_eval(match[3]))
        else:
            yield (None, first)


def source_messages() -> set[tuple[str | None, str]]:
    found = set()
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [d for d in subdirectories if d not in IGNORED_DIRECTORIES and not d.startswith(".")]
        for name in files:
            path = Path(directory, name)
            if path.suffix == ".py":
                found |= set(_python_messages(path.read_text(encoding="utf-8")))
            elif path.suffix in (".html", ".txt"):
                found |= set(_template_messages(path.read_text(encoding="utf-8")))
    found.discard((None, ""))
    return found


def test_the_catalogue_has_every_message_of_the_code_and_templates():
    """A string marked for translation later fails here until it is in the catalogue (see the module docstring)."""
    catalogue = {(e["msgctxt"], e["msgid"]) for e in _messages()}
    found = source_messages()
    assert len(found) > 500  # the extraction itself works
    missing = sorted(found - catalogue, key=str)
    assert missing == [], f"not in {CATALOGUE.relative_to(ROOT)}: run makemessages and translate {missing}"
