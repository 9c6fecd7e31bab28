"""Compiled regexes kept on disk (zhclean/regex_cache.py): a pattern built from the cache
behaves as `re.compile`'s, a damaged file only costs a compile, and the boilerplate rules
come out the same in every process (their cache entries are found again)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from conftest import ROOT

from zhclean.regex_cache import RegexCache, cached

PATTERNS = [
    (r"来源[:：]\s*(?P<value>[^\n]{1,40})", 0),
    (r"(?i)copyright\s+\d{4}", 0),
    (r"(?:a+)+b|(?P<x>c)(?P=x)", 0),
    (r"^\s*责任编辑.*$", re.MULTILINE),
    (r"[\u4e00-\u9fff]{2,}(?=。)", 0),
]
TEXTS = ["来源：新华社\n正文", "COPYRIGHT 2024 x", "aaab cc", "  责任编辑：王\n", "上海市。", ""]


def _behaviour(pattern: re.Pattern) -> list:
    return [pattern.pattern, pattern.flags, pattern.groups, pattern.groupindex,
            *[(m.span(), m.groupdict()) for text in TEXTS for m in pattern.finditer(text)]]


def test_patterns_from_the_cache_behave_as_compiled_ones(tmp_path, monkeypatch):
    monkeypatch.setenv("ZHCLEAN_CACHE_DIR", str(tmp_path))
    with cached("test") as cache:
        first = [cache.compile(p, f) for p, f in PATTERNS]
    assert len(list(tmp_path.glob("regex-test-*.pickle"))) == 1
    again = RegexCache("test")  # a new process's view
    assert len(again.entries) == len(PATTERNS)
    loaded = [again.compile(p, f) for p, f in PATTERNS]
    assert not again.added  # every one came from the file
    for pattern, flags in PATTERNS:
        want = _behaviour(re.compile(pattern, flags))
        assert _behaviour(first[PATTERNS.index((pattern, flags))]) == want
        assert _behaviour(loaded[PATTERNS.index((pattern, flags))]) == want


def test_a_damaged_file_or_entry_only_costs_a_compile(tmp_path, monkeypatch):
    monkeypatch.setenv("ZHCLEAN_CACHE_DIR", str(tmp_path))
    with cached("test") as cache:
        cache.compile(*PATTERNS[0])
    path = next(tmp_path.glob("regex-test-*.pickle"))
    path.write_bytes(b"not a pickle")
    assert _behaviour(RegexCache("test").compile(*PATTERNS[0])) == _behaviour(re.compile(*PATTERNS[0]))
    broken = RegexCache("test")
    broken.entries[PATTERNS[1]] = ("x", 0, [1, 2, 3], 0, {}, (None,))  # code the engine refuses
    assert _behaviour(broken.compile(*PATTERNS[1])) == _behaviour(re.compile(*PATTERNS[1]))


def test_a_bad_pattern_still_raises(tmp_path, monkeypatch):
    monkeypatch.setenv("ZHCLEAN_CACHE_DIR", str(tmp_path))
    with pytest.raises(re.error):
        RegexCache("test").compile("(unclosed")




def test_the_rules_are_the_same_patterns_whatever_the_hash_seed(tmp_path):
    """Field keys come from sets: without a total order the combined patterns differed per
    process (PYTHONHASHSEED), so no process found the previous one's cache entries."""
    outputs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed, ZHCLEAN_CACHE_DIR=str(tmp_path / seed))
        done = subprocess.run([sys.executable, "-c", "from zhclean.boilerplate_rules import load_rules as l; "
                               "r = l(); print(r.line_start.pattern); print(r.field_line.pattern)"],
                              env=env, capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    files = [sorted(p.name for p in (tmp_path / seed).glob("regex-*")) for seed in ("1", "2")]
    assert files[0] == files[1] and len(files[0]) == 1
