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

from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from zhclean.chars import char_tables, codes_of, text_of
from zhclean.opencc_pool import converter

PHRASE_CHARS_FILE = "t2s_phrase_chars.tsv"
_COMPATIBILITY = (0xF900, 0xFB00)


@lru_cache(maxsize=1)
def _phrase_table() -> dict[str, int]:
    """Every character of OpenCC's t2s phrases -> how many phrases change its conversion."""
    data = resources.files("zhclean.data").joinpath(PHRASE_CHARS_FILE).read_text("utf-8")
    rows = (line.split("\t") for line in data.splitlines() if line and not line.startswith("#"))
    return {char: int(changes) for char, changes in rows}


def phrase_chars() -> str:
    """The characters where OpenCC's t2s phrase table overrides its character table."""
    return "".join(c for c, changes in _phrase_table().items() if changes)


@lru_cache(maxsize=1)
def _masks() -> tuple[np.ndarray, np.ndarray]:
    """(changed by some phrase, in some phrase) per code point."""
    changed = np.zeros(char_tables().script_class.shape, dtype=bool)
    in_phrase = np.zeros(changed.shape, dtype=bool)
    changed[[ord(c) for c in phrase_chars()]] = True
    in_phrase[[ord(c) for c in _phrase_table()]] = True
    return changed, in_phrase


def to_simplified_opencc(text: str) -> str:
    """Exactly `OpenCC("t2s").convert(text)`."""
    codes = codes_of(text)
    if not codes.size:
        return text
    if codes.max() >= 0x10000 or np.any((codes >= _COMPATIBILITY[0]) & (codes < _COMPATIBILITY[1])):
        return converter("t2s").convert(text)
    mapped = char_tables().to_simplified_code[codes]
    phrase_positions = np.flatnonzero(_masks()[0][codes])
    if not phrase_positions.size:
        return text_of(mapped)
    return _with_phrase_runs(text, codes, mapped, phrase_positions)


def _with_phrase_runs(text: str, codes: np.ndarray, mapped: np.ndarray, positions: np.ndarray) -> str:
    """The character-mapped text with every run of phrase characters around `positions`
    replaced by OpenCC's conversion of that run (all runs in one OpenCC call)."""
    # Each run ends at the characters in no phrase around it: -1 and len(codes) bound the text.
    breaks = np.concatenate(([-1], np.flatnonzero(~_masks()[1][codes]), [len(codes)]))
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


def phrase_table_from_opencc() -> dict[str, int]:
    """Derive the table from the installed OpenCC's own phrase dictionary (needs
    `marisa-trie`, in the dev extra): every character of a phrase, with how many phrases
    convert it differently from the character table. Used to write and to check the
    shipped table."""
    import marisa_trie
    import opencc

    path = Path(opencc.__file__).parent / "clib" / "share" / "opencc" / "TSPhrases.ocd2"
    data = path.read_bytes()
    header = b"OPENCC_MARISA_0.2.5"
    if not data.startswith(header):
        raise RuntimeError(f"unexpected OpenCC dictionary format in {path}")
    trie = marisa_trie.Trie()
    trie.frombytes(data[len(header):])
    t2s = converter("t2s")
    counts: dict[str, int] = {}
    for phrase in trie.keys():  # noqa: SIM118 - a marisa Trie, not a dict
        alone = "".join(t2s.convert(c) for c in phrase)
        for char, whole, single in zip(phrase, t2s.convert(phrase), alone, strict=True):
            counts[char] = counts.get(char, 0) + (whole != single)
    return dict(sorted(counts.items()))


def _write_phrase_chars() -> None:
    counts = phrase_table_from_opencc()
    path = Path(__file__).parent / "data" / PHRASE_CHARS_FILE
    header = (
        "# Generated by `python -m zhclean.t2s` from the installed OpenCC's TSPhrases dictionary:\n"
        "# every character of a t2s phrase, and in how many phrases its conversion changes.\n"
    )
    path.write_text(header + "".join(f"{c}\t{n}\n" for c, n in counts.items()), encoding="utf-8")
    print(f"wrote {path}: {len(counts)} characters, {sum(map(bool, counts.values()))} changed")


if __name__ == "__main__":
    _write_phrase_chars()
