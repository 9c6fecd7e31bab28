"""The boilerplate step's rules: TOML rule files compiled into regexes that match either script.

Notice rules are whole-line regexes written once, in Simplified; when they load, each Han
character becomes a class of its forms (`声` → `[声聲]`), so Traditional text needs no
conversion. Field rules name keys (`来源`, `责任编辑`) whose Traditional forms OpenCC writes.
zhclean/data/boilerplate.toml documents the format; users add files with `--rules FILE`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from zhclean.chars import char_tables
from zhclean.opencc_pool import converter
from zhclean.regex_first import first_chars, lookahead
from zhclean.text import LINE_EDGE

OPEN = "(（【[〔"
CLOSE = ")）】]〕"
OPEN_CLASS = re.escape(OPEN)
CLOSE_CLASS = re.escape(CLOSE)
EDGE = LINE_EDGE
EDGE_RUN = f"[{LINE_EDGE}]*"
SENTENCE_END_CLASS = "。！？!?…」』”’"  # a sentence ends with a run of these


@dataclass(frozen=True)
class NoticeSet:
    """Notice rules, one regex each, and all of them in one alternation (group `r<i>` for
    rule i) so that one fullmatch finds the first rule that matches."""

    rules: tuple[tuple[str, re.Pattern], ...]
    combined: re.Pattern | None  # None when a user's rule has named groups of its own

    @classmethod
    def of(cls, rules: list[tuple[str, re.Pattern]]) -> NoticeSet:
        combined = None if any("(?P<" in p.pattern for _, p in rules) else re.compile(
            "|".join(f"(?P<r{i}>{p.pattern})" for i, (_, p) in enumerate(rules))
        )
        return cls(tuple(rules), combined)

    def first_match(self, text: str) -> str | None:
        """The name of the first rule that matches the whole of `text`."""
        if self.combined is None:
            return next((name for name, p in self.rules if p.fullmatch(text)), None)
        m = self.combined.fullmatch(text)
        return self.rules[int(m.lastgroup[1:])][0] if m else None


@dataclass(frozen=True)
class RuleSet:
    """Compiled rules: the notice rules, those that may also be glued to a paragraph, and
    one regex for field lines."""

    notices: NoticeSet
    glued: NoticeSet  # rules with `glued = true`: also whole sentences at a line's start or end
    glued_head: re.Pattern | None  # a glued rule at the start of a line
    glued_scan: re.Pattern | None  # a glued rule after a sentence end or a space
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
    """Wrap one pattern for an alternation; a leading `(?i)` becomes a scoped `(?i:...)`.
    Its Han characters also match their Traditional forms (`both_scripts`)."""
    pattern = both_scripts(pattern)
    if pattern.startswith("(?i)"):
        return f"(?i:{pattern[4:]})"
    return f"(?:{pattern})"


@lru_cache(maxsize=1)
def _script_forms() -> dict[str, str]:
    """Han character -> every character OpenCC's character table maps to the same Simplified
    one (说 → 说說, 為 → 为為), for the characters that have Traditional forms."""
    groups: dict[str, list[str]] = {}
    for traditional, simplified in char_tables().t2s_char.items():
        groups.setdefault(simplified, [simplified]).append(traditional)
    forms = {simplified: "".join(dict.fromkeys(members)) for simplified, members in groups.items()}
    for traditional, simplified in char_tables().t2s_char.items():
        forms[traditional] = forms[simplified]
    return forms


def both_scripts(pattern: str) -> str:
    """`pattern` with each Han character it names also matching the other script's forms of
    it, as a character class: rules written once in Simplified match Traditional text as it
    is, with no per-document conversion. Escapes, group names and class syntax are kept."""
    forms = _script_forms()
    out: list[str] = []
    extra: list[str] = []  # the other forms of a class's members, added before its `]`
    i, in_class = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if not in_class and pattern.startswith(("(?P<", "(?P="), i):  # a name, not text
            end = pattern.index(">" if pattern[i + 3] == "<" else ")", i) + 1
            out.append(pattern[i:end])
            i = end
            continue
        if in_class:
            if ch == "]":
                in_class = False
                out.append("".join(extra))
            elif ch in forms:  # ranges keep their ends; the other forms join the class
                extra.append(forms[ch].replace(ch, ""))
            out.append(ch)
        elif ch == "[":
            in_class, extra = True, []
            start = i + 1 + (pattern[i + 1 : i + 2] == "^")
            start += pattern[start : start + 1] == "]"  # a leading ] is a member
            out.append(pattern[i:start])
            i = start
            continue
        else:
            out.append(f"[{forms[ch]}]" if ch in forms else ch)
        i += 1
    return "".join(out)


@lru_cache(maxsize=16)
def load_rules(extra: tuple[str, ...] = (), builtin: bool = True) -> RuleSet:
    """Compile the built-in rules plus the user's rule files (cached per process)."""
    tables = ([_load_toml(None)] if builtin else []) + [_load_toml(p) for p in extra]
    notices: list[tuple[str, re.Pattern]] = []
    glued: list[tuple[str, re.Pattern]] = []
    alternatives: list[str] = []  # every notice pattern, scoped and in both scripts
    glued_patterns: list[str] = []
    key_to_field: dict[str, str] = {}
    max_value: dict[str, int] = {}
    unreported: set[str] = set()
    for table in tables:
        for rule in table.get("notice", []):
            scoped = [_scoped(p) for p in rule["patterns"]]
            notices.append((rule["name"], re.compile("|".join(scoped))))
            alternatives += scoped
            if rule.get("glued", False):
                glued.append(notices[-1])
                glued_patterns += scoped
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
    line = rf"[{OPEN_CLASS}]?[ \t]*{pair}(?:{separator}{pair})*[ \t]*[{CLOSE_CLASS}]?"
    field_line = re.compile(line.replace("?P<key>", "?:").replace("?P<value>", "?:"))
    field_pair = re.compile(
        rf"{pair}(?={separator}(?:{keys})[ \t]*[:：]|[ \t]*[{CLOSE_CLASS}]?[ \t]*$)"
    )
    # A leading literal "\n" (the text gets one prepended) lets the engine jump from line break
    # to line break; a multiline `^` would be tried at every character. The rest is a
    # lookahead, so each match is one line break and no line hides the next. The rules whose
    # first characters are known sit behind a lookahead of them: most lines fail that one
    # class test instead of the long alternation.
    line_start = re.compile(
        rf"\n(?={EDGE_RUN}(?:[{OPEN_CLASS}]{EDGE_RUN})?(?:{_guarded([*alternatives, keys])}))"
    )
    glued_head = glued_scan = None
    if glued:  # the scan is led by one class (sentence ends and spaces): the engine scans in C
        any_glued = _guarded(glued_patterns)
        glued_head = re.compile(f"{EDGE_RUN}(?:{any_glued})")
        glued_scan = re.compile(f"[{SENTENCE_END_CLASS}{EDGE}]{EDGE_RUN}(?:{any_glued})")
    return RuleSet(NoticeSet.of(notices), NoticeSet.of(glued), glued_head, glued_scan, field_line, field_pair,
                   key_to_field, max_value, frozenset(unreported), line_start)


def _guarded(alternatives: list[str]) -> str:
    """The alternation, with the alternatives whose first characters are known behind one
    lookahead of them: most places fail that one class test instead of every branch."""
    known: list[str] = []
    unknown: list[str] = []
    for alternative in alternatives:
        (unknown if first_chars(alternative) is None else known).append(alternative)
    return "|".join(([f"{lookahead(known)}(?:{'|'.join(known)})"] if known else []) + unknown)
