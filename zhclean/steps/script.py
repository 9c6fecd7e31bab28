"""Detect the script and restore Traditional text that a machine converted from Simplified.

What it does: classifies the document as `simplified`, `traditional`, `mixed` or `none` from
its Han characters. For Traditional and mixed documents it weighs evidence of machine
conversion from Simplified (zhclean/script_evidence.py): Simplified forms left where a
Traditional writer uses another (`干部`, `并且`, `先后`), rare forms no standard writes where
they stand and writers almost never choose (`傢族`, `齣現`, `傾嚮`: any cheap converter's
one-to-many mistakes, weighed before the Taiwan/Hong Kong forms such a converter also writes),
OpenCC's own standard followed throughout (`爲`, `裏`), and a character table's choices where
every phrase-aware standard writes another (`籤署` for `簽署`), each checked by OpenCC round
trips of short windows; and Mainland language, curly quotes with Mainland words (`信息`,
`短信`), which is all that text from a Taiwan or Hong Kong standard converter keeps.
Under `--script auto` a document whose score
passes the calibrated threshold is converted back to Simplified (OpenCC `t2s`, phrase-aware;
the forms OpenCC's `s2t` writes and its `t2s` does not take back, `揹着` → `背着`; and Mainland
standard forms such as `著力` → `着力`); genuine Traditional text stays.
`simplified`, `traditional` and `keep` force the choice. Extracted fields are converted with
the text. Punctuation is never touched.

Why: reposts are often run through a cheap character-by-character converter, so the same
article exists in both scripts and never deduplicates; but Taiwan and Hong Kong news is
Traditional by right and must stay so. See docs/script-calibration.md for the threshold.

Example: `看望各族幹部羣衆…同干部群众一起` (a converter left `干部`) → `看望各族干部群众…`
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from zhclean.chars import HAN_RE, SHARED, SIMP_ONLY, TRAD_ONLY, char_tables, codes_of
from zhclean.config import setting
from zhclean.opencc_pool import converter
from zhclean.script_evidence import (
    Spots,
    conversion_evidence,
    mainland_language_evidence,
    pick_positions,
    pick_weight_bound,
    rare_form_evidence,
    standard_positions,
    window_evidence,
)
from zhclean.steps.base import NoOptions, Removal, StepOutput, register
from zhclean.steps.punctuation import punctuation
from zhclean.steps.repeated_line import RepeatedLineOptions, repeated_lines
from zhclean.t2s import repair_round_trip, to_simplified_opencc
from zhclean.text import may_stand_twice, remove_lines

MODES = ("auto", "simplified", "traditional", "keep")

# Mainland standard forms OpenCC's t2s lacks: 著 is 着 except in the words where it means
# "write / notable" (著名, 显著, 专著 ...).
_ZHE_KEEP_AFTER = "名作称述者录书有文"  # not 说: Mainland corpora write 着说 14 times, 著说 never
_ZHE_KEEP_BEFORE = "显名专论原巨编译遗卓昭土合新拙大力编撰"
# Led by `著` itself (the engine skips to it), its lookbehind after it.
_ZHE_TO_ZHAO = re.compile(f"著(?<![{_ZHE_KEEP_BEFORE}]著)(?![{_ZHE_KEEP_AFTER}])")


@dataclass(frozen=True, slots=True)
class ScriptOptions:
    mode: str = setting("auto", choices=MODES)
    threshold: float = setting(2.0, at_least=0)  # machine-conversion evidence per 1,000 Han characters
    min_evidence: int = setting(2, at_least=0)  # and at least this many places
    min_distinct: int = setting(2, at_least=0)  # of at least this many leftover characters (each OpenCC-only form counts)
    traditional_share: float = setting(0.9, at_least=0, at_most=1)  # Traditional-only share of script-specific characters
    pick_threshold: float = 2.0  # converter picks: log10 likelihood ratio against a writer
    rare_threshold: float = 6.0  # rare forms where no standard writes them: summed log10 weights
    language_threshold: float = setting(1.0, above=0)  # curly quotes, and Mainland words' summed log10 weights

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"script mode must be one of {', '.join(MODES)}, not {self.mode!r}")


@dataclass(slots=True)
class ScriptProfile:
    """What detection found in one document."""

    script: str
    han: int  # Han characters (-1: not counted, as in text without Traditional-only ones)
    traditional_only: int
    simplified_only: int  # (-1: not counted)
    evidence: int  # Simplified leftovers and OpenCC-only forms
    score: float  # machine-conversion evidence per 1,000 Han characters
    follows_opencc: int = 0  # places in OpenCC's s2t standard where Taiwan's differs
    follows_region: int = 0  # places in Taiwan's or Hong Kong's standard instead
    converter_picks: float = 0.0  # log10 likelihood ratio of a character converter's choices
    rare_forms: float = 0.0  # summed weights of rare forms no standard writes where they stand
    evidence_distinct: int = 0  # distinct leftover characters, plus the OpenCC-only forms
    mainland_words: float = 0.0  # quoted the Mainland way: its Mainland words' summed log10 weights


def _classify(counts: np.ndarray, options: ScriptOptions) -> str:
    han = int(counts[SHARED] + counts[TRAD_ONLY] + counts[SIMP_ONLY])
    trad, simp = int(counts[TRAD_ONLY]), int(counts[SIMP_ONLY])
    if han == 0:
        return "none"
    if trad == 0:
        return "simplified"
    # Each side's own share, not 1 - share: 1 - 0.9 is 0.0999..., which made 1 Traditional
    # character among 9 Simplified ones `mixed`.
    if trad >= options.traditional_share * (trad + simp):
        return "traditional"
    if simp >= options.traditional_share * (trad + simp):
        return "simplified"
    return "mixed"


def detect(text: str, options: ScriptOptions = ScriptOptions()) -> ScriptProfile:
    """Classify the script and, for Traditional or mixed text, score machine conversion.

    Leftovers are counted first; only when they do not settle it are windows round-tripped,
    and a single Taiwan or Hong Kong form settles it without any conversion."""
    if script := _script_without_traditional(text):  # most text: settled by one regex scan
        return ScriptProfile(script, -1, 0, -1, 0, 0.0)
    codes = codes_of(text)
    counts = np.bincount(char_tables().script_class[codes], minlength=4)
    script = _classify(counts, options)
    han = int(counts[SHARED] + counts[TRAD_ONLY] + counts[SIMP_ONLY])
    classified = (script, han, int(counts[TRAD_ONLY]), int(counts[SIMP_ONLY]))
    if script not in ("traditional", "mixed") or counts[TRAD_ONLY] < counts[SIMP_ONLY]:
        # Mostly Simplified text with some Traditional-only characters (a name such as 王丙乾,
        # a quoted word) is not a converted Traditional document: converters leave at most
        # 31% of the script-specific characters Simplified (calibration). No evidence.
        return ScriptProfile(*classified, 0, 0.0)
    spots = Spots.of(codes)
    evidence, distinct = conversion_evidence(text, spots)
    score = 1000.0 * evidence / han
    if _leftovers_convince(evidence, distinct, score, options):
        return ScriptProfile(*classified, evidence, score, evidence_distinct=distinct)
    # Forms no standard writes where they stand, and writers almost never choose (`到瞭`,
    # `齣現`): weighed before the Taiwan/Hong Kong forms, which a converter writes too.
    if (rare := rare_form_evidence(text, codes, spots, threshold=options.rare_threshold)) >= options.rare_threshold:
        return ScriptProfile(*classified, evidence, max(score, 1000.0 * rare / han), rare_forms=rare, evidence_distinct=distinct)
    # Mainland writing: quoted the Mainland way, in Mainland words. What tells text that a
    # Taiwan or Hong Kong standard converter wrote (OpenCC s2tw, s2hk), which has their forms.
    if (mainland := mainland_language_evidence(text)) >= options.language_threshold:
        return ScriptProfile(*classified, evidence, max(score, 1000.0 * mainland / han), rare_forms=rare,
                             evidence_distinct=distinct, mainland_words=mainland)
    if region_forms := spots.region_forms():
        return ScriptProfile(*classified, evidence, score, follows_region=region_forms, rare_forms=rare,
                             evidence_distinct=distinct, mainland_words=mainland)
    pick_places = pick_positions(codes, spots) if pick_weight_bound(codes, spots) >= options.pick_threshold else []
    (follows_opencc, follows_region), picks = window_evidence(
        text, standard_positions(codes, spots), pick_places, options.pick_threshold
    )
    if follows_opencc or follows_region:
        if follows_opencc and not follows_region:
            score = max(score, 1000.0 * follows_opencc / han)
        return ScriptProfile(*classified, evidence, score, follows_opencc, follows_region, evidence_distinct=distinct)
    if picks.weight >= options.pick_threshold:
        score = max(score, 1000.0 * picks.places / han)
    return ScriptProfile(*classified, evidence, score, converter_picks=picks.weight, evidence_distinct=distinct)


def _leftovers_convince(evidence: int, distinct: int, score: float, options: ScriptOptions) -> bool:
    """Enough leftover places, dense enough, of more than one character: one word repeated
    (`首里城`, `應采兒`, a Taiwan borough `永定里`) is a writer's, and converters leave many."""
    return evidence >= options.min_evidence and distinct >= options.min_distinct and score >= options.threshold


