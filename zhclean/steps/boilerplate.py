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
mentions a source or a disclaimer, or an interview line `作者：我们发现，…`, stays.

Example: `來源:上海發布\\n特別聲明：以上內容…為自媒體平臺“網易號”用戶上傳並發布…`
→ both lines removed, `source = "上海發布"` (converted with the text by the script step).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from zhclean.chars import HAN_CLASS, char_tables
from zhclean.opencc_pool import converter
from zhclean.regex_first import lookahead
from zhclean.steps.base import Removal, StepOutput, register
from zhclean.text import remove_lines

FIELDS = ("source", "editor", "original_title", "author")

# A pinyin gloss right after a Han character, for the matching view only. One pattern per
# opening bracket: a literal lead lets the regex engine skip ahead to it (most pages use one
# kind of bracket), which takes a quarter off the time of the two-bracket pattern.
_GLOSS_BODY = "[ \t]*[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü][a-zA-Z0-9āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü \t]{0,30}[)）]"
_VIEW_GLOSS = re.compile(f"[(（](?<=[{HAN_CLASS}][(（]){_GLOSS_BODY}")
_VIEW_GLOSS_ASCII = re.compile(f"\\((?<=[{HAN_CLASS}]\\(){_GLOSS_BODY}")
_VIEW_GLOSS_FULL = re.compile(f"（(?<=[{HAN_CLASS}]（){_GLOSS_BODY}")
_OPEN = "(（【[〔"
_CLOSE = ")）】]〕"
_OPEN_CLASS = re.escape(_OPEN)
_CLOSE_CLASS = re.escape(_CLOSE)
_SENTENCE_END = re.compile(r"[。！？!?]")
# A value with a clause break that is longer than a list of names is a sentence: the line
# `作者：我们在调研中发现，这个问题很普遍` is a speaker's words, not a byline.
_CLAUSE_BREAK = re.compile(r"[，；;]")
_MAX_NAME_LIST = 12


@dataclass(frozen=True, slots=True)
class BoilerplateOptions:
    rules: tuple[str, ...] = ()  # extra rule files, same format as the built-in one
    builtin_rules: bool = True
    max_line_chars: int = 600  # longer lines are content, never boilerplate


@dataclass(frozen=True)
class RuleSet:
    """Compiled rules: one regex per notice rule, one for field lines."""

    notices: tuple[tuple[str, re.Pattern], ...]
    any_notice: re.Pattern | None  # all notice rules in one alternation, group `r<i>` for rule i
    field_line: re.Pattern
    field_pair: re.Pattern
    key_to_field: dict[str, str]
    max_value: dict[str, int]
    unreported: frozenset[str]  # field rules whose lines go but whose values are not output
    line_start: re.Pattern  # where any rule may match, after a "\n": one pass finds the lines


def _traditional_forms(word: str) -> set[str]:
    return {word} | {converter(c).convert(word) for c in ("s2t", "s2tw", "s2hk")}


def _load_toml(path: str | None) -> dict:
    if path is None:
        data = resources.files("zhclean.data").joinpath("boilerplate.toml").read_bytes()
        return tomllib.loads(data.decode("utf-8"))
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))


def _scoped(pattern: str) -> str:
    """Wrap one pattern for an alternation; a leading `(?i)` becomes a scoped `(?i:...)`."""
    if pattern.startswith("(?i)"):
        return f"(?i:{pattern[4:]})"
    return f"(?:{pattern})"


@lru_cache(maxsize=16)
def load_rules(extra: tuple[str, ...] = (), builtin: bool = True) -> RuleSet:
    """Compile the built-in rules plus the user's rule files (cached per process)."""
    tables = ([_load_toml(None)] if builtin else []) + [_load_toml(p) for p in extra]
    notices: list[tuple[str, re.Pattern]] = []
    key_to_field: dict[str, str] = {}
    max_value: dict[str, int] = {}
    unreported: set[str] = set()
    for table in tables:
        for rule in table.get("notice", []):
            combined = "|".join(_scoped(p) for p in rule["patterns"])
            notices.append((rule["name"], re.compile(combined)))
        for rule in table.get("field", []):
            name = rule["name"]
            max_value[name] = int(rule.get("max_value_chars", 40))
            if not rule.get("report", True):
                unreported.add(name)
            for key in rule["keys"]:
                for form in _traditional_forms(key):
                    key_to_field[form] = name
    keys = "|".join(sorted(map(re.escape, key_to_field), key=len, reverse=True))
    pair = rf"(?P<key>{keys})[ \t]*[:：][ \t]*(?P<value>[^:：\n]*?)"
    separator = r"[ \t]*(?:[|｜/][ \t]*|[ \t])"
    line = rf"[{_OPEN_CLASS}]?[ \t]*{pair}(?:{separator}{pair})*[ \t]*[{_CLOSE_CLASS}]?"
    field_line = re.compile(line.replace("?P<key>", "?:").replace("?P<value>", "?:"))
    field_pair = re.compile(
        rf"{pair}(?={separator}(?:{keys})[ \t]*[:：]|[ \t]*[{_CLOSE_CLASS}]?[ \t]*$)"
    )
    alternatives = [_scoped(p) for table in tables for r in table.get("notice", []) for p in r["patterns"]] + [keys]
    # A leading literal "\n" (the text gets one prepended) lets the engine jump from line break
    # to line break; a multiline `^` would be tried at every character. The rest is a
    # lookahead, so each match is one line break and no line hides the next. The rules whose
    # first characters are known sit behind a lookahead of them: most lines fail that one
    # class test instead of the long alternation.
    known = [a for a in alternatives if lookahead([a])]
    unknown = [a for a in alternatives if not lookahead([a])]
    starts = "|".join(([f"{lookahead(known)}(?:{'|'.join(known)})"] if known else []) + unknown)
    line_start = re.compile(rf"\n(?=[ \t\u3000\u00a0]*(?:[{_OPEN_CLASS}][ \t\u3000\u00a0]*)?(?:{starts}))")
    # A user's rule with named groups of its own is matched alone, so `lastgroup` stays ours.
    any_notice = None if any("(?P<" in p.pattern for _, p in notices) else re.compile(
        "|".join(f"(?P<r{i}>{p.pattern})" for i, (_, p) in enumerate(notices))
    )
    return RuleSet(tuple(notices), any_notice, field_line, field_pair, key_to_field, max_value,
                   frozenset(unreported), line_start)


