"""Evidence that a Traditional document came out of a Simplified→Traditional converter.

Five kinds, each cheap because only short windows around telling characters are converted
(or, for the fifth, only text quoted the Mainland way is searched):

1. Leftovers (`conversion_evidence`): one-to-many Simplified characters a cheap converter
   leaves in place (`干部`, `先后`), and OpenCC-only forms (`爲`, `羣`) no Taiwan or Hong
   Kong writer uses.
2. The OpenCC standard throughout (`standard_evidence`): `裏`, `爲`-style forms wherever
   OpenCC's `s2t` and the Taiwan standard differ, and a Taiwan or Hong Kong form nowhere.
3. Converter picks (`converter_pick_evidence`): at characters with several Traditional forms
   (签 → 簽/籤, 幸 → 幸/倖), the form a character-by-character converter writes (`籤署`,
   `幸存者`) where every phrase-aware standard writes another (`簽署`, `倖存者`). Weighted by
   how rarely genuine Taiwan and Hong Kong writers make the same choice (zhclean/data/
   converter_picks.tsv, measured on tw_news by bench/calibrate_script.py).
4. Rare forms (`rare_form_evidence`): forms no standard writes where they stand and genuine
   writers almost never choose (`傢族`, `齣現`), a cheap converter's one-to-many mistakes.
5. Mainland language (`mainland_language_evidence`): curly quotes and Mainland words (`信息`,
   `短信`) in Traditional script, which a Taiwan or Hong Kong standard converter (OpenCC
   s2tw, s2hk) leaves when it leaves no character evidence.

The step (zhclean/steps/script.py) turns these into a decision; docs/script-calibration.md
has the measurements behind every threshold.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from zhclean.chars import (
    SHARED,
    SIMP_ONLY,
    TRAD_ONLY,
    char_tables,
    codes_of,
    convert_each,
    scan_chars,
)
from zhclean.data import read_rows
from zhclean.opencc_pool import converter
from zhclean.table_cache import disk_cached

_REGIONS = ("s2tw", "s2hk")  # after OpenCC's own s2t: the Taiwan and Hong Kong standards
_WINDOW = 4  # characters of context on each side of a telling character, for phrase tables

# One-to-many characters: a Simplified form with several Traditional forms (干 → 乾/幹,
# 发 → 發/髮), or one that is itself Traditional in other words (皇后, 公里). A cheap
# converter leaves them as they are (`干部`, `先后`); a Traditional writer writes the form the
# word needs. Surnames and Taiwan/Hong Kong variants that writers use on their own (范, 余,
# 于, 占, 准, 台) are left out on purpose.
ONE_TO_MANY = "干发后并系采云万个党团别广术参当复历汇获冲划几确愿征种尽须价里只面制钟志"

# OpenCC's canonical Traditional forms that neither the Taiwan nor the Hong Kong standard uses
# (they write 為 眾 群 吃 床 濕 偽 才 嘆 雞 唇; Hong Kong does write 綫 and 裏). Text full of
# them came out of OpenCC's plain `s2t`, not from a Taiwan or Hong Kong writer.
OPENCC_ONLY_FORMS = "爲衆羣喫牀溼僞纔歎鷄脣"

# One-to-many characters that OpenCC keeps character by character but whose common words take
# another form (關係, 聯繫): counted too. Other shared ones (只, 面) are too common in real text.
SHARED_LEFTOVERS = "系"

# What each code point tells detection, as bits of one uint8 table: one gather per document.
_OPENCC_FORM, _LEFTOVER, _VARIANT, _REGION_FORM, _AMBIGUOUS, _RARE_FORM = 1, 2, 8, 16, 32, 64

_MAX_SAMPLED_WINDOWS = 64  # enough places to tell writers from converters; bounds the cost

# A converter pick of a character no genuine article in the calibration showed either way:
# even odds, as the add-one estimate gives for zero observations.
_UNSEEN_PICK_WEIGHT = math.log10(2)
_MIN_TELLING_WEIGHT = 0.1  # below this a converter's form is what most writers write too


# --- character tables ---------------------------------------------------------------------


@lru_cache(maxsize=1)
def _char_round_trips() -> tuple[tuple[str, ...], list[str], list[str], list[str], list[str]]:
    """Every Han character, its Simplified form, and that form back in the Mainland (OpenCC),
    Taiwan and Hong Kong standards, each converted alone (no phrase context)."""
    chars = scan_chars()
    simplified = convert_each(converter("t2s"), chars)
    mainland, taiwan, hong_kong = (convert_each(converter(c), simplified) for c in ("s2t", *_REGIONS))
    return chars, simplified, mainland, taiwan, hong_kong


@disk_cached
def _standard_masks() -> tuple[np.ndarray, np.ndarray]:
    """(variant, region) code point masks.

    variant: characters the Mainland (OpenCC), Taiwan and Hong Kong standards write
    differently (`爲/為`, `裏/裡`, `羣/群`): where a document shows which standard it follows.
    region: forms the Taiwan or Hong Kong standard writes and OpenCC's `s2t` never does
    (`為`, `裡`, `説`): one of them shows the text did not come out of plain `s2t`.
    """
    chars, _, mainland, taiwan, hong_kong = _char_round_trips()
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


@disk_cached
def converter_pick() -> dict[str, str]:
    """Simplified character -> the Traditional form a character-by-character converter writes
    for it (OpenCC's character table, no phrases): `签` → `籤`, `里` → `裏`, `幸` → `幸`."""
    _, simplified, mainland, _, _ = _char_round_trips()
    return {s: m for s, m in zip(simplified, mainland, strict=True) if len(s) == 1 and len(m) == 1}


@disk_cached
def _ambiguous_groups() -> dict[str, list[str]]:
    """Simplified character -> the Traditional characters that share it (签 → 簽/籤,
    幸 → 幸/倖, 里 → 里/裏), for those with more than one: where a converter has to choose."""
    chars, simplified, _, _, _ = _char_round_trips()
    classes = char_tables().script_class
    groups: dict[str, list[str]] = {}
    for c, s in zip(chars, simplified, strict=True):
        if len(s) == 1 and classes[ord(c)] in (SHARED, TRAD_ONLY):
            groups.setdefault(s, []).append(c)
    return {s: members for s, members in groups.items() if len(members) > 1}


def _mask_of(groups: list[list[str]]) -> np.ndarray:
    mask = np.zeros(char_tables().script_class.shape, dtype=bool)
    for members in groups:
        mask[[ord(c) for c in members]] = True
    return mask


@lru_cache(maxsize=1)
def _ambiguous_mask() -> np.ndarray:
    return _mask_of(list(_ambiguous_groups().values()))


@lru_cache(maxsize=1)
def _telling_mask() -> np.ndarray:
    """The ambiguous characters worth a window at run time: those whose choice told genuine
    writers from converters in the calibration (`签`, `周`); `了`, `布` and characters never
    seen ambiguous in real text are skipped, which keeps round trips few."""
    weights = _packaged_pick_weights()
    groups = _ambiguous_groups()
    return _mask_of([groups[s] for s, w in weights.items() if w >= _MIN_TELLING_WEIGHT and s in groups])


@lru_cache(maxsize=1)
def feature_table() -> np.ndarray:
    classes = char_tables().script_class
    table = np.zeros(classes.shape, dtype=np.uint8)
    table[[ord(ch) for ch in OPENCC_ONLY_FORMS]] |= _OPENCC_FORM
    # A one-to-many character is a possible leftover where it is Simplified-only (干, 后 is
    # not: 皇后), or one of the shared ones whose common words take another form (系).
    leftovers = [ch for ch in ONE_TO_MANY if classes[ord(ch)] == SIMP_ONLY or ch in SHARED_LEFTOVERS]
    table[[ord(ch) for ch in leftovers]] |= _LEFTOVER
    variant, region = _standard_masks()
    table[variant] |= _VARIANT
    table[region] |= _REGION_FORM
    table[_telling_mask()] |= _AMBIGUOUS
    rare = [ord(c) for c in _rare_table()[1]]
    if rare:
        table[rare] |= _RARE_FORM
    return table


@lru_cache(maxsize=1)
def _pick_weight_table() -> np.ndarray:
    """Per code point: the weight a converter pick of this character would add (0 for forms a
    converter never writes, such as `簽`), for a cheap upper bound before any round trip."""
    table = np.zeros(char_tables().script_class.shape, dtype=np.float32)
    picks = converter_pick()
    for simplified, weight in _packaged_pick_weights().items():
        if weight >= _MIN_TELLING_WEIGHT and simplified in _ambiguous_groups():
            table[ord(picks.get(simplified, simplified))] = weight
    return table


def pick_weight_bound(codes: np.ndarray, spots: Spots) -> float:
    """The most converter-pick evidence the document could give: every telling character
    written in the converter's form counted as a converter pick."""
    return float(_pick_weight_table()[codes[spots.where(_AMBIGUOUS)]].sum())


PICK_COUNTS_FILE = "converter_picks.tsv"


def pick_weights(counts: dict[str, tuple[int, int]]) -> dict[str, float]:
    """Simplified character -> log10 of how much likelier a converter than a genuine writer is
    to write the converter's form where phrase-aware standards write another, from counts of
    (converter form, phrase form) in genuine text: the add-one estimate of the writer's rate."""
    return {s: -math.log10((n + 1) / (n + p + 2)) for s, (n, p) in counts.items()}


@lru_cache(maxsize=1)
def _packaged_pick_weights() -> dict[str, float]:
    return pick_weights({s: (int(n), int(p)) for s, n, p in read_rows(PICK_COUNTS_FILE)})


# --- the places of one document -------------------------------------------------------------


@dataclass(slots=True)
class Spots:
    """The places of a document whose character has any detection feature, with the features
    there: usually a small share of the text, so later work is small."""

    positions: np.ndarray
    features: np.ndarray

    @classmethod
    def of(cls, codes: np.ndarray) -> Spots:
        features = feature_table()[codes]
        positions = np.flatnonzero(features)
        return cls(positions, features[positions])

    def where(self, bits: int) -> np.ndarray:
        return self.positions[(self.features & bits) != 0]

    def region_forms(self) -> int:
        return int(np.count_nonzero(self.features & _REGION_FORM))


def _windows(text: str, positions: list[int]) -> tuple[list[str], list[int]]:
    """Short windows around `positions` and where each position sits in its window (always
    at `_WINDOW`). A window holds its own line only, padded with spaces past the line's
    edges: a phrase never crosses a line break, and the same line gives the same window
    wherever it stands (distinct windows are counted once; a line at the document's start
    had one shorter than its repeat, and was counted twice until a blank line came first).
    Spaces let the windows go to OpenCC in one newline-joined call."""
    padded = _PAD + text + _PAD
    windows = [padded[p : p + 2 * _WINDOW + 1] for p in positions]
    return [w if "\n" not in w else _own_line(w) for w in windows], [_WINDOW] * len(positions)


_PAD = " " * _WINDOW


def _own_line(window: str) -> str:
    """`window` with what lies past a line break on either side of its centre blanked."""
    left, right = window[:_WINDOW], window[_WINDOW + 1 :]
    if (cut := left.rfind("\n")) >= 0:
        left = " " * (cut + 1) + left[cut + 1 :]
    if (cut := right.find("\n")) >= 0:
        right = right[:cut] + " " * (len(right) - cut)
    return left + window[_WINDOW] + right


@dataclass(slots=True)
class Place:
    """One telling character in its window, with what each standard writes there."""

    window: str
    char: str
    simplified: str
    mainland: str
    taiwan: str
    hong_kong: str


@dataclass(slots=True)
class _MainlandTrip:
    """Windows of a document, Simplified by OpenCC `t2s` and back by its `s2t`; windows a
    conversion changed in length are left out."""

    positions: list[int]
    windows: list[str]
    centres: list[int]
    simplified: list[str]
    mainland: list[str]

    @classmethod
    def of(cls, text: str, positions: list[int]) -> _MainlandTrip:
        return cls.of_windows(positions, *_windows(text, positions))

    @classmethod
    def of_windows(cls, positions: list[int], windows: list[str], centres: list[int]) -> _MainlandTrip:
        simplified = converter("t2s").convert("\n".join(windows)).split("\n")
        mainland = converter("s2t").convert("\n".join(simplified)).split("\n")
        usable = [i for i, w in enumerate(windows) if len(simplified[i]) == len(mainland[i]) == len(w)]
        return cls(*([seq[i] for i in usable] for seq in (positions, windows, centres, simplified, mainland)))

    def centre(self, i: int) -> tuple[str, str, str]:
        """(character, its Simplified form, OpenCC's s2t form) at window i's centre."""
        c = self.centres[i]
        return self.windows[i][c], self.simplified[i][c], self.mainland[i][c]

    def places(self, indices: list[int]) -> dict[int, Place]:
        """Window index -> its place with the Taiwan and Hong Kong standards added, for the
        windows `indices` (one OpenCC call each for all of them)."""
        if not indices:
            return {}
        lines = "\n".join(self.simplified[i] for i in indices)
        taiwan, hong_kong = (converter(c).convert(lines).split("\n") for c in _REGIONS)
        return {
            i: Place(self.windows[i], *self.centre(i), taiwan[j][self.centres[i]], hong_kong[j][self.centres[i]])
            for j, i in enumerate(indices)
            if len(taiwan[j]) == len(hong_kong[j]) == len(self.windows[i])
        }


def round_trip_places(text: str, positions: list[int]) -> list[Place]:
    """Each position's character and what the Mainland, Taiwan and Hong Kong standards write
    there after a Traditional → Simplified → Traditional round trip of its window."""
    if not positions:
        return []
    trip = _MainlandTrip.of(text, positions)
    return list(trip.places(list(range(len(trip.windows)))).values())


def _sampled(codes: np.ndarray, positions: np.ndarray) -> list[int]:
    """Every distinct character of `positions` once, plus places spread evenly over the
    document: at most about 64 + distinct windows, enough to tell writers from converters."""
    if len(positions) <= _MAX_SAMPLED_WINDOWS:
        return positions.tolist()
    _, first = np.unique(codes[positions], return_index=True)
    spread = np.linspace(0, len(positions) - 1, _MAX_SAMPLED_WINDOWS).astype(np.int64)
    return np.union1d(positions[first], positions[spread]).tolist()


def standard_positions(codes: np.ndarray, spots: Spots) -> list[int]:
    """Where the Mainland, Taiwan and Hong Kong standards write differently (sampled)."""
    return _sampled(codes, spots.where(_VARIANT))


def pick_positions(codes: np.ndarray, spots: Spots) -> list[int]:
    """Where a character converter had to choose between telling forms (sampled)."""
    return _sampled(codes, spots.where(_AMBIGUOUS))


def ambiguous_positions(text: str) -> list[int]:
    """Every place where a converter had to choose a form (for calibration: no sampling)."""
    return np.flatnonzero(_ambiguous_mask()[codes_of(text)]).tolist()


# --- 1. leftovers ---------------------------------------------------------------------------


class Leftovers(NamedTuple):
    """What `conversion_evidence` found: its places, and how many of them are distinct: the
    leftovers' distinct characters, plus every OpenCC-only form (no Taiwan or Hong Kong
    writer writes `爲` or `羣`, so repeating one is no writer's word)."""

    places: int
    distinct: int


def conversion_evidence(text: str, spots: Spots) -> Leftovers:
    """Places that show conversion: OpenCC-only forms, and one-to-many Simplified leftovers.

    Only windows around those characters are converted, so the cost is small. A Traditional
    writer's own forms (`皇后`, `干擾`) survive at least one of the Mainland, Taiwan and Hong
    Kong round trips; a converter's leftovers (`干部` for `幹部`) survive none. The leftovers'
    distinct characters are counted too: a converter leaves many (`干`, `发`, `后`, `个`), while
    a writer's text that looks converted repeats one word (a Taiwan borough `永定里`, a name
    `應采兒`, `首里城` eleven times).
    """
    opencc_forms = len(spots.where(_OPENCC_FORM))
    positions = spots.where(_LEFTOVER).tolist()
    if not positions:
        return Leftovers(opencc_forms, opencc_forms)
    keys = list(zip(*_windows(text, positions), strict=True))
    # The document's verdicts are kept here: judging its unknown windows may clear the cache
    # (when it is full) of the windows it held.
    distinct = list(dict.fromkeys(keys))
    verdicts = {key: found for key in distinct if (found := _WINDOW_VERDICTS.get(key)) is not None}
    if unknown := [key for key in distinct if key not in verdicts]:
        verdicts.update(_judge_windows(unknown))
    left = [p for p, key in zip(positions, keys, strict=True) if verdicts[key]]
    return Leftovers(len(left) + opencc_forms, len({text[i] for i in left}) + opencc_forms)


# (window, centre) -> does the centre survive no round trip. A verdict depends on the window
# only, and the same contexts (關係, 系統, 體系) come back in document after document.
_WINDOW_VERDICTS: dict[tuple[str, int], bool] = {}
_WINDOW_VERDICTS_MAX = 100_000


def _judge_windows(keys: list[tuple[str, int]]) -> dict[tuple[str, int], bool]:
    """Round-trip the windows in one OpenCC call per standard; each verdict, also remembered."""
    trip = _MainlandTrip.of_windows(list(range(len(keys))), [w for w, _ in keys], [c for _, c in keys])
    table = feature_table()
    verdicts, recheck = [False] * len(keys), []
    for i in range(len(trip.windows)):
        char, _, mainland = trip.centre(i)
        if mainland == char:
            continue
        if (table[ord(char)] | table[ord(mainland)]) & _VARIANT:
            recheck.append(i)  # Taiwan or Hong Kong may write it differently: ask them
        else:
            verdicts[trip.positions[i]] = True  # their standards write it as the Mainland one does
    for i, place in trip.places(recheck).items():
        if place.char not in (place.taiwan, place.hong_kong):
            verdicts[trip.positions[i]] = True
    judged = dict(zip(keys, verdicts, strict=True))
    if len(_WINDOW_VERDICTS) + len(keys) > _WINDOW_VERDICTS_MAX:
        _WINDOW_VERDICTS.clear()
    _WINDOW_VERDICTS.update(judged)
    return judged


# --- 2. the OpenCC standard -----------------------------------------------------------------


def standard_evidence(places: list[Place]) -> tuple[int, int]:
    """(places written in OpenCC's s2t standard where Taiwan's differs, places in Taiwan's or
    Hong Kong's standard where OpenCC's differs).

    Text produced by OpenCC's `s2t` follows it everywhere (`爲`, `裏`, `羣`); a Taiwan or Hong
    Kong writer follows their own standard at least somewhere.
    """
    follows_opencc = follows_region = 0
    for place in places:
        on_mainland = place.mainland == place.char
        follows_opencc += on_mainland and place.taiwan != place.char
        follows_region += not on_mainland and place.char in (place.taiwan, place.hong_kong)
    return follows_opencc, follows_region


# --- 3. converter picks ---------------------------------------------------------------------


def pick_kind(place: Place) -> str | None:
    """"converter" where the text has the character table's form and every phrase-aware
    standard writes another (`籤署`), "phrase" where it has a standard's phrase form instead
    (`簽署`), None where the place tells nothing (the forms agree)."""
    pick = converter_pick().get(place.simplified, place.simplified)
    standards = (place.mainland, place.taiwan, place.hong_kong)
    if pick in standards:
        return None
    if place.char == pick:
        return "converter"
    return "phrase" if place.char in standards else None


@dataclass(slots=True)
class ConverterPicks:
    """Converter picks of one document; `weight` is 0 once any phrase pick shows a writer."""

    weight: float  # log10 likelihood ratio, converter against genuine writer
    places: int
    phrase_places: int


def window_evidence(text: str, standard: list[int], picks: list[int], threshold: float = 0.0,
                    weights: dict[str, float] | None = None) -> tuple[tuple[int, int], ConverterPicks]:
    """`standard_evidence` at the `standard` positions and `converter_pick_evidence` at the
    `picks` positions, from one round trip of all their windows (the two sets overlap little,
    and each OpenCC call has a cost of its own)."""
    weights = _packaged_pick_weights() if weights is None else weights
    trip = _MainlandTrip.of(text, sorted(set(standard) | set(picks)))
    standard_set, pick_set = set(standard), set(picks)
    variant = [i for i, p in enumerate(trip.positions) if p in standard_set]
    telling, possible = [], []
    for i, position in enumerate(trip.positions):
        if position not in pick_set:
            continue
        char, simplified, mainland = trip.centre(i)
        pick = converter_pick().get(simplified, simplified)
        if mainland != pick:  # where OpenCC's s2t writes the converter's form, nothing tells
            telling.append(i)
            if char == pick:
                possible.append((trip.windows[i], simplified))
    if threshold > 0 and _weight(possible, weights)[0] < threshold:
        telling = []  # even all of them could not reach the threshold: no regional trips
    places = trip.places(sorted(set(variant) | set(telling)))
    return (standard_evidence([places[i] for i in variant if i in places]),
            _picks_of([places[i] for i in telling if i in places], weights))


def converter_pick_evidence(text: str, positions: list[int], threshold: float = 0.0,
                            weights: dict[str, float] | None = None) -> ConverterPicks:
    """Sum, over distinct windows with a converter pick, how much likelier a converter is than
    a genuine writer to choose that form; a single phrase pick (`簽署`) cancels it all, since a
    character-by-character converter never makes one.

    Windows where OpenCC's s2t itself writes the converter's form tell nothing. If the others
    cannot reach `threshold` even with no phrase pick among them, the Taiwan and Hong Kong
    trips are skipped and nothing is reported."""
    return window_evidence(text, [], positions, threshold, weights)[1]


def _picks_of(places: list[Place], weights: dict[str, float]) -> ConverterPicks:
    kinds = [pick_kind(p) for p in places]
    weight, count = _weight([(p.window, p.simplified) for p, k in zip(places, kinds, strict=True)
                             if k == "converter"], weights)
    phrase = kinds.count("phrase")
    return ConverterPicks(0.0 if phrase else weight, count, phrase)


def _weight(picks: list[tuple[str, str]], weights: dict[str, float]) -> tuple[float, int]:
    """Summed weight and count of (window, Simplified character) converter picks, each
    distinct window once."""
    distinct = dict(picks)
    return sum(weights.get(s, _UNSEEN_PICK_WEIGHT) for s in distinct.values()), len(distinct)


# --- 4. rare forms: what any character converter writes and writers do not ------------------

RARE_FORMS_FILE = "rare_forms.tsv"
RARE_FORM_MIN_WEIGHT = 2.0  # writers put the form where no standard does under 1 time in 100
RARE_FORM_MAX_PER_MILLE = 0.2  # forms writers use more often than this cost too many round trips


def rare_form_weights(rows: list[tuple[str, str, int, int]]) -> dict[tuple[str, str], float]:
    """(Simplified character, Traditional form) -> -log10 of how often genuine writers, at a
    place of that Simplified character, wrote the form where no phrase-aware standard does:
    the add-one estimate from (off-standard places, all places) counted in genuine text."""
    return {(s, c): -math.log10((off + 1) / (total + 2)) for s, c, off, total in rows}


@lru_cache(maxsize=1)
def _rare_table() -> tuple[dict[tuple[str, str], float], frozenset[str]]:
    """The packaged weights, and the forms worth a window: telling (weight at least
    `RARE_FORM_MIN_WEIGHT`) and rare in genuine text, so that its documents seldom pay."""
    table = read_rows(RARE_FORMS_FILE)
    weights = rare_form_weights([(s, c, int(off), int(total)) for s, c, off, total, _ in table])
    per_mille = {c: float(rate) for _, c, _, _, rate in table}
    commonest: dict[str, float] = {}
    for s, c, *_ in table:
        commonest[s] = max(commonest.get(s, 0.0), per_mille[c])
    # a minority form of its character (傢 beside 家, 齣 beside 出), not the character itself
    telling = frozenset(c for (s, c), w in weights.items()
                        if c != s and w >= RARE_FORM_MIN_WEIGHT and per_mille[c] <= RARE_FORM_MAX_PER_MILLE
                        and per_mille[c] < commonest[s] and not _COMPATIBILITY.match(c))
    return weights, telling


# CJK Compatibility Ideographs (`不` U+F967): left by Big5/HKSCS round trips, not by converters
# from Simplified; no standard writes them, so they would all count as rare forms.
_COMPATIBILITY = re.compile("[\uf900-\ufaff\U0002f800-\U0002fa1f]")


@lru_cache(maxsize=1)
def _rare_weight_table() -> np.ndarray:
    """Per code point: the largest weight a telling rare form of it can add."""
    weights, telling = _rare_table()
    table = np.zeros(char_tables().script_class.shape, dtype=np.float32)
    for (_, c), w in weights.items():
        if c in telling:
            table[ord(c)] = max(table[ord(c)], w)
    return table


def _rare_weight_bound(codes: np.ndarray) -> float:
    return float(_rare_weight_table()[np.unique(codes)].sum())


def rare_form_evidence(text: str, codes: np.ndarray, spots: Spots,
                       weights: dict[tuple[str, str], float] | None = None, threshold: float = 0.0) -> float:
    """Summed weight of the distinct rare forms the text writes where no phrase-aware
    standard writes them (`齣現`, `傢族`, `傾嚮`: a cheap converter's one-to-many mistakes),
    each form once: a converter's table errs on many characters, a writer's unusual word
    (`蕭邦錶`, a name such as `賴嚮景`) repeats one form. Independent of which converter: its
    table is not needed, only how rarely writers make the same choice. The places where a
    standard writes the form (`傢俱`) tell nothing. Only telling forms get a window, and
    compatibility ideographs are none (`_rare_table`)."""
    positions = spots.where(_RARE_FORM)
    if not len(positions):
        return 0.0
    if threshold > 0 and _rare_weight_bound(codes[positions]) < threshold:
        return 0.0  # even every distinct form off-standard could not reach it: no round trips
    weights = _rare_table()[0] if weights is None else weights
    found: dict[tuple[str, str], float] = {}
    for place in round_trip_places(text, _sampled(codes, positions)):
        if place.char not in (place.mainland, place.taiwan, place.hong_kong):
            key = (place.simplified, place.char)
            weight = weights.get(key, 0.0)
            if weight >= RARE_FORM_MIN_WEIGHT:
                found[key] = weight
    return sum(found.values())


# --- Mainland language (curly quotes and Mainland words) -------------------------------------

MAINLAND_WORDS_FILE = "mainland_words.tsv"


def quoted_the_mainland_way(text: str) -> bool:
    """Curly double quotes and no corner bracket. Taiwan and Hong Kong writers quote with
    `「」` (67% of tw_news articles; 58 of 4,690 use curly quotes alone, 47 of them Mainland
    news that a converter made Traditional), Mainland writers with
    `“”` (65% of THUCNews, 76% of People's Daily), and OpenCC, HanziConv and character tables
    leave punctuation alone (zhconv does not: it writes `「」`)."""
    return ("\u201c" in text or "\u201d" in text) and "\u300c" not in text and "\u300d" not in text


@lru_cache(maxsize=1)
def _mainland_words() -> tuple[dict[str, str], dict[str, float], re.Pattern | None]:
    """Each spelling of the packaged Mainland words -> its word; each word's weight; one
    pattern of the spellings, longest first."""
    form_to_word: dict[str, str] = {}
    weights: dict[str, float] = {}
    for word, forms, _, _, weight in read_rows(MAINLAND_WORDS_FILE):
        weights[word] = float(weight)
        form_to_word.update(dict.fromkeys(forms.split(","), word))
    if not form_to_word:
        return form_to_word, weights, None
    return form_to_word, weights, re.compile("|".join(map(re.escape, sorted(form_to_word, key=len, reverse=True))))


def mainland_language_evidence(text: str) -> float:
    """For Traditional text quoted the Mainland way, the summed log10 weights of the distinct
    Mainland words it holds (`信息`, `短信`, `報道`: the words OpenCC's and zhconv's Taiwan tables
    replace, weighed by how much commoner they are in Mainland news than in Taiwan and Hong
    Kong news); 0 for text quoted otherwise. A converter that follows the Taiwan or Hong Kong
    standard (OpenCC s2tw, s2hk) leaves no character evidence, but it keeps the quotes and the
    words of the text it converts."""
    if not quoted_the_mainland_way(text):
        return 0.0
    form_to_word, weights, pattern = _mainland_words()
    if pattern is None:
        return 0.0
    return sum(weights[word] for word in {form_to_word[m.group()] for m in pattern.finditer(text)})
