"""The characters a regex match can begin with, read off Python's own regex parser.

A pattern that tries a long alternation at many places (boilerplate's line starts) is much
cheaper behind a lookahead of those characters: most places fail on one class test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from re import _constants as sre
from re import _parser as sre_parse

_MAX_RANGE = 4096  # a wider class says little; treat it as "any character"


class _AnyChar(Exception):
    """The pattern may begin with any character, or with one this reader cannot tell."""


def first_chars(pattern: str) -> frozenset[str] | None:
    """Every character a non-empty match of `pattern` may start with, before case folding
    (apply the set case-insensitively), or None when that is not a small known set: a `.`,
    a negated class, a lookaround, a pattern that can match the empty string."""
    try:
        chars, nullable = _sequence(list(sre_parse.parse(pattern)))
    except (_AnyChar, re.error):
        return None
    return None if nullable else frozenset(chars)


def lookahead(patterns: list[str], first: Callable[[str], frozenset[str] | None] | None = None) -> str:
    """`(?=...)` of the characters any of `patterns` may start with, or "" when unknown
    (`first`: `first_chars`, or a cache of it)."""
    firsts = [(first or first_chars)(p) for p in patterns]
    if not firsts or any(f is None for f in firsts):
        return ""
    chars = sorted(set().union(*firsts))  # type: ignore[arg-type]
    return "(?=(?i:[" + "".join(map(re.escape, chars)) + "]))"


def _sequence(items: list) -> tuple[set[str], bool]:
    """(first characters, whether the sequence can match the empty string)."""
    found: set[str] = set()
    for op, av in items:
        if op is sre.AT:  # an anchor takes no character
            continue
        chars, nullable = _item(op, av)
        found |= chars
        if not nullable:
            return found, False
    return found, True


def _item(op, av) -> tuple[set[str], bool]:
    if op is sre.LITERAL:
        return {chr(av)}, False
    if op is sre.IN:
        return _class_chars(av), False
    if op is sre.SUBPATTERN:
        return _sequence(list(av[3]))
    if op is sre.ATOMIC_GROUP:
        return _sequence(list(av))
    if op is sre.BRANCH:
        results = [_sequence(list(branch)) for branch in av[1]]
        return set().union(*(chars for chars, _ in results)), any(nullable for _, nullable in results)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, _, items = av
        chars, nullable = _sequence(list(items))
        return chars, nullable or low == 0
    raise _AnyChar(op)


def _class_chars(members: list) -> set[str]:
    chars: set[str] = set()
    for op, av in members:
        if op is sre.LITERAL:
            chars.add(chr(av))
        elif op is sre.RANGE and av[1] - av[0] <= _MAX_RANGE:
            chars.update(map(chr, range(av[0], av[1] + 1)))
        else:  # a negation, a category such as \d, a huge range
            raise _AnyChar(op)
    return chars