def is_machine_converted(profile: ScriptProfile, options: ScriptOptions) -> bool:
    """Simplified leftovers past the threshold, rare forms, or Mainland language; or, with no
    Taiwan or Hong Kong form anywhere, OpenCC's own standard or a character converter's choices."""
    return conversion_evidence_named(profile, options) is not None


def conversion_evidence_named(profile: ScriptProfile, options: ScriptOptions) -> str | None:
    """The evidence that makes `profile` machine-converted, in words (for `explain`), or None
    when none does: the one decision `is_machine_converted` takes."""
    if profile.script not in ("traditional", "mixed"):
        return None
    if _leftovers_convince(profile.evidence, profile.evidence_distinct, profile.score, options):
        return (f"leftovers: {profile.evidence} places of {profile.evidence_distinct} characters, "
                f"{profile.score:.1f} per 1,000 Han")
    if profile.rare_forms >= options.rare_threshold:
        return f"rare forms no standard writes there: weight {profile.rare_forms:.1f}"
    if profile.mainland_words >= options.language_threshold:
        return f"Mainland language: curly quotes, Mainland words of weight {profile.mainland_words:.1f}"
    if profile.follows_region:
        return None
    if profile.follows_opencc >= 1:
        return f"OpenCC's s2t standard throughout: {profile.follows_opencc} places"
    if profile.converter_picks >= options.pick_threshold:
        return f"character converter's picks: weight {profile.converter_picks:.1f}"
    return None


