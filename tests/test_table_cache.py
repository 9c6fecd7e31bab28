"""The disk cache of character tables, and what start-up gains from it."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from zhclean import table_cache
from zhclean.table_cache import cache_dir, disk_cached


def _counting_builder(calls: list[int]):
    def build() -> dict:
        calls.append(1)
        return {"table": np.arange(5, dtype=np.uint8), "forms": {"说": "说說"}}

    build.__qualname__ = f"build_{id(calls)}"  # one cache file per test
    return build


def test_second_process_loads_what_the_first_built(tmp_path, monkeypatch):
    monkeypatch.setenv("ZHCLEAN_CACHE_DIR", str(tmp_path))
    calls: list[int] = []
    builder = _counting_builder(calls)
    first = disk_cached(builder)()
    assert calls == [1] and len(list(tmp_path.glob("*.pickle"))) == 1
    again = disk_cached(builder)()  # a fresh wrapper stands for a fresh process
    assert calls == [1]
    assert again["forms"] == first["forms"] and np.array_equal(again["table"], first["table"])


def test_a_corrupt_or_truncated_file_is_rebuilt_and_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv("ZHCLEAN_CACHE_DIR", str(tmp_path))
    calls: list[int] = []
    builder = _counting_builder(calls)
    disk_cached(builder)()
    (path,) = tmp_path.glob("*.pickle")
    path.write_bytes(path.read_bytes()[:20])
    assert disk_cached(builder)()["forms"] == {"说": "说說"}
    assert calls == [1, 1]
    assert pickle.loads(path.read_bytes())["forms"] == {"说": "说說"}


def test_an_unwritable_cache_only_costs_a_rebuild(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ZHCLEAN_CACHE_DIR", str(blocker / "cache"))
    calls: list[int] = []
    builder = _counting_builder(calls)
    assert disk_cached(builder)()["forms"] == {"说": "说說"}
    assert disk_cached(builder)()["forms"] == {"说": "说說"}
    assert calls == [1, 1]


def test_off_keeps_nothing_on_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("ZHCLEAN_CACHE_DIR", "off")
    assert cache_dir() is None
    calls: list[int] = []
    disk_cached(_counting_builder(calls))()
    assert calls == [1] and not list(tmp_path.iterdir())


def test_the_default_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("ZHCLEAN_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "zhclean"


def test_the_key_changes_with_the_source(tmp_path, monkeypatch):
    """A table built by other code is never read: the key digests zhclean's sources."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text("x = 1\n")
    monkeypatch.setattr(table_cache, "_PACKAGE_ROOT", package)
    table_cache._environment_key.cache_clear()
    before = table_cache._environment_key()
    (package / "a.py").write_text("x = 2\n")
    table_cache._environment_key.cache_clear()
    after = table_cache._environment_key()
    table_cache._environment_key.cache_clear()
    assert before != after


CLEAN_ONE = """
import zhclean
print(zhclean.clean("重(zhong)要的(de)会议(yi)在(zai)北京举行,").text)
print(zhclean.clean("區委干部先后來到社區，并与居民交流，了解情況。會議強調，要進一步做好工作，"
                    "确保各項任務落到實處，干部要带头。").text)
"""
EXPECTED = ("重要的会议在北京举行，\n"
            "区委干部先后来到社区，并与居民交流，了解情况。会议强调，要进一步做好工作，确保各项任务落到实处，干部要带头。\n")


@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_tables_from_the_cache_clean_the_same(tmp_path, cache):
    """Text cleaned with tables loaded from disk is the text cleaned with tables built."""
    env = dict(os.environ, ZHCLEAN_CACHE_DIR=str(tmp_path))
    outputs = []
    for _ in range(2 if cache == "warm" else 1):
        done = subprocess.run([sys.executable, "-c", CLEAN_ONE], env=env, capture_output=True, text=True,
                              check=True, cwd=Path(__file__).resolve().parents[1])
        outputs.append(done.stdout)
    built = subprocess.run([sys.executable, "-c", CLEAN_ONE], env=dict(os.environ, ZHCLEAN_CACHE_DIR="off"),
                           capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1])
    assert set(outputs) == {built.stdout}
    assert built.stdout == EXPECTED
    assert len(list(tmp_path.glob("*.pickle"))) >= 4
