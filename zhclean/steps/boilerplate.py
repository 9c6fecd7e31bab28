"""Remove platform notices and metadata lines, keeping the metadata as fields.

What it does: whole lines that are platform notices (NetEase Hao, Sohu Hao, Baijiahao,
Toutiao, Qie Hao, WeChat follow prompts, 免责/版权/郑重声明 reposting notices, Taiwan and Hong
Kong site footers, and their English twins) go. Lines that are only `来源：X`, `责任编辑：X`,
`原标题：X`, `作者/记者：X` (also inside `()` or `【】`) go, and X goes into the fields
`source`, `editor`, `original_title`, `author`; other staff credits on such lines (`审核：X`,
`摄影：X`) go without a field. Rules live in `zhclean/data/boilerplate.toml`; users add their
own with `--rules FILE`.

Why: notices are the same few sentences on millions of pages; they teach a language model
nothing and make unrelated articles look alike. The metadata is worth keeping, as fields.

Precision: rules match whole lines with bounded gaps, and a field value may not hold a
sentence (`。！？`, or a clause break in more than 12 characters), so a paragraph that merely
mentions a source or a disclaimer, or an interview line `作者：我们发现，…`, stays. A byline's
value names people (`names = true`): one that reads as speech (`记者：那么未来的计划呢`, with
您, 吗, 呢, 怎, 谈谈…) is an interview's question and stays.

Example: `來源:上海發布\\n特別聲明：以上內容…為自媒體平臺“網易號”用戶上傳並發布…`
→ both lines removed, `source = "上海發布"` (converted with the text by the script step).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from zhclean.boilerplate_rules import (
    CLOSE,
    EDGE,
    LEADING_DATE,
    OPEN,
    NoticeSet,
    RuleSet,
    both_scripts,
    load_rules,
)
from zhclean.chars import CJK_PUNCT_CLASS, HAN_CLASS, codes_of
from zhclean.config import setting
from zhclean.steps.base import NoOptions, Removal, StepOutput, register, tally
from zhclean.steps.punctuation import punctuation
from zhclean.steps.repeated_line import RepeatedLineOptions, repeated_lines
from zhclean.text import is_bracket_only, may_stand_twice, remove_lines, without_mark_differences

FIELDS = ("source", "editor", "original_title", "author", "source_url", "published")

# A pinyin gloss right after a Han character, for the matching view only. One pattern per
# opening bracket: a literal lead lets the regex engine skip ahead to it (most pages use one
# kind of bracket), which takes a quarter off the time of the two-bracket pattern.
# A run of glosses goes whole (`来(lai)(lai)源：`): the gloss step removes adjacent duplicates
# together. Spaces include U+00A0, which the whitespace step makes a space.
_GLOSS_BODY = "[ \t\u00a0]*[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü][a-zA-Z0-9āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü \t\u00a0]{0,30}[)）]"
_GLOSS_RUN = f"{_GLOSS_BODY}(?:[(（]{_GLOSS_BODY})*+(?:[ \t\u00a0]+(?=[{HAN_CLASS}{CJK_PUNCT_CLASS}]))?"
_VIEW_GLOSS = re.compile(f"[(（](?<=[{HAN_CLASS}][(（]){_GLOSS_RUN}")
_VIEW_GLOSS_ASCII = re.compile(f"\\((?<=[{HAN_CLASS}]\\(){_GLOSS_RUN}")
_VIEW_GLOSS_FULL = re.compile(f"（(?<=[{HAN_CLASS}]（){_GLOSS_RUN}")
_SENTENCE_END = re.compile(r"[。！？!?]")
# Glued notices: whole sentences stuck to a paragraph (`…競爭力。違反上述規定者，中時電子報有權
# 刪除留言…`). A sentence ends with a run of these and the closing quotes after it.
# Spaces between the marks of an end and before its closing quotes belong to the end too:
# the punctuation step removes those beside the marks it writes (`好!\u3000』` becomes `好！』`,
# `。\u00a0!` becomes `。！`), and the next cleaning must cut the line where this one did.
_SENTENCE = re.compile(f"[^。！？!?…]*(?:[。！？!?…]+(?:[{EDGE}]*[。！？!?…」』”’]+)*|$)")
_MAX_GLUED_SENTENCES = 3
_GLUED_WINDOW = 700  # characters at each end of a line where a glued notice can sit
_SPACE_RUN_INSIDE = re.compile(f"[{EDGE}]+")
# A value with a clause break that is longer than a list of names is a sentence: the line
# `作者：我们在调研中发现，这个问题很普遍` is a speaker's words, not a byline.
_CLAUSE_BREAK = re.compile(r"[，；;]")
_MAX_NAME_LIST = 12
# Words a name never holds and speech is full of: pronouns of address, question and modal
# particles, a question's words. An interview's `记者：那么未来的计划呢` is the reporter's question,
# not a byline (a field rule with `names = true`).
_SPEECH = re.compile(both_scripts("您|你|我|咱|吗|呢|吧|啊|呀|么|怎|什么|如何|为何|是否|能否|请|谈谈|好的|谢谢|是的"
                                  "|认为|觉得|知道|那么|这个|这一|那个|一下|可以|多大|多少|多久|几时|为什么|哪|何时"))
# A count of people is not a name (`编辑：两名` in a job advert).
_HEADCOUNT = re.compile("[0-9一二两兩三四五六七八九十百]+[名位人个個]")
_DIGIT = re.compile("[0-9０-９]")  # a count's or a date's


@dataclass(frozen=True, slots=True)
class BoilerplateOptions:
    rules: tuple[str, ...] = ()  # extra rule files, same format as the built-in one
    builtin_rules: bool = True
    max_line_chars: int = setting(600, at_least=1)  # longer lines are content, never boilerplate


_SPACES = re.compile("  +")


def _matching_view(text: str) -> str:
    """The text as rules see it: as the gloss and whitespace steps will leave it, glosses
    removed and each run of spaces or U+00A0 one space (line breaks stay where they are), so
    that the next cleaning finds no line this one did not (`〔\\u00a0记者：王` is a field
    line). `_LinePositions` maps a line's view back to the line. The rules match either
    script themselves (`both_scripts`)."""
    return _spaced(_without_glosses(text))


def _spaced(text: str) -> str:
    """`text` with each run of spaces or U+00A0 one space, as the whitespace step leaves it
    (`SPACE_RUN`): a replace and a pattern led by two spaces, which the regex engine finds
    at C speed, cost a third of the alternation on text full of single spaces."""
    if "\u00a0" in text:
        text = text.replace("\u00a0", " ")
    return _SPACES.sub(" ", text) if "  " in text else text


def _without_glosses(text: str) -> str:
    """`text` without pinyin glosses, by the pattern for the brackets it holds."""
    if "（" not in text:
        return _VIEW_GLOSS_ASCII.sub("", text) if "(" in text else text
    return _VIEW_GLOSS.sub("", text) if "(" in text else _VIEW_GLOSS_FULL.sub("", text)


def _field_values(line: str, rules: RuleSet) -> dict[str, str] | None:
    """The fields a field-only line holds, or None when the line is not one."""
    if not rules.field_line.fullmatch(line):
        return None
    found: dict[str, str] = {}
    wrapped = line[:1] in OPEN
    for m in rules.field_pair.finditer(line):
        field = rules.key_to_field[m.group("key")]
        end = m.end("value")
        if not wrapped:  # a closing bracket then belongs to the value: `上海杨浦(pu)`
            while end < len(line) and line[end] in CLOSE:
                end += 1
        value = line[m.start("value") : end].strip()
        if wrapped:
            value = value.rstrip(CLOSE).strip()
        if not value and field in rules.unreported and found:
            continue  # a counter with no count shown after real fields: `…來源：日記大全 點擊：`
        if field in rules.digit_fields and not _DIGIT.search(value):
            if found:
                continue  # a count the scraper lost, after real fields: `发布时间：2021.06.03 浏览量：人`
            return None  # alone, an instruction or a schedule: `点击：设置`, `更新时间：每日凌晨两点`
        if not value or len(value) > rules.max_value[field] or _SENTENCE_END.search(value) or (
            len(value) > _MAX_NAME_LIST and _CLAUSE_BREAK.search(value)
        ) or (field in rules.name_fields and (_SPEECH.search(value) or _HEADCOUNT.fullmatch(value))):
            return None
        found.setdefault(field, value)
    return found or None


def _notice_rule(view: str, rules: RuleSet) -> str | None:
    """The notice rule the line matches, also when the whole line is bracketed: `（本文…删除）`.
    One fullmatch of all rules at once; the first rule that matches names the line. A line
    that is a notice as the punctuation step will leave it is one: the next cleaning would
    find it."""
    name = _first_notice(view, rules)
    if name is None and (marked := _marked(view)) != view:
        name = _first_notice(marked, rules)
    return name


def _first_notice(view: str, rules: RuleSet) -> str | None:
    candidates = [view]
    if len(view) > 2 and view[0] in OPEN and view[-1] in CLOSE:
        candidates.append(view[1:-1].strip())
    return next((name for c in candidates if (name := rules.notices.first_match(c))), None)


def _notice_match(matcher: NoticeSet, piece: str) -> str | None:
    """The first rule that matches the whole of `piece`, read also as the punctuation step will
    leave it: it removes the spaces beside the marks it writes (`在\u3000;` becomes `在；`), and a
    rule's bounded gap (`.{0,60}`) must reach as far on the next cleaning as on this one. For
    glued pieces; whole lines are read so by `_notice_rule`."""
    name = matcher.first_match(piece)
    if name is None and (marked := _respaced(piece)) is not None:
        name = matcher.first_match(marked)
    return name


def candidate_lines(view: str, rules: RuleSet) -> list[int]:
    """Indices of the lines where some rule may match at the start, from one regex pass over
    the view (with a line break prepended, so a match at position p starts line p's)."""
    starts = [m.start() for m in rules.line_start.finditer("\n" + view)]
    if not starts:
        return []
    if len(starts) < 64:  # the usual page: a few candidates, counted in C
        found: list[int] = []
        line, last = 0, 0
        for start in starts:
            line += view.count("\n", last, start)
            last = start
            if not found or found[-1] != line:
                found.append(line)
        return found
    # many candidates (a page of field lines): line numbers from the breaks' positions at once
    breaks = np.flatnonzero(codes_of(view) == 10)
    return np.unique(np.searchsorted(breaks, np.array(starts, dtype=np.int64), side="left")).tolist()


def _may_end_glued(view: str, rules: RuleSet) -> bool:
    """Whether the last line with text may end with a glued notice: sites append theirs. Or
    a line before it, when it stands elsewhere too and the repeated-line step may drop it."""
    end = len(view.rstrip(EDGE + "\n")) if view[-1:] in EDGE + "\n" else len(view)
    start = view.rfind("\n", 0, end) + 1
    if _has_glued_tail(view, start, end, rules):
        return True
    last = view[start:end].strip()
    return start > 0 and len(last) >= RepeatedLineOptions().min_han and may_stand_twice(last, view)


def _has_glued_tail(view: str, start: int, end: int, rules: RuleSet) -> bool:
    """Whether a glued rule matches after a sentence end or a space within the last
    `_GLUED_WINDOW` characters of the line `view[start:end]` (a bounded scan, no copy)."""
    return rules.glued_scan.search(view, max(start, end - _GLUED_WINDOW), end) is not None  # type: ignore[union-attr]


def _sentences(line: str) -> list[str]:
    """The line cut after each run of sentence ends (with the closing quotes after it)."""
    return [m.group() for m in _SENTENCE.finditer(line) if m.group()]


def unglue(line: str, view: str, rules: RuleSet) -> tuple[str, str, list[tuple[str, str]]]:
    """`line` and its `view` without the notices of glued rules stuck to its start or its end,
    and (rule, text removed) for each. Only whole sentences go, at most three at a time, the fewest
    first, so a rule's open gap (`.{0,80}`) never takes a sentence of the paragraph with it;
    the line must keep at least one sentence. `view` is the line as rules see it; where it is
    shorter (glosses), `_LinePositions` says where its positions are in the line. Every cut
    takes a start or an end, so what is left is `view[lo:hi]`: the bounds move and nothing is
    copied, or a notice glued thousands of times costs the square."""
    removed: list[tuple[str, str]] = []
    runs = _EdgeRuns(view)
    lo, hi = runs.strip(0, len(view))  # edges the whitespace step trims count for no sentence
    at = _LinePositions(line, view)
    while at.valid and (cut := _glued_edge(view, lo, hi, runs, rules)):
        start, end, name = cut
        removed.append((name, line[at(start) : at(end)]))
        if end == hi:
            hi = start
        else:
            lo = end
    return line[at(lo) : at(hi)], view[lo:hi], removed


# What the view of a line lacks: its glosses and all but the first character of each run of
# spaces (`_matching_view` in one pattern: removing a gloss never joins two spaces).
_VIEW_DROPS = re.compile(f"{_VIEW_GLOSS.pattern}|(?<=[ \u00a0])[ \u00a0]+")


class _LinePositions:
    """Maps a position in a line's view to one in the line, whose glosses and runs of spaces
    the view lacks. A gloss goes with the character before it: the position after a
    character is after its gloss, so a cut keeps or removes both (`好(hǎo) 返回搜狐查看更多`
    keeps `好(hǎo)`)."""

    def __init__(self, line: str, view: str) -> None:
        self.at: list[int] = []  # view positions where glosses were removed
        self.shift: list[int] = []  # characters removed up to and including each of them
        self.valid = True
        if len(line) == len(view):
            return
        removed = 0
        for m in _VIEW_DROPS.finditer(line):
            self.at.append(m.start() - removed)
            removed += m.end() - m.start()
            self.shift.append(removed)
        self.valid = len(line) - removed == len(view)  # else the view was not made this way

    def __call__(self, position: int) -> int:
        i = bisect_right(self.at, position)
        return position + (self.shift[i - 1] if i else 0)


class _EdgeRuns:
    """The runs of edge spaces of a text, found once, so the first and the last run inside
    any stretch of it are a bisection away, not a scan of the stretch."""

    def __init__(self, text: str) -> None:
        spans = [m.span() for m in _SPACE_RUN_INSIDE.finditer(text)]
        self.starts = [a for a, _ in spans]
        self.ends = [b for _, b in spans]

    def strip(self, lo: int, hi: int) -> tuple[int, int]:
        """`text[lo:hi]` without edge spaces at either end, as (start, end)."""
        i = bisect_right(self.starts, lo) - 1
        if i >= 0 and self.ends[i] > lo:
            lo = min(self.ends[i], hi)
        j = bisect_left(self.ends, hi)
        if j < len(self.starts) and self.starts[j] < hi:
            hi = max(self.starts[j], lo)
        return lo, hi

    def inside(self, lo: int, hi: int, k: int) -> tuple[list[int], list[int]]:
        """(starts of the last k runs, last first; ends of the first k runs, first first)
        inside `text[lo:hi]`, stripped."""
        lo, hi = self.strip(lo, hi)
        first = bisect_left(self.starts, lo)
        last = bisect_left(self.starts, hi) - 1
        if first > last:
            return [], []
        count = min(k, last - first + 1)
        return self.starts[last - count + 1 : last + 1][::-1], self.ends[first : first + count]


def _glued_edge(view: str, lo: int, hi: int, runs: _EdgeRuns, rules: RuleSet) -> tuple[int, int, str] | None:
    """(start, end, rule) of the first glued notice at either end of `view[lo:hi]`: the last or
    first 1, 2, 3 sentences, then what follows one of the last 3 runs of spaces or precedes
    one of the first 3, the fewest characters first (page furniture such as `（记者王浩） 我要评论`
    is set off by a space, not a full stop; and the punctuation step removes the spaces
    beside the marks it writes, so a second cleaning may find the run before a notice last)."""
    for start, end in _edge_pieces(view, lo, hi, runs):
        if name := _notice_match(rules.glued, view[start:end].strip(EDGE)):
            return start, end, name
    return None


def _edge_pieces(view: str, lo: int, hi: int, runs: _EdgeRuns) -> Iterator[tuple[int, int]]:
    """(start, end) of the pieces of `view[lo:hi]` that may be glued notices. Sentences are
    cut from a window at each end only; a window's cut-off sentence is never a piece, as the
    line must keep one."""
    tail = _sentences(view[max(lo, hi - _GLUED_WINDOW) : hi])
    head = _sentences(view[lo : min(hi, lo + _GLUED_WINDOW)])
    for k in range(1, _MAX_GLUED_SENTENCES + 1):
        if k < len(tail):
            yield hi - len("".join(tail[-k:])), hi
        if k < len(head):
            yield lo, lo + len("".join(head[:k]))
    starts, ends = runs.inside(lo, hi, _MAX_GLUED_SENTENCES)
    for start, end in zip(starts, ends, strict=True):
        yield start, hi
        yield lo, end


def classify_lines(
    lines: Sequence[str], views: Sequence[str], rules: RuleSet, max_chars: int,
    candidates: Sequence[int] | None = None,
) -> list[tuple[int, str, dict[str, str] | None]]:
    """(line index, rule name, fields) for every line the rules remove, looking only at
    `candidates` when given."""
    hits = []
    verdicts: dict[tuple[str, str], tuple[str, dict[str, str] | None] | None] = {}  # a line repeated is judged once
    for i in range(len(lines)) if candidates is None else candidates:
        key = (lines[i], views[i])
        if key not in verdicts:
            verdicts[key] = _line_verdict(*key, rules, max_chars)
        if (verdict := verdicts[key]) is not None:
            hits.append((i, *verdict))
    return hits


def _line_verdict(line: str, view: str, rules: RuleSet, max_chars: int) -> tuple[str, dict[str, str] | None] | None:
    """(rule name, fields) when the rules remove the line, else None."""
    stripped = view.strip(EDGE)
    if not stripped or len(stripped) > max_chars:
        return None
    # The view holds a key wherever the line holds one in any shape it is read in (glosses
    # and spaces are what the view lacks, and no key holds either): a notice line skips them.
    if rules.key_word is None or rules.key_word.search(view):
        values = _line_fields(line, rules)
        if values is not None:
            return "field:" + "+".join(values), values
    name = _notice_rule(stripped, rules)
    return None if name is None else (name, None)


def _line_fields(line: str, rules: RuleSet) -> dict[str, str] | None:
    """The fields of a field-only line, or None. A line that is one only as the punctuation
    and whitespace steps will leave it (`来源:; 新华社…` is 14 characters of value, `来源：；新华社…`
    13, past and within a limit) is one too: the next cleaning would remove it."""
    trimmed = _spaced(line.strip(EDGE))
    values = _fields_in_any_shape(trimmed, rules)
    # The marks the punctuation step writes count as the ASCII ones do here; only the spaces
    # beside them that it removes can change the verdict, in any of the shapes.
    if values is None and (marked := _respaced(trimmed)) is not None:
        values = _fields_in_any_shape(marked, rules)
    return values


def _fields_in_any_shape(line: str, rules: RuleSet) -> dict[str, str] | None:
    """The fields of `line` read as pairs, reshaped (`_reshaped_fields`) or after a date."""
    values = _glossed_field_values(line, rules)
    if values is None and rules.key_scan is not None and _MAY_RESHAPE.search(line):
        values = _reshaped_fields(line, rules)
    if values is None and (dated := _LEADING_DATE.match(line)):
        values = _dated_fields(line, dated, rules)
    return values


# A date with no key before a byline's fields: the date is the publication time when the
# rest is a field line by itself.
_LEADING_DATE = re.compile(LEADING_DATE)


def _dated_fields(line: str, dated: re.Match, rules: RuleSet) -> dict[str, str] | None:
    rest = line[dated.end():]
    values = _line_fields(rest, rules) if rest else None
    if values is None:
        return None
    values.setdefault("published", dated.group().strip(" \t\u3000|｜"))
    return values


# Field lines in shapes the pair patterns do not take: a value with a colon of its own (a URL,
# a clock time), an account id after the name (`人人都是产品经理(ID:woshipm)`), pairs glued
# with no separator (`发布时间:2017-01-06来源:新华网编辑:邓雪婷`).
_ID_GROUP = re.compile(r"[ \t]*[(（][ \t]*(?:ID|id|微信号|微信ID|微信|公众号)[ \t]*[:：][ \t]*[A-Za-z0-9_.\-]+[ \t]*[)）]")
_PROTECTED = re.compile(r"(?:https?://|www\.)[A-Za-z0-9._~:/?#@!$&'*+,;=%\-]+|\d{1,2}[:：]\d{2}(?:[:：]\d{2})?")
_MAY_RESHAPE = re.compile(r"[:：][^\n]*[:：]|https?://|www\.")  # two colons, or a URL
_SLOT = "\x01{}\x02"
_SLOTTED = re.compile("\x01(\\d+)\x02")
_URL_VALUE = re.compile(r"(?:https?://|www\.)\S+")


def _reshaped_fields(line: str, rules: RuleSet) -> dict[str, str] | None:
    """The fields of `line` read with its URLs and times set aside, account ids dropped and
    glued pairs split; a source that is a URL is `source_url`. None when it is still no
    field line."""
    kept: list[str] = []

    def slot(m: re.Match) -> str:
        kept.append(m.group())
        return _SLOT.format(len(kept) - 1)

    # Glosses go first: a key glued after one (`女(nü)记者：`) is split from the character it
    # follows, not from the gloss, whose removal takes the separator space with it.
    line = _without_glosses(line)
    shaped = _PROTECTED.sub(slot, _ID_GROUP.sub("", line))
    shaped = _split_glued_pairs(shaped, rules)
    if shaped == line:
        return None
    values = _field_values(shaped, rules)
    if values is None:
        return None
    restored = {name: _SLOTTED.sub(lambda m: kept[int(m.group(1))], value) for name, value in values.items()}
    if _URL_VALUE.fullmatch(restored.get("source", "")):
        restored["source_url"] = restored.pop("source")
    return restored


def _split_glued_pairs(line: str, rules: RuleSet) -> str:
    """`line` with a space before each key that follows a value with nothing between."""
    pieces, last = [], 0
    for m in rules.key_scan.finditer(line):  # type: ignore[union-attr]
        if m.start() > 0 and line[m.start() - 1] not in " \t|｜/" + OPEN:
            pieces.append(line[last:m.start()])
            pieces.append(" ")
            last = m.start()
    return "".join(pieces) + line[last:] if pieces else line


_SPACED_MARK = re.compile("[,:;?!](?:(?<=[ \t\u3000].)|(?=[ \t\u3000]))")  # led by the mark: scanned in C


def _glossed_field_values(line: str, rules: RuleSet) -> dict[str, str] | None:
    values = _field_values(line, rules)
    if values is None and ("(" in line or "（" in line):  # a glossed key: `来(lai)源：`
        values = _field_values(_without_glosses(line), rules)
    return values


_PUNCTUATION_WORK = re.compile("[,:;?!(]")  # what the punctuation step may change


def _marked(text: str) -> str:
    """`text` as the punctuation step will leave it (most text: as it is, after one scan)."""
    return punctuation(text, {}, NoOptions(), False).text if _PUNCTUATION_WORK.search(text) else text


def _respaced(text: str) -> str | None:
    """`text` as the punctuation step will leave it, when that differs by the spaces it
    removes beside the marks it writes (the one change that can alter a rule's verdict: the
    marks it writes count as the ASCII ones do); None otherwise."""
    if not _SPACED_MARK.search(text):
        return None
    marked = _marked(text)
    return marked if marked != text else None


@register("boilerplate", options=BoilerplateOptions)
def boilerplate(
    text: str, fields: Mapping[str, Any], options: BoilerplateOptions, explain: bool
) -> StepOutput:
    rules = load_rules(tuple(options.rules), options.builtin_rules)
    view = _matching_view(text)
    candidates = candidate_lines(view, rules)
    if not candidates and not (rules.glued_scan and _may_end_glued(view, rules)):
        return StepOutput(text)
    lines, views = text.split("\n"), view.split("\n")
    hits = classify_lines(lines, views, rules, options.max_line_chars, candidates)
    edited = _unglue_lines(lines, views, rules, candidates, hits, (text, view)) if rules.glued_scan else {}
    if not hits and not edited:
        return StepOutput(text)
    extracted: dict[str, str] = {}
    for _, _, values in hits:
        for name, value in (values or {}).items():
            extracted.setdefault(name, value)
    removals = []
    for i, (line, cuts) in edited.items():
        lines[i] = line
        if explain:
            removals += [Removal("boilerplate", rule, i, cut) for rule, cut in cuts]
    if explain:
        removals += [Removal("boilerplate", rule, i, lines[i]) for i, rule, _ in hits]
    kept = remove_lines(lines, {i for i, _, _ in hits})
    reported = {k: v for k, v in extracted.items() if k not in rules.unreported and not fields.get(k)}
    edits = len(hits) + sum(len(cuts) for _, cuts in edited.values())
    fired: dict[str, int] = {}
    for _, rule, _ in hits:
        tally(fired, rule, 1)
    for _, cuts in edited.values():
        for rule, _ in cuts:
            tally(fired, rule, 1)
    return StepOutput(kept, edits, reported, removals, fired)


def _unglue_lines(lines: list[str], views: list[str], rules: RuleSet, candidates: list[int],
                  hits: list[tuple[int, str, dict[str, str] | None]],
                  texts: tuple[str, str]) -> dict[int, tuple[str, list[tuple[str, str]]]]:
    """Line index -> (the line without its glued notices, (rule, text removed) each): any
    line that starts with one (`candidates` found them), and the last line with text that
    `hits` leave. What is left of a line may be a notice of its own: it joins `hits`, and
    the line before it is looked at, so that one cleaning finds everything a second would.
    So is the line before a last line that the repeated-line step will drop as a copy
    (`X + notice … X`): the next cleaning would find it last. `texts` are the text and its
    view, whole, in which a copy of the last line is looked for first."""
    edited: dict[int, tuple[str, list[tuple[str, str]]]] = {}
    dropped = {i for i, _, _ in hits}
    heads = [i for i in candidates if i not in dropped and rules.glued_head.match(views[i])]  # type: ignore[union-attr]
    memo: dict[tuple[str, str], tuple] = {}  # copies of a line unglue alike
    for i in heads:
        _unglue_line(i, lines, views, rules, edited, hits, dropped, memo)
    last = _last_filled(views, dropped, len(views))
    copies: set[int] | None = None
    while last is not None:  # a line in `heads` was unglued at both ends already
        if last not in heads and _has_glued_tail(views[last], 0, len(views[last]), rules) and _unglue_line(
                last, lines, views, rules, edited, hits, dropped, memo):
            last = _last_filled(views, dropped, last)
            continue
        if copies is None:
            copies = _copies(lines, views, edited, dropped, last) if _may_be_copy(last, lines, views, texts, rules) else set()
        if last not in copies:
            break
        last = _last_filled(views, dropped, last)
    return edited


def _may_be_copy(last: int, lines: list[str], views: list[str], texts: tuple[str, str], rules: RuleSet) -> bool:
    """Whether line `last` may be a copy of another (in the text or the view as they came,
    which hold more than what is left: a cheap first test) with a glued notice above it
    (one scan), so that walking up over copies can find anything."""
    text, view = texts
    if not may_stand_twice(lines[last], text) and (
            views[last] == lines[last] or not may_stand_twice(views[last], view)):
        return False
    return rules.glued_scan.search("\n".join(views[:last])) is not None  # type: ignore[union-attr]


def _copies(lines: list[str], views: list[str], edited: dict, dropped: set[int], last: int) -> set[int]:
    """The lines the repeated-line step may drop as copies of others (with its default
    options), or none when line `last` stands nowhere else (`may_stand_twice`): the usual
    case. Lines are compared as they are and as rules see them, as the gloss step may keep
    glosses or remove them, and with the differences the punctuation and whitespace steps
    may erase erased: a line found here may stay, one not found here goes nowhere."""
    current = [edited[i][0] if i in edited else line for i, line in enumerate(lines)]
    found: set[int] = set()
    compared = None
    for version in (current, views):
        kept = ["" if i in dropped else line for i, line in enumerate(version)]
        whole = "\n".join(kept)
        if whole == compared:
            break  # the view is the line throughout
        compared = whole
        if len(kept[last].strip()) >= RepeatedLineOptions().min_han and may_stand_twice(kept[last], whole):
            found.update(repeated_lines(without_mark_differences(whole), RepeatedLineOptions().min_han))
    return found


def _unglue_line(i: int, lines: list[str], views: list[str], rules: RuleSet, edited: dict,
                 hits: list, dropped: set[int], memo: dict[tuple[str, str], tuple]) -> bool:
    """Unglue line i into `edited`; True when what is left joins `hits`: a notice, a field
    line (`责任编辑：王 特别声明：…`) or brackets (`】 返回搜狐查看更多`), which the next cleaning
    would remove."""
    key = (lines[i], views[i])
    if key not in memo:
        memo[key] = _unglued(*key, rules)
    line, view, cuts, hit = memo[key]
    if not cuts:
        return False
    edited[i] = (line, cuts)
    views[i] = view
    if hit is None:
        return False
    hits.append((i, *hit))
    dropped.add(i)
    return True


def _unglued(line: str, view: str, rules: RuleSet) -> tuple[str, str, list, tuple[str, dict[str, str] | None] | None]:
    """`unglue`, and (rule, fields) when what is left is itself to go."""
    line, view, cuts = unglue(line, view, rules)
    rest = view.strip(EDGE)
    if not cuts:
        return line, view, cuts, None
    if name := _notice_rule(rest, rules):
        return line, view, cuts, (name, None)
    if (values := _line_fields(line, rules)) is not None:
        return line, view, cuts, ("field:" + "+".join(values), values)
    if is_bracket_only(rest):
        return line, view, cuts, ("bracket_only_line", None)
    return line, view, cuts, None


def _last_filled(views: list[str], dropped: set[int], below: int) -> int | None:
    """The last line with text before line `below`, of those not dropped. The caller passes
    the line it just dropped: every line after it is dropped or blank already, and scanning
    them again for each line dropped costs the square of their number."""
    for i in range(below - 1, -1, -1):
        if i not in dropped and views[i].strip(EDGE):
            return i
    return None
