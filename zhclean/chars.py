"""Character tables shared by the steps, built once per process.

The tables come from the libraries the field trusts: OpenCC's character conversion (which
characters are Traditional-only or Simplified-only) and pypinyin's dictionary (the readings
of each character). Building them takes a fraction of a second; every lookup afterwards is a
numpy gather or a dict hit, never a per-character Python loop over a document.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from zhclean.table_cache import disk_cached

# Han ideographs: CJK Unified (basic + extension A), compatibility ideographs, extensions B+.
HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_RE = re.compile(f"[{HAN_CLASS}]")

# Chinese (full-width and CJK) punctuation, used as "Chinese context" by several steps.
CJK_PUNCT_CLASS = (
    "\u3000-\u303f"  # CJK symbols and punctuation: 、。〈〉《》「」『』【】〔〕
    "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"  # full-width punctuation
    "\u2014\u2015\u2018\u2019\u201c\u201d\u2026\u00b7\u2027\ufe30-\ufe4f"
)

OTHER, SHARED, TRAD_ONLY, SIMP_ONLY = 0, 1, 2, 3

_SCAN_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))

# Pinyin letters, as a character-class range (Latin-1 and Latin Extended-A/B hold every tone
# mark and ü) because the regex engine tests a range faster than a long list; letters that
# are not pinyin fail a reading check later.
PINYIN_LETTERS = "a-zA-Z\u00e0-\u01dc\u01f9\u1e3f"

# UTF-8 continuation bytes (0x80-0xBF) as Windows-1252 or Latin-1 shows them: what follows a
# lead byte in mojibake (`ä¸­`). The typographic marks among them (quotes, dashes, `…`, `•`)
# also follow an accented letter in text (`“xué”“gè”`, `Café”`): a lead followed by those
# alone is text, unless more mojibake stands with it.
MOJIBAKE_TYPOGRAPHIC = "\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2022\u2026"
MOJIBAKE_OTHER_CONTINUATION = (
    "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2020\u2021\u2030\u2039\u203a\u20ac\u2122"
)
# Tone-marked vowels and the letters pinyin writers use for ü, all folded to plain letters.
_TONE_FOLD = str.maketrans(
    {
        **{c: "a" for c in "āáǎàÀÁÂĀ"},
        **{c: "e" for c in "ēéěèêÉÈĒ"},
        **{c: "i" for c in "īíǐìĪÍ"},
        **{c: "o" for c in "ōóǒòŌÓ"},
        **{c: "u" for c in "ūúǔùǖǘǚǜüÜvV"},
        **{c: "n" for c in "ńňǹ"},
        **{c: "m" for c in "ḿ"},
        **{c: None for c in "012345 \t\u00a0"},
    }
)


def fold_pinyin(syllables: str) -> str:
    """Fold a written reading to bare lower-case letters: tones, spaces and ü/v/u differences go."""
    return syllables.translate(_TONE_FOLD).lower()


def codes_of(text: str) -> np.ndarray:
    """The code points of `text` as a read-only uint32 array (no copy beyond the encoding)."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def text_of(codes: np.ndarray) -> str:
    """The text whose code points are `codes` (uint32)."""
    return codes.tobytes().decode("utf-32-le")


@dataclass(frozen=True)
class CharTables:
    """What zhclean knows about each character; see `char_tables()`."""

    script_class: np.ndarray  # uint8 per code point: OTHER, SHARED, TRAD_ONLY, SIMP_ONLY
    t2s_char: dict[str, str]  # Traditional-only character -> its Simplified form
    readings: dict[str, frozenset[str]]  # character -> folded toneless readings

    to_simplified_code: np.ndarray  # uint32 per code point: its one-character t2s form
    traditional_re: re.Pattern  # any Traditional-only character

    def has_traditional(self, text: str) -> bool:
        """Whether any character is Traditional-only: one C regex scan, about three times
        faster than the numpy path on the Simplified text that most corpora hold."""
        return self.traditional_re.search(text) is not None

    def classes(self, text: str) -> np.ndarray:
        """Script class of every character of `text`, as one vectorised gather."""
        return self.script_class[codes_of(text)]


@lru_cache(maxsize=1)
def scan_chars() -> tuple[str, ...]:
    """Every BMP Han ideograph the character tables describe, in code point order."""
    return tuple(chr(c) for lo, hi in _SCAN_RANGES for c in range(lo, hi))


def convert_each(converter, chars: Sequence[str]) -> list[str]:
    """Convert characters one by one in a single OpenCC call (newlines stop phrase matches)."""
    out = converter.convert("\n".join(chars)).split("\n")
    if len(out) != len(chars):  # pragma: no cover - OpenCC keeps newlines
        raise RuntimeError("OpenCC changed the number of lines while building tables")
    return out


def _build_script_tables() -> tuple[np.ndarray, dict[str, str]]:
    from zhclean.opencc_pool import converter

    chars = scan_chars()
    to_simp = convert_each(converter("t2s"), chars)
    to_trad = convert_each(converter("s2t"), chars)
    table = np.zeros(0x110000, dtype=np.uint8)
    t2s_char: dict[str, str] = {}
    for ch, simp, trad in zip(chars, to_simp, to_trad, strict=True):
        code = ord(ch)
        if simp != ch and len(simp) == 1:
            table[code] = TRAD_ONLY
            t2s_char[ch] = simp
        elif trad != ch:
            table[code] = SIMP_ONLY
        else:
            table[code] = SHARED
    table[0x20000:0x31350] = SHARED  # rare extension ideographs: Han, script-neutral
    return table, t2s_char


def _build_readings(t2s_char: dict[str, str]) -> dict[str, frozenset[str]]:
    from pypinyin.pinyin_dict import pinyin_dict

    readings: dict[str, frozenset[str]] = {}
    for code, written in pinyin_dict.items():
        folded = {fold_pinyin(unicodedata.normalize("NFC", r)) for r in written.split(",")}
        readings[chr(code)] = frozenset(r for r in folded if r)
    # A Traditional character also takes the readings of its Simplified form.
    for trad, simp in t2s_char.items():
        extra = readings.get(simp)
        if extra:
            readings[trad] = readings.get(trad, frozenset()) | extra
    return readings


@disk_cached
def _built_tables() -> tuple[np.ndarray, dict[str, str], dict[str, frozenset[str]], np.ndarray, str]:
    """Everything `CharTables` holds, as plain data (the regex as its pattern): a second of
    OpenCC and pypinyin work, kept on disk between processes (zhclean.table_cache)."""
    table, t2s_char = _build_script_tables()
    to_simplified_code = np.arange(0x110000, dtype=np.uint32)
    for trad, simp in t2s_char.items():
        to_simplified_code[ord(trad)] = ord(simp)
    traditional = _character_class(np.flatnonzero(table == TRAD_ONLY))
    return table, t2s_char, _build_readings(t2s_char), to_simplified_code, f"[{traditional}]"


@lru_cache(maxsize=1)
def char_tables() -> CharTables:
    """The process-wide tables, built (or loaded from the disk cache) on first use."""
    table, t2s_char, readings, to_simplified_code, traditional = _built_tables()
    return CharTables(table, t2s_char, readings, to_simplified_code, re.compile(traditional))


def _character_class(codes: np.ndarray) -> str:
    """A regex character class body for sorted code points, written as ranges."""
    parts: list[str] = []
    start = prev = int(codes[0])
    for code in [*codes[1:].tolist(), -1]:
        if code == prev + 1:
            prev = code
            continue
        parts.append(re.escape(chr(start)) if start == prev else f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
        start = prev = code
    return "".join(parts)
