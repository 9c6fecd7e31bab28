"""The boilerplate step's rules: TOML rule files compiled into regexes that match either script.

Notice rules are whole-line regexes written once, in Simplified; when they load, each Han
character becomes a class of its forms (`声` → `[声聲]`), so Traditional text needs no
conversion. Field rules name keys (`来源`, `责任编辑`) whose Traditional forms OpenCC writes.
zhclean/data/boilerplate.toml documents the format; users add files with `--rules FILE`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache, partial
from importlib import resources
from re import _constants as sre
from re import _parser as sre_parse

from zhclean import regex_cache
from zhclean.chars import char_tables
from zhclean.config import ConfigError, check_fields, parse_toml, read_toml, setting
from zhclean.opencc_pool import converter
from zhclean.regex_first import first_chars, lookahead
from zhclean.table_cache import disk_cached
from zhclean.text import LINE_EDGE

OPEN = "(（【[〔"
CLOSE = ")）】]〕"
OPEN_CLASS = re.escape(OPEN)
CLOSE_CLASS = re.escape(CLOSE)
EDGE = LINE_EDGE
EDGE_RUN = f"[{LINE_EDGE}]*"
NEVER = "(?!)"  # a regex that matches nowhere
SENTENCE_END_CLASS = "。！？!?…」』”’"  # a sentence ends with a run of these


@dataclass(frozen=True)
class NoticeSet:
    """Notice rules, one regex each, and all of them in one alternation (group `r<i>` for
    rule i) so that one fullmatch finds the first rule that matches."""

    rules: tuple[tuple[str, str], ...]  # (name, pattern)
    combined: re.Pattern | None  # None when a user's rule has named groups of its own

    @classmethod
    def of(cls, rules: list[tuple[str, str]], compile_: Callable[[str], re.Pattern] = re.compile) -> NoticeSet:
        combined = None if not rules or any("(?P<" in p for _, p in rules) else compile_(
            "|".join(f"(?P<r{i}>{p})" for i, (_, p) in enumerate(rules))
        )
        return cls(tuple(rules), combined)

    @cached_property
    def compiled(self) -> tuple[tuple[str, re.Pattern], ...]:
        """One regex per rule, compiled only where there is no combined one (compiling
        every rule twice was a fifth of a worker's start-up)."""
        return tuple((name, re.compile(pattern)) for name, pattern in self.rules)

    def first_match(self, text: str) -> str | None:
        """The name of the first rule that matches the whole of `text`."""
        if self.combined is None:
            return next((name for name, p in self.compiled if p.fullmatch(text)), None)
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
    key_scan: re.Pattern | None = None  # a key and its colon anywhere: glued pairs are split at them
    name_fields: frozenset[str] = frozenset()  # field rules with `names = true`
    digit_fields: frozenset[str] = frozenset()  # field rules with `digits = true`
    # any key, anywhere: a line without one is no field line in any shape (None when a key
    # holds a colon: then every line is read)
    key_word: re.Pattern | None = None


def _traditional_forms(word: str) -> tuple[str, ...]:
    """`word` and its forms in OpenCC's three Traditional standards, sorted."""
    return tuple(sorted({word} | {converter(c).convert(word) for c in ("s2t", "s2tw", "s2hk")}))


@dataclass(frozen=True)
class NoticeRule:
    """One `[[notice]]` entry of a rule file: whole-line regexes, written in Simplified."""

    name: str = setting(nonempty=True)
    patterns: tuple[str, ...] = setting(nonempty=True)
    glued: bool = False  # also a whole sentence glued to a paragraph's start or end
    source: str = ""  # documentation: where the notice comes from


@dataclass(frozen=True)
class FieldRule:
    """One `[[field]]` entry: `KEY：VALUE` lines whose value goes into field `name`."""

    name: str = setting(nonempty=True)
    keys: tuple[str, ...] = setting(nonempty=True)
    max_value_chars: int = setting(40, at_least=1)
    report: bool = True  # false: the line goes, the value is not output
    names: bool = False  # the value names people: one that reads as speech is dialogue, not a byline
    digits: bool = False  # the value is a count or a date: one without a digit is not this field
    source: str = ""


SECTIONS: dict[str, type] = {"notice": NoticeRule, "field": FieldRule}
BUILTIN = "zhclean/data/boilerplate.toml"  # how messages name the built-in file


@dataclass(frozen=True)
class RuleFile:
    """A rule file, checked: its entries, each with where it is (`[[notice]] #3 "name"`),
    and each notice's patterns scoped and in both scripts, ready to combine."""

    path: str
    notices: tuple[tuple[str, NoticeRule, tuple[str, ...]], ...]
    fields: tuple[tuple[str, FieldRule], ...]


def read_rule_file(path: str | None, check_patterns: bool | None = None) -> RuleFile:
    """The built-in rules (None) or a user's rule file, checked: an unknown section or key,
    a value of the wrong type, a missing `name`/`patterns`/`keys`, or a pattern that does
    not compile (alone, or as it is combined with the others) is a one-line ConfigError
    naming the file, the entry and the problem. The built-in file's patterns are checked by
    the tests (`check_patterns=True`), not by every process: compiling each one alone was
    a sixth of a worker's start-up."""
    if check_patterns is None:
        check_patterns = path is not None
    if path is None:
        source = BUILTIN
        text = resources.files("zhclean.data").joinpath("boilerplate.toml").read_bytes()
        data = parse_toml(text.decode("utf-8"), source)
    else:
        source = str(path)
        data = read_toml(path, "rules file")
    notices: list[tuple[str, NoticeRule, tuple[str, ...]]] = []
    fields: list[tuple[str, FieldRule]] = []
    for section, entries in data.items():
        if section not in SECTIONS:
            shown = f"[[{section}]]" if isinstance(entries, list) else f"[{section}]" if isinstance(entries, dict) else section
            raise ConfigError(f"{source}: {shown}: unknown section (known: {', '.join(SECTIONS)})")
        if isinstance(entries, dict):
            raise ConfigError(f"{source}: [{section}]: each rule is an entry [[{section}]], not a table [{section}]")
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ConfigError(f"{source}: {section}: expected entries [[{section}]], not a value")
        for i, entry in enumerate(entries, 1):
            name = entry.get("name")
            where = f"[[{section}]] #{i}" + (f' "{name}"' if isinstance(name, str) and name else "")
            rule = SECTIONS[section](**check_fields(SECTIONS[section], entry, where, source))
            if isinstance(rule, NoticeRule):
                scoped = tuple(_checked_pattern(p, source, f"{where} patterns #{j}") if check_patterns
                               else _scoped(p) for j, p in enumerate(rule.patterns, 1))
                notices.append((where, rule, scoped))
            else:
                fields.append((where, rule))
    return RuleFile(source, tuple(notices), tuple(fields))


def _checked_pattern(pattern: str, source: str, where: str) -> str:
    """`pattern` as the rules combine it (`_scoped`), or a ConfigError: a regex that does not
    compile, or one that would not mean the same once combined with the others."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error as error:
        raise ConfigError(f"{source}: {where}: bad regular expression: {_re_message(error)}") from None
    if _numbered_reference(list(parsed), set(parsed.state.groupdict.values())):
        raise ConfigError(f"{source}: {where}: numbered backreference: the rules are combined into one "
                          "regular expression, where group numbers shift; name the group: (?P<x>...)(?P=x)")
    scoped = _scoped(pattern)
    try:
        re.compile(scoped)
    except re.error as error:
        hint = ("; only a leading (?i) may apply to a whole pattern, scope other flags: (?s:...)"
                if "global flags" in str(error) else "")
        raise ConfigError(f"{source}: {where}: bad regular expression once combined with the "
                          f"others: {_re_message(error)}{hint}") from None
    return scoped


def _re_message(error: re.error) -> str:
    return " ".join(str(error).split())


def _numbered_reference(items: list, named: set[int]) -> bool:
    """Whether a parsed pattern refers to a group by number (`\\1`, `(?(1)...)`)."""
    for op, av in items:
        if op is sre.GROUPREF and av not in named:
            return True
        if op is sre.GROUPREF_EXISTS:
            group, yes, no = av
            if group not in named or _numbered_reference(list(yes), named) or (
                    no is not None and _numbered_reference(list(no), named)):
                return True
        elif op is sre.SUBPATTERN:
            if _numbered_reference(list(av[3]), named):
                return True
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            if _numbered_reference(list(av[2]), named):
                return True
        elif op is sre.BRANCH:
            if any(_numbered_reference(list(branch), named) for branch in av[1]):
                return True
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            if _numbered_reference(list(av[1]), named):
                return True
        elif op is sre.ATOMIC_GROUP and _numbered_reference(list(av), named):
            return True
    return False


def _check_group_names(files: list[RuleFile]) -> None:
    """Named groups must be unique across every notice pattern: they are combined into one
    regular expression."""
    seen: dict[str, str] = {}
    for file in files:
        for where, _, scoped in file.notices:
            for j, pattern in enumerate(scoped, 1):
                for name in re.compile(pattern).groupindex if "(?P<" in pattern else ():
                    here = f"{where} patterns #{j} in {file.path}"
                    if name in seen and seen[name] != here:
                        raise ConfigError(f"{file.path}: {where} patterns #{j}: group name {name!r} is also "
                                          f"used by {seen[name]}; the rules are combined into one "
                                          "regular expression, so group names must differ")
                    seen[name] = here


def _scoped(pattern: str) -> str:
    """Wrap one pattern for an alternation; a leading `(?i)` becomes a scoped `(?i:...)`.
    Its Han characters also match their Traditional forms (`both_scripts`)."""
    pattern = both_scripts(pattern)
    if pattern.startswith("(?i)"):
        return f"(?i:{pattern[4:]})"
    return f"(?:{pattern})"


@disk_cached
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
    """Compile the built-in rules plus the user's rule files (cached per process). A file
    that is missing, malformed or has a pattern that does not compile is a ConfigError."""
    files = ([read_rule_file(None)] if builtin else []) + [read_rule_file(p) for p in extra]
    _check_group_names(files)
    try:
        with regex_cache.cached("boilerplate-rules") as cache:  # 0.4 s of start-up, once
            # the keys' Traditional forms are kept with the patterns: building them loads three
            # OpenCC converters (70 ms) that a Simplified document never needs otherwise
            return _compile(files, cache.compile, partial(cache.memo, "first_chars", build=first_chars),
                            partial(cache.memo, "traditional_forms", build=_traditional_forms))
    except re.error as error:  # the checks of each file leave nothing for here, but say which
        raise ConfigError(f"{', '.join(f.path for f in files)}: the rules do not combine into one "
                          f"regular expression: {_re_message(error)}") from None


def _compile(files: list[RuleFile], compile_: Callable[[str], re.Pattern] = re.compile,
             first: Callable[[str], frozenset[str] | None] = first_chars,
             forms: Callable[[str], tuple[str, ...]] = _traditional_forms) -> RuleSet:
    notices: list[tuple[str, str]] = []
    glued: list[tuple[str, str]] = []
    alternatives: list[str] = []  # every notice pattern, scoped and in both scripts
    glued_patterns: list[str] = []
    key_to_field: dict[str, str] = {}
    max_value: dict[str, int] = {}
    unreported: set[str] = set()
    name_fields: set[str] = set()
    digit_fields: set[str] = set()
    for file in files:
        for _, rule, scoped in file.notices:
            notices.append((rule.name, "|".join(scoped)))
            alternatives += scoped
            if rule.glued:
                glued.append(notices[-1])
                glued_patterns += scoped
        for _, rule in file.fields:
            max_value[rule.name] = rule.max_value_chars
            if not rule.report:
                unreported.add(rule.name)
            if rule.names:
                name_fields.add(rule.name)
            if rule.digits:
                digit_fields.add(rule.name)
            for key in rule.keys:
                for form in forms(key):
                    key_to_field[form] = rule.name
    # No field rules (`builtin_rules = false` and a file of notices): no line is a field line.
    # longest first; ties by the key itself (not the order of a set: the patterns, and so
    # their cache entries, must be the same in every process)
    keys = "|".join(sorted(map(re.escape, key_to_field), key=lambda k: (-len(k), k))) or NEVER
    plain = not any(c in key for key in key_to_field for c in ":：\n") and not any(
        key[:1] in " \t" for key in key_to_field)
    field_line, field_pair = _field_patterns(keys, compile_) if plain else _naive_field_patterns(keys)
    # A leading literal "\n" (the text gets one prepended) lets the engine jump from line break
    # to line break; a multiline `^` would be tried at every character. The rest is a
    # lookahead, so each match is one line break and no line hides the next. The rules whose
    # first characters are known sit behind a lookahead of them: most lines fail that one
    # class test instead of the long alternation.
    dated_keys = rf"{LEADING_DATE}(?:{keys})" if key_to_field else NEVER
    line_start = compile_(
        rf"\n(?={EDGE_RUN}(?:[{OPEN_CLASS}]{EDGE_RUN})?(?:{_guarded([*alternatives, keys], first)}|{dated_keys}))"
        if alternatives or key_to_field else NEVER
    )
    glued_head = glued_scan = None
    if glued:  # the scan is led by one class (sentence ends and spaces): the engine scans in C
        any_glued = _guarded(glued_patterns, first)
        glued_head = compile_(f"{EDGE_RUN}(?:{any_glued})")
        glued_scan = compile_(f"[{SENTENCE_END_CLASS}{EDGE}]{EDGE_RUN}(?:{any_glued})")
    key_scan = compile_(rf"(?:{keys})[ \t]*[:：]") if key_to_field else None
    key_word = compile_(keys) if key_to_field and plain else None
    return RuleSet(NoticeSet.of(notices, compile_), NoticeSet.of(glued, compile_), glued_head, glued_scan, field_line, field_pair,
                   key_to_field, max_value, frozenset(unreported), line_start, key_scan, frozenset(name_fields),
                   frozenset(digit_fields), key_word)


# A field line is `KEY：VALUE` pairs, a value running up to the separator before the next key.
# Written naively (a lazy value, then a separator that may also be spaces) the engine tries
# every way to share a run of spaces between a value and a separator: exponential in the
# pairs of a line that fails at its end (`来源：a  ` 26 times, then `x：b`, took 46 s), cubic
# in a run of spaces. The forms below match the same lines and values in linear time.
_SEPARATOR = r"[ \t]*(?:[|｜/][ \t]*|[ \t])"
_SEPARATOR_END = r"[ \t|｜/]"  # the last character of any separator


def _field_patterns(keys: str, compile_: Callable[[str], re.Pattern] = re.compile) -> tuple[re.Pattern, re.Pattern]:
    """(field line, field pair) regexes for the key alternation `keys`, linear in the line,
    matching what `_naive_field_patterns` matches when no key holds a colon or starts with a
    space (checked by tests/test_hostile.py against the naive ones).

    The line: a value holds no colon, so the colons split the line into pieces; it is a field
    line when the first piece is `KEY` (bracket and spaces allowed) and every other piece but
    the last ends with a separator, a key and spaces. A separator after an arbitrary value is
    the same as its last character after one, and each piece ends at its colon, so each is
    matched atomically. The pair: a value may end only where the text after it is a
    separator and a key, or the line's end; a position inside a run of spaces qualifies only
    if the run's start does, so the value takes runs of spaces whole (`[ \t]++`), and the
    lookahead, whose runs of spaces are possessive, is tried once per run, not once per space."""
    piece = rf"(?>[^:：\n]*{_SEPARATOR_END}(?:{keys})[ \t]*[:：])"
    line = compile_(rf"[{OPEN_CLASS}]?[ \t]*(?:{keys})[ \t]*[:：]{piece}*+[^:：\n]*")
    value = r"(?P<value>(?:[^:：\n \t]|[ \t]++[^:：\n \t])*?)"
    next_key = rf"(?:[ \t]*+[|｜/][ \t]*+|[ \t]++)(?:{keys})[ \t]*+[:：]"
    pair = compile_(
        rf"(?P<key>{keys})[ \t]*[:：][ \t]*{value}(?={next_key}|[ \t]*+[{CLOSE_CLASS}]?[ \t]*+$)"
    )
    return line, pair


def _naive_field_patterns(keys: str) -> tuple[re.Pattern, re.Pattern]:
    """The field patterns as written first: exponential on some lines, kept for keys that
    `_field_patterns` cannot take."""
    pair = rf"(?P<key>{keys})[ \t]*[:：][ \t]*(?P<value>[^:：\n]*?)"
    line = rf"[{OPEN_CLASS}]?[ \t]*{pair}(?:{_SEPARATOR}{pair})*[ \t]*[{CLOSE_CLASS}]?"
    field_line = re.compile(line.replace("?P<key>", "?:").replace("?P<value>", "?:"))
    field_pair = re.compile(rf"{pair}(?={_SEPARATOR}(?:{keys})[ \t]*[:：]|[ \t]*[{CLOSE_CLASS}]?[ \t]*$)")
    return field_line, field_pair


# A date (and time) with no key, leading the fields of a page's byline as news pages print
# it (`2024-05-01 10:00 来源：示例日报`), and the separator after it.
LEADING_DATE = (r"(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{1,2}月\d{1,2}日)"
                r"(?:[ \t\u3000]*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?[ \t\u3000|｜]+")


def _guarded(alternatives: list[str], first: Callable[[str], frozenset[str] | None] = first_chars) -> str:
    """The alternation, with the alternatives whose first characters are known behind one
    lookahead of them: most places fail that one class test instead of every branch."""
    known: list[str] = []
    unknown: list[str] = []
    for alternative in alternatives:
        (unknown if first(alternative) is None else known).append(alternative)
    return "|".join(([f"{lookahead(known, first)}(?:{'|'.join(known)})"] if known else []) + unknown)
