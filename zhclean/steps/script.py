"""Detect the script and restore Traditional text that a machine converted from Simplified.

What it does: classifies the document as `simplified`, `traditional`, `mixed` or `none` from
its Han characters. For Traditional and mixed documents it scores evidence of machine
conversion from Simplified: Simplified forms left where a Traditional writer uses another
(`干部`, `并且`, `先后`, `范围`, `采购`, `里面`), found as the places where an OpenCC round trip
(Traditional → Simplified → Traditional, in the Mainland, Taiwan and Hong Kong standards)
writes a different character than the text. Under `--script auto` a document whose score
passes the calibrated threshold is converted back to Simplified (OpenCC `t2s`, phrase-aware,
plus Mainland standard forms such as `著力` → `着力`); genuine Traditional text stays.
`simplified`, `traditional` and `keep` force the choice. Extracted fields are converted with
the text. Punctuation is never touched.

Why: reposts are often run through a cheap character-by-character converter, so the same
article exists in both scripts and never deduplicates; but Taiwan and Hong Kong news is
Traditional by right and must stay so. See docs/script-calibration.md for the threshold.

Example: `看望各族幹部羣衆…同干部群众一起` (a converter left `干部`) → `看望各族干部群众…`
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from zhclean.chars import SHARED, SIMP_ONLY, TRAD_ONLY, char_tables, convert_each, scan_chars
from zhclean.opencc_pool import converter
from zhclean.steps.base import Removal, StepOutput, register

MODES = ("auto", "simplified", "traditional", "keep")
_ROUND_TRIP = ("s2t", "s2tw", "s2hk")
_WINDOW = 4  # characters of context on each side of a Simplified form, for phrase tables

# Mainland standard forms OpenCC's t2s lacks: 著 is 着 except in the words where it means
# "write / notable" (著名, 显著, 专著 ...).
_ZHE_KEEP_AFTER = "名作称述者录书有文说"
_ZHE_KEEP_BEFORE = "显名专论原巨编译遗卓昭土合新拙大力编撰"
_ZHE_TO_ZHAO = re.compile(f"(?<![{_ZHE_KEEP_BEFORE}])著(?![{_ZHE_KEEP_AFTER}])")


@dataclass(frozen=True, slots=True)
class ScriptOptions:
    mode: str = "auto"
    threshold: float = 2.0  # machine-conversion evidence per 1,000 Han characters
    min_evidence: int = 2  # and at least this many places
    traditional_share: float = 0.9  # Traditional-only share of script-specific characters

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"script mode must be one of {', '.join(MODES)}, not {self.mode!r}")


@dataclass(frozen=True, slots=True)
class ScriptProfile:
    """What detection found in one document."""

    script: str
    han: int
    traditional_only: int
    simplified_only: int
    evidence: int  # Simplified leftovers and OpenCC-only forms
    score: float  # machine-conversion evidence per 1,000 Han characters
    follows_opencc: int = 0  # places in OpenCC's s2t standard where Taiwan's differs
    follows_region: int = 0  # places in Taiwan's or Hong Kong's standard instead


def _classify(counts: np.ndarray, options: ScriptOptions) -> str:
    han = int(counts[SHARED] + counts[TRAD_ONLY] + counts[SIMP_ONLY])
    trad, simp = int(counts[TRAD_ONLY]), int(counts[SIMP_ONLY])
    if han == 0:
        return "none"
    if trad == 0:
        return "simplified"
    share = trad / (trad + simp)
    if share >= options.traditional_share:
        return "traditional"
    if share <= 1 - options.traditional_share:
        return "simplified"
    return "mixed"


# One-to-many characters: a Simplified form with several Traditional forms (干 → 乾/幹,
# 发 → 發/髮), or one that is itself Traditional in other words (皇后, 公里). A cheap
# converter leaves them as they are (`干部`, `先后`) or picks the wrong form (`皇後`); a
# Traditional writer writes the form the word needs. Surnames and Taiwan/Hong Kong variants
# that writers use on their own (范, 余, 于, 占, 准, 台) are left out on purpose.
ONE_TO_MANY = "干发后并系采云万个党团别广术参当复历汇获冲划几确愿征种尽须价里只面制钟志"


# OpenCC's canonical Traditional forms that neither the Taiwan nor the Hong Kong standard uses
# (they write 為 眾 群 吃 床 濕 偽 才 嘆 雞 唇; Hong Kong does write 綫 and 裏). Text full of them came out of OpenCC's
# plain `s2t`, not from a Taiwan or Hong Kong writer.
OPENCC_ONLY_FORMS = "爲衆羣喫牀溼僞纔歎鷄脣"


# One-to-many characters that OpenCC keeps character by character but whose common words take
# another form (關係, 聯繫): counted too. Other shared ones (只, 面) are too common in real text.
SHARED_LEFTOVERS = "系"


@dataclass(frozen=True, slots=True)
class _Spots:
    """The places of a document whose character has any detection feature, with the features
    and script classes there: usually a small share of the text, so later work is small."""

    positions: np.ndarray
    features: np.ndarray
    classes: np.ndarray

    @classmethod
    def of(cls, codes: np.ndarray, classes: np.ndarray) -> _Spots:
        features = _feature_table()[codes]
        positions = np.flatnonzero(features)
        return cls(positions, features[positions], classes[positions])

    def where(self, bit: int) -> np.ndarray:
        return self.positions[(self.features & bit) != 0]


def conversion_evidence(text: str, spots: _Spots) -> int:
    """Places that show conversion: OpenCC-only forms, and one-to-many Simplified leftovers.

    OpenCC-only forms (`爲`, `羣`) are counted with one vectorised lookup.

    Only windows around those characters are converted, so the cost is small. A Traditional
    writer's own forms (`皇后`, `干擾`) survive at least one of the Mainland, Taiwan and Hong
    Kong round trips; a converter's leftovers (`干部` for `幹部`) survive none. The reverse
    signal (a wrong Traditional pick such as `皇後`) was measured and dropped: OpenCC's own
    picks disagree with real Taiwan usage (`發卡`, `盡快`) too often to count as evidence.
    """
    opencc_forms = int(np.count_nonzero(spots.features & _OPENCC_FORM))
    one_to_many = (spots.features & _ONE_TO_MANY) != 0
    leftovers = one_to_many & ((spots.classes == SIMP_ONLY) | ((spots.features & _SHARED_LEFTOVER) != 0))
    positions = spots.positions[leftovers].tolist()
    if not positions:
        return opencc_forms
    keys = list(zip(*_windows(text, positions), strict=True))
    unknown = [key for key in dict.fromkeys(keys) if key not in _WINDOW_VERDICTS]
    if unknown:
        _judge_windows(unknown)
    return sum(map(_WINDOW_VERDICTS.__getitem__, keys)) + opencc_forms


# (window, centre) -> does the centre survive no round trip. A verdict depends on the window
# only, and the same contexts (關係, 系統, 體系) come back in document after document.
_WINDOW_VERDICTS: dict[tuple[str, int], bool] = {}
_WINDOW_VERDICTS_MAX = 100_000


def _judge_windows(keys: list[tuple[str, int]]) -> None:
    """Round-trip the windows in one OpenCC call per standard and remember each verdict."""
    windows, centres = [w for w, _ in keys], [c for _, c in keys]
    simplified = converter("t2s").convert("\n".join(windows))
    mainland = converter("s2t").convert(simplified).split("\n")
    table = _feature_table()
    verdicts, recheck = [False] * len(keys), []
    for i, (window, centre) in enumerate(keys):
        char = window[centre]
        if len(mainland[i]) != len(window) or mainland[i][centre] == char:
            continue
        if (table[ord(char)] | table[ord(mainland[i][centre])]) & _VARIANT:
            recheck.append(i)  # Taiwan or Hong Kong may write it differently: ask them
        else:
            verdicts[i] = True  # their standards write this character as the Mainland one does
    for i in _survive_no_region(recheck, windows, centres, simplified):
        verdicts[i] = True
    if len(_WINDOW_VERDICTS) + len(keys) > _WINDOW_VERDICTS_MAX:
        _WINDOW_VERDICTS.clear()
    _WINDOW_VERDICTS.update(zip(keys, verdicts, strict=True))


def _survive_no_region(indices: list[int], windows: list[str], centres: list[int], simplified: str) -> list[int]:
    """Those of the windows `indices` that the Taiwan and Hong Kong round trips also change."""
    if not indices:
        return []
    lines = simplified.split("\n")
    chosen = "\n".join(lines[i] for i in indices)
    trips = [converter(c).convert(chosen).split("\n") for c in ("s2tw", "s2hk")]
    return [
        i for j, i in enumerate(indices)
        if all(len(t[j]) == len(windows[i]) and t[j][centres[i]] != windows[i][centres[i]] for t in trips)
    ]


def _windows(text: str, positions: list[int]) -> tuple[list[str], list[int]]:
    """Short windows around `positions` (line breaks blanked, so they can be converted in one
    newline-joined OpenCC call) and where each position sits in its window."""
    windows = [text[max(0, p - _WINDOW) : p + _WINDOW + 1].replace("\n", " ") for p in positions]
    return windows, [min(p, _WINDOW) for p in positions]


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


@lru_cache(maxsize=1)
def _standard_masks() -> tuple[np.ndarray, np.ndarray]:
    """(variant, region) code point masks, from one round trip of every character.

    variant: characters the Mainland (OpenCC), Taiwan and Hong Kong standards write
    differently (`爲/為`, `裏/裡`, `羣/群`): where a document shows which standard it follows.
    region: forms the Taiwan or Hong Kong standard writes and OpenCC's `s2t` never does
    (`為`, `裡`, `説`): one of them shows the text did not come out of plain `s2t`.
    """
    chars = scan_chars()
    simplified = convert_each(converter("t2s"), chars)
    mainland, taiwan, hong_kong = (convert_each(converter(c), simplified) for c in _ROUND_TRIP)
    trips = list(zip(chars, mainland, taiwan, hong_kong, strict=True))
    variant = np.zeros(char_tables().script_class.shape, dtype=bool)
    for forms in trips:
        if len(set(forms[1:])) > 1:
            variant[[ord(f) for f in forms if len(f) == 1]] = True
    region = np.zeros(variant.shape, dtype=bool)
    for c, m, t, h in trips:
        if variant[ord(c)] and c != m and c in (t, h):
            region[ord(c)] = True
    return variant, region


# What each code point tells detection, as bits of one uint8 table: one gather per document.
_OPENCC_FORM, _ONE_TO_MANY, _SHARED_LEFTOVER, _VARIANT, _REGION_FORM = 1, 2, 4, 8, 16


@lru_cache(maxsize=1)
def _feature_table() -> np.ndarray:
    table = np.zeros(char_tables().script_class.shape, dtype=np.uint8)
    for bit, chars in ((_OPENCC_FORM, OPENCC_ONLY_FORMS), (_ONE_TO_MANY, ONE_TO_MANY),
                       (_SHARED_LEFTOVER, SHARED_LEFTOVERS)):
        table[[ord(ch) for ch in chars]] |= bit
    variant, region = _standard_masks()
    table[variant] |= _VARIANT
    table[region] |= _REGION_FORM
    return table


_MAX_STANDARD_WINDOWS = 64  # enough places to tell the standards apart; bounds the cost


def _standard_positions(codes: np.ndarray, spots: _Spots) -> np.ndarray:
    """Where the standards differ: every distinct such character once, plus places spread
    evenly over the document, at most about 64 + distinct characters in all."""
    positions = spots.where(_VARIANT)
    if len(positions) <= _MAX_STANDARD_WINDOWS:
        return positions
    _, first = np.unique(codes[positions], return_index=True)
    spread = np.linspace(0, len(positions) - 1, _MAX_STANDARD_WINDOWS).astype(np.int64)
    return np.union1d(positions[first], positions[spread])


def opencc_standard_evidence(text: str, codes: np.ndarray, spots: _Spots) -> tuple[int, int]:
    """(places written in OpenCC's s2t standard where Taiwan's differs, places in Taiwan's or
    Hong Kong's standard where OpenCC's differs), from round trips of short windows around
    the characters the standards write differently (see `_standard_positions`).

    Text produced by OpenCC's `s2t` follows it everywhere (`爲`, `裏`, `羣`); a Taiwan or Hong
    Kong writer follows their own standard at least somewhere.
    """
    region_forms = int(np.count_nonzero(spots.features & _REGION_FORM))
    if region_forms:  # settled without round trips
        return 0, region_forms
    positions = _standard_positions(codes, spots).tolist()
    if not positions:
        return 0, 0
    windows, centres = _windows(text, positions)
    simplified = converter("t2s").convert("\n".join(windows))
    mainland, taiwan, hong_kong = (converter(c).convert(simplified).split("\n") for c in _ROUND_TRIP)
    follows_opencc = follows_region = 0
    for i, (window, centre) in enumerate(zip(windows, centres, strict=True)):
        if not len(mainland[i]) == len(taiwan[i]) == len(hong_kong[i]) == len(window):
            continue
        char = window[centre]
        on_mainland = mainland[i][centre] == char
        follows_opencc += on_mainland and taiwan[i][centre] != char
        follows_region += not on_mainland and char in (taiwan[i][centre], hong_kong[i][centre])
    return follows_opencc, follows_region


def detect(text: str, options: ScriptOptions = ScriptOptions()) -> ScriptProfile:
    """Classify the script and, for Traditional or mixed text, score machine conversion."""
    codes = _codes(text)
    classes = char_tables().script_class[codes]
    counts = np.bincount(classes, minlength=4)
    script = _classify(counts, options)
    han = int(counts[SHARED] + counts[TRAD_ONLY] + counts[SIMP_ONLY])
    if script not in ("traditional", "mixed"):
        return ScriptProfile(script, han, int(counts[TRAD_ONLY]), int(counts[SIMP_ONLY]), 0, 0.0)
    spots = _Spots.of(codes, classes)
    evidence = conversion_evidence(text, spots)
    score = 1000.0 * evidence / han if han else 0.0
    follows_opencc = follows_region = 0
    if not _leftovers_convince(evidence, score, options):
        follows_opencc, follows_region = opencc_standard_evidence(text, codes, spots)
        if follows_opencc >= 1 and follows_region == 0:
            score = max(score, 1000.0 * follows_opencc / han)
    return ScriptProfile(
        script, han, int(counts[TRAD_ONLY]), int(counts[SIMP_ONLY]), evidence, score,
        follows_opencc, follows_region,
    )


def _leftovers_convince(evidence: int, score: float, options: ScriptOptions) -> bool:
    return evidence >= options.min_evidence and score >= options.threshold


def is_machine_converted(profile: ScriptProfile, options: ScriptOptions) -> bool:
    """Simplified leftovers past the threshold, or OpenCC's own standard followed throughout."""
    if profile.script not in ("traditional", "mixed"):
        return False
    if _leftovers_convince(profile.evidence, profile.score, options):
        return True
    return profile.follows_opencc >= 1 and profile.follows_region == 0