# 瞭 is Mainland standard only in 瞭望/瞭哨 (liào); everywhere else it is 了. OpenCC's t2s
# changes it only in the phrases it lists (瞭解), so a cheap converter's 到瞭 stayed.
_LIAO_TO_LE = re.compile("瞭(?![望哨])")
# 藉 is Mainland standard only in 慰藉, 狼藉, 蕴藉, 枕藉 and 藉藉 (jí); elsewhere it is 借
# (借口, 借此, 借鉴). A character converter writes 藉 for every 借, and t2s keeps it.
_JIE_TO_JIE = re.compile("藉(?<![慰狼蕴枕藉]藉)(?!藉)")


def to_simplified(text: str) -> str:
    """Phrase-aware conversion to Mainland Simplified standard forms: OpenCC's t2s, what its
    s2t writes and t2s does not take back (`揹着` -> `背着`: `repair_round_trip`), and three
    Mainland rules of its own (著, 藉, 瞭)."""
    text = repair_round_trip(to_simplified_opencc(text))
    if "著" in text:
        text = _ZHE_TO_ZHAO.sub("着", text)
    if "藉" in text:
        text = _JIE_TO_JIE.sub("借", text)
    return _LIAO_TO_LE.sub("了", text) if "瞭" in text else text


def to_traditional(text: str) -> str:
    return converter("s2t").convert(text)


