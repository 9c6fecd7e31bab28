"""How many workers a run starts, and that they warm up before the first shard reaches them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import partial

import pytest

from tests.conftest import ROOT
from zhclean.config import Config
from zhclean.engines.local import LocalEngine
from zhclean.io.formats import detect
from zhclean.io.shards import InputFile, Shard
from zhclean.jobs.clean import BYTES_PER_WORKER, workers_for

_warmed: list[str] = []  # in each worker process: what its warm-up did


def warm(tag: str) -> None:
    _warmed.append(tag)


def failing_warm() -> None:
    raise RuntimeError("tables unavailable")


def report(shard: Shard) -> tuple[int, int, tuple[str, ...]]:
    return shard.index, os.getpid(), tuple(_warmed)


def _files(*sizes: int) -> list[InputFile]:
    return [InputFile(f"f{i}.jsonl", f"f{i}.jsonl", detect(f"f{i}.jsonl"), size) for i, size in enumerate(sizes)]


@pytest.mark.parametrize(("sizes", "cores", "expected"), [
    ((1_000,), 8, 1),                          # one record: never worth a spawn
    ((12_000_000,), 8, 1),                     # the 12 MB of issue 20: one worker
    ((BYTES_PER_WORKER * 2,), 8, 2),
    ((BYTES_PER_WORKER * 3, BYTES_PER_WORKER * 3), 4, 4),  # the total counts; capped by cores
    ((200 << 20,), 2, 2),
])
def test_default_workers_grow_with_the_input(monkeypatch, sizes, cores, expected):
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert workers_for(Config(), _files(*sizes)) == expected


def test_workers_asked_for_are_what_runs(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert workers_for(Config(workers=3), _files(1_000)) == 3


def test_standard_input_of_unknown_size_gets_every_core(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    stdin = [InputFile("-", "-", detect("x.jsonl"), 0)]
    assert workers_for(Config(), stdin) == 4


def test_every_worker_warms_up_once_before_its_first_shard():
    engine = LocalEngine(2)
    try:
        engine.start(partial(warm, "tables"))
        results = engine.map_shards(report, [Shard(i, ()) for i in range(8)])
    finally:
        engine.close()
    assert [index for index, _, _ in results] == list(range(8))
    assert {warmed for _, _, warmed in results} == {("tables",)}
    assert len({pid for _, pid, _ in results}) <= 2 and os.getpid() not in {pid for _, pid, _ in results}


def test_a_failed_warm_up_leaves_the_tasks_to_run():
    engine = LocalEngine(2)
    try:
        engine.start(failing_warm)
        results = engine.map_shards(report, [Shard(i, ()) for i in range(4)])
    finally:
        engine.close()
    assert [index for index, _, _ in results] == [0, 1, 2, 3]


def test_one_worker_starts_no_process():
    engine = LocalEngine(1)
    engine.start(partial(warm, "x"))
    assert engine._pool is None
    assert [pid for _, pid, _ in engine.map_shards(report, [Shard(0, ()), Shard(1, ())])] == [os.getpid()] * 2


def _clean(tmp_path, *extra: str) -> dict:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "重(zhong)要的(de)会议(yi)在(zai)北京举行,"}, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    out = tmp_path / "out.jsonl"
    subprocess.run([sys.executable, "-m", "zhclean.cli", "clean", str(source), "-o", str(out), "--quiet", *extra],
                   check=True, cwd=ROOT)
    assert [json.loads(line)["text"] for line in out.read_text(encoding="utf-8").splitlines()] == ["重要的会议在北京举行，"]
    return json.loads((tmp_path / "out.summary.json").read_text())


def test_a_small_input_runs_in_one_process_by_default(tmp_path):
    summary = _clean(tmp_path)
    assert summary["workers"] == 1 and summary["kept"] == 1


def test_an_explicit_worker_count_is_reported(tmp_path):
    assert _clean(tmp_path, "--workers", "2")["workers"] == 2