def to_simplified(text: str) -> str:
    """Phrase-aware conversion to Mainland Simplified standard forms."""
    text = converter("t2s").convert(text)
    return _ZHE_TO_ZHAO.sub("着", text) if "著" in text else text


def to_traditional(text: str) -> str:
    return converter("s2t").convert(text)


def _target(mode: str, profile: ScriptProfile, converted: bool) -> str | None:
    """The script to convert to, or None to leave the text as it is."""
    if mode == "keep" or profile.script == "none":
        return None
    if mode == "auto":
        return "simplified" if converted else None
    return mode


@register("script", options=ScriptOptions)
def script(text: str, fields: Mapping[str, Any], options: ScriptOptions, explain: bool) -> StepOutput:
    profile = detect(text, options)
    converted = is_machine_converted(profile, options)
    info: dict[str, Any] = {
        "script_in": profile.script,
        "script_out": profile.script,
        "machine_converted": converted,
        "machine_converted_score": round(profile.score, 3),
    }
    target = _target(options.mode, profile, converted)
    if target is None:
        return StepOutput(text, 0, info)
    convert = to_simplified if target == "simplified" else to_traditional
    new_text = convert(text)
    for name in ("source", "editor", "original_title", "author"):
        if isinstance(fields.get(name), str):
            info[name] = convert(fields[name])
    after = np.bincount(char_tables().classes(new_text), minlength=4)
    info["script_out"] = _classify(after, options)
    edits = _changed_chars(text, new_text)
    removals = [Removal("script", f"to_{target}", 0, "", f"{edits} characters converted")] if explain and edits else []
    return StepOutput(new_text, edits, info, removals)


def _changed_chars(before: str, after: str) -> int:
    """Characters the conversion changed (OpenCC keeps length; fall back to 1 if not)."""
    if len(before) != len(after):
        return 1
    return int((_codes(before) != _codes(after)).sum())

