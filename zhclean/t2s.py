"""OpenCC's Traditional→Simplified conversion (`t2s`), computed four times faster.

OpenCC segments the whole text against its phrase table. That table (TSPhrases, 477 phrases
of 527 distinct characters in OpenCC 1.4) changes the result at only 38 characters (`乾隆`,
`瞭解`, `沈默`, `於菟` ...); everywhere else its output is the character table's. So the text
goes through a numpy character map, and only the runs of phrase characters that hold one of
those 38 go through OpenCC: no phrase can cross a character that is in no phrase. The output
is OpenCC's, character for character (tests/test_properties.py checks it on real and random
text, and that the shipped table matches the installed OpenCC's phrase dictionary).

Text with characters OpenCC's tables treat specially outside the character map (CJK
compatibility ideographs, which it normalises first; characters beyond the BMP) goes to
OpenCC whole.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from zhclean.chars import char_tables, codes_of, text_of
from zhclean.data import read_rows
from zhclean.opencc_pool import converter

PHRASE_CHARS_FILE = "t2s_phrase_chars.tsv"
_COMPATIBILITY = (0xF900, 0xFB00)


@lru_cache(maxsize=1)
def _phrase_table() -> dict[str, int]:
    """Every character of OpenCC's t2s phrases -> how many phrases change its conversion."""
    return {char: int(changes) for char, changes in read_rows(PHRASE_CHARS_FILE)}


def phrase_chars() -> str:
    """The characters where OpenCC's t2s phrase table overrides its character table."""
    return "".join(c for c, changes in _phrase_table().items() if changes)


_PHRASE_CHANGED, _SPECIAL = 1, 2  # bits of `_flags()`


@lru_cache(maxsize=1)
def _flags() -> np.ndarray:
    """Per code point: changed by some phrase; or special (a compatibility ideograph or beyond
    the BMP), which OpenCC must convert itself. One gather tells both."""
    flags = np.zeros(char_tables().script_class.shape, dtype=np.uint8)
    flags[[ord(c) for c in phrase_chars()]] |= _PHRASE_CHANGED
    flags[_COMPATIBILITY[0] : _COMPATIBILITY[1]] |= _SPECIAL
    flags[0x10000:] |= _SPECIAL
    return flags


@lru_cache(maxsize=1)
def _in_phrase() -> np.ndarray:
    """Per code point: in some phrase."""
    in_phrase = np.zeros(char_tables().script_class.shape, dtype=bool)
    in_phrase[[ord(c) for c in _phrase_table()]] = True
    return in_phrase


def to_simplified_opencc(text: str) -> str:
    """Exactly `OpenCC("t2s").convert(text)`."""
    codes = codes_of(text)
    flags = _flags()[codes]
    if not flags.any():
        return text_of(char_tables().to_simplified_code[codes])
    if (flags & _SPECIAL).any():
        return converter("t2s").convert(text)
    phrase_positions = np.flatnonzero(flags)
    return _with_phrase_runs(text, codes, char_tables().to_simplified_code[codes], phrase_positions)


def _with_phrase_runs(text: str, codes: np.ndarray, mapped: np.ndarray, positions: np.ndarray) -> str:
    """The character-mapped text with every run of phrase characters around `positions`
    replaced by OpenCC's conversion of that run (all runs in one OpenCC call)."""
    # Each run ends at the characters in no phrase around it: -1 and len(codes) bound the text.
    breaks = np.concatenate(([-1], np.flatnonzero(~_in_phrase()[codes]), [len(codes)]))
    after = np.searchsorted(breaks, positions)
    starts, ends = (breaks[after - 1] + 1).tolist(), breaks[after].tolist()
    runs = sorted(set(zip(starts, ends, strict=True)))
    converted = converter("t2s").convert("\n".join([text[s:e] for s, e in runs])).split("\n")
    mapped_text = text_of(mapped)
    pieces, last = [], 0
    for (start, end), run in zip(runs, converted, strict=True):
        pieces += [mapped_text[last:start], run]
        last = end
    pieces.append(mapped_text[last:])
    return "".join(pieces)


# --- round-trip repairs -------------------------------------------------------------------

REPAIRS_FILE = "t2s_repairs.tsv"


@lru_cache(maxsize=1)
def _repairs() -> tuple[dict[str, str], re.Pattern | None]:
    """The packaged repairs (what t2s leaves -> the Mainland form), and one pattern of them,
    longest first."""
    table = {left: right for left, right, *_ in read_rows(REPAIRS_FILE)}
    if not table:
        return table, None
    return table, re.compile("|".join(map(re.escape, sorted(table, key=len, reverse=True))))


def repair_round_trip(text: str) -> str:
    """`text` (t2s output) with the forms converters write and t2s does not take back written
    as the Mainland text had them: OpenCC's s2t turns `背着` into `揹着` and `想象` into `想像`,
    a character table writes `寜` for 宁, and t2s keeps those, which Mainland writers do not
    use (REPAIRS_FILE, from bench/t2s_table.py: derived from OpenCC's dictionaries and
    HanziConv's table, kept only where the Mainland corpora write the original and almost
    never the leftover). Only restoring calls it: genuine Traditional text is never
    converted."""
    table, pattern = _repairs()
    if pattern is None or pattern.search(text) is None:  # most text: no match, and no call set up
        return text
    return pattern.sub(lambda m: table[m.group()], text)


def round_trip_leftovers() -> dict[str, set[str]]:
    """Every form that OpenCC's t2s leaves where s2t changed a Simplified phrase or character
    of its dictionaries (`t2s(s2t(K)) != K`) -> the K it came from (for the generating script;
    needs `marisa-trie`)."""
    s2t, t2s = converter("s2t"), converter("t2s")
    left: dict[str, set[str]] = {}
    for key in [*_dictionary_keys("STPhrases.ocd2"), *_dictionary_keys("STCharacters.ocd2")]:
        back = t2s.convert(s2t.convert(key))
        if back != key:
            left.setdefault(back, set()).add(key)
    return left


def _dictionary_keys(name: str) -> list[str]:
    """The keys of one of the installed OpenCC's dictionaries (needs `marisa-trie`)."""
    import marisa_trie
    import opencc

    path = Path(opencc.__file__).parent / "clib" / "share" / "opencc" / name
    data = path.read_bytes()
    header = b"OPENCC_MARISA_0.2.5"
    if not data.startswith(header):
        raise RuntimeError(f"unexpected OpenCC dictionary format in {path}")
    trie = marisa_trie.Trie()
    trie.frombytes(data[len(header):])
    return list(trie.keys())  # noqa: SIM118 - a marisa Trie, not a dict


def phrase_table_from_opencc() -> dict[str, int]:
    """Derive the table from the installed OpenCC's own phrase dictionary (needs
    `marisa-trie`, in the dev extra): every character of a phrase, with how many phrases
    convert it differently from the character table. Used to write and to check the
    shipped table."""
    t2s = converter("t2s")
    counts: dict[str, int] = {}
    for phrase in _dictionary_keys("TSPhrases.ocd2"):
        alone = "".join(t2s.convert(c) for c in phrase)
        for char, whole, single in zip(phrase, t2s.convert(phrase), alone, strict=True):
            counts[char] = counts.get(char, 0) + (whole != single)
    return dict(sorted(counts.items()))
