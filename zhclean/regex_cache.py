"""Regular expressions compiled once per environment instead of once per process.

The boilerplate rules combine into a few alternations of several thousand branches; Python
parses and compiles them in about 0.4 CPU seconds, which every worker and every one-record
`zhclean clean` paid (half of the latter's wall time). What `re.compile` builds is a list of
integers (the engine's code) that `_sre.compile` turns into a pattern in microseconds; this
module keeps those lists on disk beside zhclean's other tables (`table_cache.py`) and
builds patterns from them.

An entry is found by the exact pattern string and flags, so it can only be the pattern
asked for; the file's key holds the Python version and the engine's `MAGIC`, so code is
never read by an engine that wrote it differently. Anything unexpected (another Python,
a private function that changed, a damaged file) falls back to `re.compile`.
"""

from __future__ import annotations

import hashlib
import pickle
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from zhclean.table_cache import _load, _store, cache_path

try:  # private, and only the CPython engine: any doubt and patterns compile as usual
    import _sre
    from re import _compiler, _parser

    _ENGINE = f"{sys.implementation.name}-{sys.version_info[:3]}-{_sre.MAGIC}"
    _AVAILABLE = hasattr(_compiler, "_code") and hasattr(_parser, "parse")
except (ImportError, AttributeError):  # pragma: no cover - another Python
    _AVAILABLE = False
    _ENGINE = ""

_Args = tuple[str, int, list[int], int, dict[str, int], tuple[str | None, ...]]


class RegexCache:
    """(pattern, flags) -> the arguments `_sre.compile` takes, loaded from one file."""

    def __init__(self, name: str) -> None:
        digest = hashlib.sha256(_ENGINE.encode()).hexdigest()[:12]
        self.path = cache_path(f"regex-{name}-{digest}")
        found, entries = _load(self.path) if self.path is not None and _AVAILABLE else (False, None)
        self.entries: dict[tuple, _Args] = entries if found and isinstance(entries, dict) else {}
        self.added = False

    def memo(self, kind: str, key: str, build: Callable[[str], Any]) -> Any:
        """`build(key)`, kept with the patterns (a small picklable value derived from a
        pattern, such as its first characters: reading one means parsing the pattern)."""
        entry = ("memo", kind, key)
        if entry not in self.entries:
            self.entries[entry] = build(key)  # type: ignore[assignment]
            self.added = True
        return self.entries[entry]

    def compile(self, pattern: str, flags: int = 0) -> re.Pattern:
        if not _AVAILABLE:
            return re.compile(pattern, flags)
        args = self.entries.get((pattern, flags))
        if args is not None:
            try:
                return _sre.compile(*args)
            except Exception:  # noqa: BLE001 - a damaged entry: compile afresh
                pass
        compiled, args = _compiled_with_args(pattern, flags)
        if args is not None:
            self.entries[(pattern, flags)] = args
            self.added = True
        return compiled

    def save(self) -> None:
        if self.added and self.path is not None:
            _store(self.path, self.entries)
            self.added = False


def _compiled_with_args(pattern: str, flags: int) -> tuple[re.Pattern, _Args | None]:
    """What `re._compiler.compile` does, keeping its arguments to `_sre.compile`."""
    try:
        parsed = _parser.parse(pattern, flags)
        code = _compiler._code(parsed, flags)
        groupindex = dict(parsed.state.groupdict)
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for key, index in groupindex.items():
            indexgroup[index] = key
        args: _Args = (pattern, int(flags | parsed.state.flags), [int(c) for c in code], parsed.state.groups - 1, groupindex,
                       tuple(indexgroup))
        compiled = _sre.compile(*args)
        pickle.dumps(args)  # what cannot be stored is not kept
    except re.error:
        raise
    except Exception:  # noqa: BLE001 - the private API differs: the public one
        return re.compile(pattern, flags), None
    return compiled, args


@contextmanager
def cached(name: str) -> Iterator[RegexCache]:
    """A cache to compile through in the block; what the block added is stored after it."""
    cache = RegexCache(name)
    yield cache
    cache.save()