def _target(mode: str, profile: ScriptProfile, converted: bool) -> str | None:
    """The script to convert to, or None to leave the text as it is."""
    if mode == "keep" or profile.script == "none":
        return None
    if mode == "auto":
        return "simplified" if converted else None
    return mode


def judge(text: str, options: ScriptOptions) -> tuple[ScriptProfile, bool]:
    """The profile that decides, and whether the text was machine-converted: on the whole
    text, or else on what the repeated-line step will leave of it. A document kept as it
    is goes to the next cleaning without its repeated lines, which must not find a
    conversion this one did not (a converted one comes back Simplified: nothing to find).
    Most converted text is settled on the whole of it, with no look at its lines."""
    profile = detect(text, options)
    if (converted := is_machine_converted(profile, options)) or profile.traditional_only == 0:
        return profile, converted
    kept = _kept_lines(text)
    if kept is text:
        return profile, False
    rest = detect(kept, options)
    return (rest, True) if is_machine_converted(rest, options) else (profile, False)


def _kept_lines(text: str) -> str:
    """The text without the lines the repeated-line step will drop (with its default
    options), found as that step will see them, after the punctuation step; the text itself
    when none go. Most text is settled by `_may_repeat`."""
    if "\n" not in text or not _may_repeat(text):
        return text
    marked = punctuation(text, {}, NoOptions(), False).text  # never adds or removes a line
    drop = repeated_lines(marked, RepeatedLineOptions().min_han)
    return remove_lines(text.split("\n"), set(drop)) if drop else text


def _may_repeat(text: str) -> bool:
    """Whether some line may be one the repeated-line step drops (`may_stand_twice`): a few
    searches per line, where running the punctuation step to compare the lines would cost
    more than the script step's detection."""
    minimum = RepeatedLineOptions().min_han
    return any(len(line) >= minimum and may_stand_twice(line, text) for line in text.split("\n"))


@register("script", options=ScriptOptions)
def script(text: str, fields: Mapping[str, Any], options: ScriptOptions, explain: bool) -> StepOutput:
    profile, converted = judge(text, options)
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
    names = [n for n in ("source", "editor", "original_title", "author") if isinstance(fields.get(n), str)]
    new_text, *values = _convert_together(convert, [text, *(fields[n] for n in names)])
    info.update(zip(names, values, strict=True))
    info["script_out"] = _script_of(new_text, options)
    edits = _changed_chars(text, new_text)
    removals = []
    if explain and edits:
        why = conversion_evidence_named(profile, options) if converted else f"--script {options.mode}"
        removals = [Removal("script", f"to_{target}", 0, "", f"{edits} characters converted ({why})")]
    return StepOutput(new_text, edits, info, removals, {f"to_{target}": 1} if edits else None)


def _convert_together(convert: Callable[[str], str], texts: list[str]) -> list[str]:
    """The text and its fields in one OpenCC call (line breaks stop phrases), unless a field
    holds a line break itself."""
    if len(texts) == 1 or any("\n" in t for t in texts[1:]):
        return [convert(t) for t in texts]
    return convert("\n".join(texts)).rsplit("\n", len(texts) - 1)


def _script_without_traditional(text: str) -> str | None:
    """`simplified` or `none` for text without Traditional-only characters (one regex scan),
    None when the characters must be counted."""
    if char_tables().has_traditional(text):
        return None
    return "simplified" if HAN_RE.search(text) else "none"


def _script_of(text: str, options: ScriptOptions) -> str:
    return _script_without_traditional(text) or _classify(
        np.bincount(char_tables().classes(text), minlength=4), options
    )


def _changed_chars(before: str, after: str) -> int:
    """Characters the conversion changed (OpenCC keeps length; fall back to 1 if not)."""
    if len(before) != len(after):
        return 1
    return int(np.count_nonzero(codes_of(before) != codes_of(after)))

