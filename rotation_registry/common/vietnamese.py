"""Vietnamese text: NFC normalisation, accent-free search keys and the Vietnamese sort order."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# The Vietnamese alphabet in dictionary order. Letters outside it (f, j, w, z in foreign
# names) sort after the nearest Latin letter so nothing is dropped.
_ALPHABET = [
    "a",
    "ă",
    "â",
    "b",
    "c",
    "d",
    "đ",
    "e",
    "ê",
    "f",
    "g",
    "h",
    "i",
    "j",
    "k",
    "l",
    "m",
    "n",
    "o",
    "ô",
    "ơ",
    "p",
    "q",
    "r",
    "s",
    "t",
    "u",
    "ư",
    "v",
    "w",
    "x",
    "y",
    "z",
]
# Each letter becomes one printable ASCII character, in order, so a plain byte
# comparison (COLLATE "C") of the keys gives the Vietnamese order.
_LETTER_CODE = {letter: chr(ord("A") + index) for index, letter in enumerate(_ALPHABET)}
# Tone marks, in the order dictionaries use: ngang, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}
# Marks that make a different letter rather than a tone.
_LETTER_MARKS = {
    ("a", "\u0306"): "ă",
    ("a", "\u0302"): "â",
    ("e", "\u0302"): "ê",
    ("o", "\u0302"): "ô",
    ("o", "\u031b"): "ơ",
    ("u", "\u031b"): "ư",
}
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=8192)
def normalize_text(value: str) -> str:
    """NFC form with single spaces: 'Thuỷ' typed with combining marks equals the precomposed one."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value or "")).strip()


def search_key(value: str) -> str:
    """Lower-case, accent-free form for searching: 'Nguyễn Công Trưởng' -> 'nguyen cong truong'."""
    return _search_key(value or "")


# These are kept per process (lru_cache): an import of 20,000 rows asks for the keys of the same choices,
# units and words about 180,000 times (1 s of its check, and again at its commit). Pure functions of a str.
@lru_cache(maxsize=8192)
def _search_key(value: str) -> str:
    decomposed = unicodedata.normalize("NFD", normalize_text(value).lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d")


@lru_cache(maxsize=8192)
def _letters_and_tones(word: str) -> tuple[str, str]:
    letters: list[str] = []
    tones: list[str] = []
    for char in unicodedata.normalize("NFC", word.lower()):
        base, *marks = unicodedata.normalize("NFD", char)
        letter = base
        tone = "0"
        for mark in marks:
            if (letter, mark) in _LETTER_MARKS:
                letter = _LETTER_MARKS[(letter, mark)]
            elif mark in _TONES:
                tone = _TONES[mark]
        if char == "đ":
            letter = "đ"
        if letter in _LETTER_CODE:
            letters.append(_LETTER_CODE[letter])
            tones.append(tone)
        elif letter.isalnum():
            letters.append(letter)
            tones.append("0")
    return "".join(letters), "".join(tones)


def word_sort_key(value: str) -> str:
    """Sort key of a phrase in Vietnamese dictionary order (letters first, then tones)."""
    parts = [_letters_and_tones(word) for word in normalize_text(value).split(" ") if word]
    letters = " ".join(p[0] for p in parts)
    tones = "".join(p[1] for p in parts)
    return f"{letters}|{tones}"


def name_sort_key(full_name: str) -> str:
    """Official lists sort people by given name, then middle names, then family name.

    'Nguyễn Công Trưởng' sorts under 'Trưởng', then 'Công', then 'Nguyễn'.
    """
    words = normalize_text(full_name).split(" ")
    if len(words) <= 1:
        return word_sort_key(full_name)
    given, middle, family = words[-1], words[1:-1], words[0]
    ordered = [given, *middle, family]
    parts = [_letters_and_tones(word) for word in ordered]
    # Letters of every word decide first; tones only break ties, word by word.
    letters = " ".join(p[0] for p in parts)
    tones = " ".join(p[1] for p in parts)
    return f"{letters}|{tones}"