def _matching_view(text: str) -> str:
    """The text as rules see it: glosses removed, Traditional characters mapped to Simplified
    one by one (enough to match a notice, and line breaks stay where they are)."""
    return _without_glosses(char_tables().to_simplified_chars(text))


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
    wrapped = line[:1] in _OPEN
    for m in rules.field_pair.finditer(line):
        field = rules.key_to_field[m.group("key")]
        end = m.end("value")
        if not wrapped:  # a closing bracket then belongs to the value: `上海杨浦(pu)`
            while end < len(line) and line[end] in _CLOSE:
                end += 1
        value = line[m.start("value") : end].strip()
        if wrapped:
            value = value.rstrip(_CLOSE).strip()
        if not value or len(value) > rules.max_value[field] or _SENTENCE_END.search(value) or (
            len(value) > _MAX_NAME_LIST and _CLAUSE_BREAK.search(value)
        ):
            return None
        found.setdefault(field, value)
    return found or None


def _notice_rule(view: str, rules: RuleSet) -> str | None:
    """The notice rule the line matches, also when the whole line is bracketed: `（本文…删除）`.
    One fullmatch of all rules at once; the first rule that matches names the line."""
    candidates = [view]
    if len(view) > 2 and view[0] in _OPEN and view[-1] in _CLOSE:
        candidates.append(view[1:-1].strip())
    if rules.any_notice is None:
        return next((name for name, p in rules.notices if any(p.fullmatch(c) for c in candidates)), None)
    for candidate in candidates:
        m = rules.any_notice.fullmatch(candidate)
        if m:
            return rules.notices[int(m.lastgroup[1:])][0]
    return None


def candidate_lines(view: str, rules: RuleSet) -> list[int]:
    """Indices of the lines where some rule may match, from one regex pass over the view."""
    found: list[int] = []
    line, last = 0, 0
    for m in rules.line_start.finditer("\n" + view):
        line += view.count("\n", last, m.start())
        last = m.start()
        if not found or found[-1] != line:
            found.append(line)
    return found


def classify_lines(
    lines: Sequence[str], views: Sequence[str], rules: RuleSet, max_chars: int,
    candidates: Sequence[int] | None = None,
) -> list[tuple[int, str, dict[str, str] | None]]:
    """(line index, rule name, fields) for every line the rules remove, looking only at
    `candidates` when given."""
    hits = []
    for i in range(len(lines)) if candidates is None else candidates:
        line, view = lines[i], views[i]
        stripped = view.strip(" \t\u3000\u00a0")
        if not stripped or len(stripped) > max_chars:
            continue
        trimmed = line.strip(" \t\u3000\u00a0")
        values = _field_values(trimmed, rules)
        if values is None and ("(" in trimmed or "（" in trimmed):  # a glossed key: `来(lai)源：`
            values = _field_values(_without_glosses(trimmed), rules)
        if values is not None:
            hits.append((i, "field:" + "+".join(values), values))
            continue
        name = _notice_rule(stripped, rules)
        if name is not None:
            hits.append((i, name, None))
    return hits


@register("boilerplate", options=BoilerplateOptions)
def boilerplate(
    text: str, fields: Mapping[str, Any], options: BoilerplateOptions, explain: bool
) -> StepOutput:
    rules = load_rules(tuple(options.rules), options.builtin_rules)
    view = _matching_view(text)
    candidates = candidate_lines(view, rules)
    if not candidates:
        return StepOutput(text)
    lines, views = text.split("\n"), view.split("\n")
    hits = classify_lines(lines, views, rules, options.max_line_chars, candidates)
    if not hits:
        return StepOutput(text)
    extracted: dict[str, str] = {}
    for _, _, values in hits:
        for name, value in (values or {}).items():
            extracted.setdefault(name, value)
    drop = {i for i, _, _ in hits}
    kept = remove_lines(lines, drop)
    removals = [Removal("boilerplate", rule, i, lines[i]) for i, rule, _ in hits] if explain else []
    reported = {k: v for k, v in extracted.items() if k not in rules.unreported and not fields.get(k)}
    return StepOutput(kept, len(hits), reported, removals)

