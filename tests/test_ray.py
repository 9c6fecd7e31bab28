"""The Ray engine gives what the local engine gives, byte for byte (issues 7 and 21).

Most tests run on a local Ray with 2 CPUs that this module starts; the start/stop and
`kill -9` tests run zhclean as a separate process that starts (and must stop) its own Ray.
"""

import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, read_jsonl, shared_path
from zhclean.cli import main
from zhclean.summary import TIMING_KEYS

ray = pytest.importorskip("ray", reason="the Ray engine is an optional extra: pip install 'zhclean[ray]'")


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _run(command: str, source, out: Path, engine: str, *extra: str) -> None:
    args = [command, str(source), "-o", str(out), "--engine", engine, "--workers", "2", "--quiet", *extra]
    assert main(args) == 0


def _both_engines(tmp_path: Path, command: str, source, *extra: str) -> tuple[Path, Path]:
    outputs = []
    for engine in ("local", "ray"):
        out = tmp_path / engine / "out.jsonl"
        _run(command, source, out, engine, *extra)
        outputs.append(out)
    return outputs[0], outputs[1]


def _counts(out: Path) -> dict:
    summary = json.loads(out.with_name(out.stem + ".summary.json").read_text())
    return {k: v for k, v in summary.items() if k not in TIMING_KEYS}


def _assert_same_files(local: Path, on_ray: Path, sides=("quarantine", "dropped")) -> None:
    """The record file and every side file byte for byte, and the same counts."""
    assert on_ray.read_bytes() == local.read_bytes()
    for side in sides:
        name = f"{local.stem}.{side}.jsonl"
        assert on_ray.with_name(name).read_bytes() == local.with_name(name).read_bytes(), side
    assert _counts(on_ray) == _counts(local)


def _small_shards(tmp_path: Path, shard_bytes: int) -> tuple[str, str]:
    """`--config` for shards of `shard_bytes` input bytes: many shards from a small input."""
    path = tmp_path / "shards.toml"
    path.write_text(f"[io]\nshard_bytes = {shard_bytes}\n")
    return "--config", str(path)


def _replicated(source: Path, target: Path, copies: int) -> Path:
    """`copies` of a JSONL file with distinct ids (`r3-dev00001`)."""
    data = source.read_bytes()
    with open(target, "wb") as f:
        for k in range(copies):
            f.write(data.replace(b'"id": "', b'"id": "r%d-' % k))
    return target


# ---------------------------------------------------------------- same output


def test_run_with_corpus_lines_on_ray_equals_local(tmp_path):
    """The corpus-lines stage (count in the clean task, apply per shard) and dedup after it."""
    source = shared_path("corpora/tw_news.jsonl")
    local, on_ray = _both_engines(tmp_path, "run", source, "--corpus-lines", "--shard-size", "0")
    _assert_same_files(local, on_ray, sides=("quarantine", "dropped", "clusters", "shared_lines"))

def test_clean_on_ray_equals_local_on_the_dev_set(tmp_path):
    local, on_ray = _both_engines(tmp_path, "clean", shared_path("dev/noisy.jsonl"))
    _assert_same_files(local, on_ray)
    assert len(read_jsonl(on_ray)) == 405


def test_dedup_on_ray_equals_local_on_the_dev_set(tmp_path):
    local, on_ray = _both_engines(tmp_path, "dedup", shared_path("dev/dups.jsonl"))
    _assert_same_files(local, on_ray, sides=("quarantine", "dropped", "clusters"))
    summary = _counts(on_ray)
    assert summary["shards"] > 1  # the Ray Data LSH stage ran between two actor stages
    assert summary["in"] == summary["kept"] + summary["dropped"] + summary["quarantined"] == 1224


def test_run_on_ray_equals_local(tmp_path):
    local, on_ray = _both_engines(tmp_path, "run", shared_path("dev/dups.jsonl"))
    _assert_same_files(local, on_ray, sides=("quarantine", "dropped", "clusters"))


def test_bad_input_is_quarantined_the_same_way_on_ray(tmp_path):
    source = tmp_path / "mixed.jsonl"
    good = (ROOT / "examples/corpus.jsonl").read_bytes()
    source.write_bytes(good + b'{"text": 5}\n{broken\n\xff\xfe bad bytes\n' + good)
    local, on_ray = _both_engines(tmp_path, "clean", source)
    _assert_same_files(local, on_ray)
    assert len(read_jsonl(on_ray.with_name("out.quarantine.jsonl"))) == 3


def _awkward_lines(count: int) -> bytes:
    """Records and non-records that only a reader splitting at `\\n` alone reads right:
    a lone `\\r` between the tokens of a record, a line that is only `\\r`, `\\r\\n` line
    ends, blank and whitespace-only lines, form-feed-only lines (not JSON whitespace: a
    malformed record), two records on one line joined by `\\r` (malformed too)."""
    text = "中文内容第{}条，这是一段用于测试的文字。"
    variants = [
        lambda i: b'{"id": "a%d",\r"text": "%s"}\n' % (i, text.format(i).encode()),
        lambda i: b'\r\n',
        lambda i: b'{"id": "b%d", "text": "%s"}\r\n' % (i, text.format(i).encode()),
        lambda i: b'\n',
        lambda i: b' \t \r \n',
        lambda i: b'\x0c\n',
        lambda i: b'{"id": "c%d", "text": "%s\\r%s"}\r\r\n' % (i, text.format(i).encode(), text.format(-i).encode()),
        lambda i: b'{"id": "d%d", "text": "x"}\r{"id": "e%d", "text": "y"}\n' % (i, i),
        lambda i: b'\r{"text": "%s"}\n' % text.format(i).encode(),  # no id: made from the line number
    ]
    return b"".join(variants[i % len(variants)](i) for i in range(count))


def test_lone_cr_blank_and_form_feed_lines_give_the_same_bytes_on_both_engines(tmp_path):
    source = tmp_path / "awkward.jsonl"
    source.write_bytes(_awkward_lines(45_000))  # about 2.6 MB: 40 shards of 64 KB
    local, on_ray = _both_engines(tmp_path, "clean", source, *_small_shards(tmp_path, 1 << 16))
    _assert_same_files(local, on_ray)
    summary = _counts(on_ray)
    assert summary["shards"] >= 30
    records = 45_000 * 6 // 9  # three of the nine variants are no record at all
    assert summary["in"] == records and summary["balanced"]
    assert summary["quarantined"] == 45_000 * 2 // 9  # the form feed and the joined pair
    ids = [r["id"] for r in read_jsonl(on_ray)]
    assert len(ids) == len(set(ids)) == summary["kept"] == records - summary["quarantined"]


def test_integers_beyond_64_bits_round_trip_exactly_on_both_engines(tmp_path):
    source = tmp_path / "big.jsonl"
    big, negative = 2**70, -(2**65)
    source.write_bytes(b"".join(
        b'{"id": %d, "text": "\xe8\xbf\x99\xe6\x98\xaf\xe4\xb8\x80\xe6\x9d\xa1\xe8\xae\xb0\xe5\xbd\x95 %d", '
        b'"field": %d, "nested": {"n": [%d, 1.5]}}\n' % (big + i, i, negative - i, big * 3 + i) for i in range(50)))
    local, on_ray = _both_engines(tmp_path, "clean", source)
    _assert_same_files(local, on_ray)
    rows = [json.loads(line) for line in on_ray.read_bytes().splitlines()]
    assert [r["id"] for r in rows] == [big + i for i in range(50)]
    assert [r["field"] for r in rows] == [negative - i for i in range(50)]
    assert [r["nested"]["n"][0] for r in rows] == [big * 3 + i for i in range(50)]
    assert b"%d" % big in on_ray.read_bytes() and b"%d" % negative in on_ray.read_bytes()
    dedup_local, dedup_ray = _both_engines(tmp_path / "dedup", "dedup", source)
    _assert_same_files(dedup_local, dedup_ray, sides=("quarantine", "dropped", "clusters"))
    assert {r["id"] for r in read_jsonl(dedup_ray.with_name("out.clusters.jsonl"))} == {big + i for i in range(50)}


def test_many_shards_on_many_actors_equal_local(tmp_path):
    source = _replicated(shared_path("dev/noisy.jsonl"), tmp_path / "noisy4.jsonl", 4)
    local, on_ray = _both_engines(tmp_path, "clean", source, *_small_shards(tmp_path, 1 << 18))
    _assert_same_files(local, on_ray)
    assert _counts(on_ray)["shards"] >= 12 and _counts(on_ray)["in"] == 4 * 405


def test_shards_cut_at_line_breaks_and_number_lines_as_one_shard_does(tmp_path):
    """Shards are planned once, for either engine: many shards read what one shard reads."""
    from zhclean.io.shards import plan_shards, shard_items

    source = tmp_path / "lines.jsonl"
    source.write_bytes(b"".join(b'{"text": "%d"}\r\n' % i + (b"\n \r\n" if i % 7 == 0 else b"")
                                for i in range(200_000)))
    many, one = plan_shards([str(source)], target_bytes=1 << 16), plan_shards([str(source)], target_bytes=1 << 30)
    assert len(many.shards) > 1 and len(one.shards) == 1
    items = [(i.line, i.raw) for shard in many.shards for i in shard_items(shard)]
    assert items == [(i.line, i.raw) for i in shard_items(one.shards[0])]
    assert len(items) == 200_000


# ---------------------------------------------------------------- the engine itself


def _config(**overrides):
    from zhclean.config import load_config

    return load_config(None).with_overrides(engine="ray", workers=2, **overrides)


def _clean_shards(tmp_path: Path):
    """A multi-file input planned into one shard per file, and a clean task over it."""
    from zhclean.io.shards import plan_shards
    from zhclean.jobs.shard_task import CleanTask

    folder = tmp_path / "input"
    folder.mkdir()
    for k in range(6):
        _replicated(shared_path("dev/noisy.jsonl"), folder / f"part-{k}.jsonl", 1)
    plan = plan_shards([str(folder)], target_bytes=(folder / "part-0.jsonl").stat().st_size)  # a file each
    parts = tmp_path / "out.parts"
    parts.mkdir()
    return plan.shards, CleanTask(_config(), str(parts)), parts


def test_actors_write_the_parts_in_parallel_and_send_back_only_done_markers(tmp_path):
    from zhclean.core.observe import EXAMPLE_MAX_INPUT, EXAMPLES_PER_KEY
    from zhclean.engines.ray_engine import RayEngine
    from zhclean.jobs.parts import JobDir

    shards, clean, parts = _clean_shards(tmp_path)

    class Timed:
        """The clean task, noting which process ran it and when (pickled by value)."""

        def __init__(self, task):
            self.task = task

        def __call__(self, shard):
            start = time.time()
            marker = self.task(shard)
            return {**marker, "pid": os.getpid(), "start": start, "end": time.time()}

    engine = RayEngine(_config())
    seen = []
    results = engine.map_shards(Timed(clean), shards, on_done=seen.append)
    assert engine._actors == []  # killed as soon as the stage ends
    assert [r["shard"] for r in results] == [s.index for s in shards] and len(seen) == len(shards) == 6
    jobdir = JobDir(str(parts))
    for result in results:
        marker = {k: v for k, v in result.items() if k not in ("pid", "start", "end")}
        assert marker == jobdir.done("clean", result["shard"])  # what came back is the marker on disk
        observed = marker["stats"].pop("observed")
        assert len(pickle.dumps(marker)) < 4096  # counts and file names, no record
        candidates = observed.pop("candidates")  # the report's example candidates: a few input texts per key
        assert len(pickle.dumps(observed)) < 8192  # the report's counters and histograms
        assert candidates and all(len(chosen) <= EXAMPLES_PER_KEY for chosen in candidates.values())
        assert all(len(text) <= EXAMPLE_MAX_INPUT for chosen in candidates.values() for _, _, text in chosen)
        for name in marker["files"]["kept"]:
            assert (parts / name).stat().st_size > 500_000  # written by the actor
    pids = {r["pid"] for r in results}
    assert len(pids) == 2 and os.getpid() not in pids
    spans = sorted((r["start"], r["end"]) for r in results)
    assert any(b[0] < a[1] for a, b in zip(spans, spans[1:], strict=False))  # two shards at once
    engine.close()
    assert ray.is_initialized()  # the caller's Ray stays


def test_a_failing_task_raises_what_it_raised_and_a_dead_actor_says_resume(tmp_path):
    from concurrent.futures.process import BrokenProcessPool

    from zhclean.engines.ray_engine import RayEngine

    shards, _, _ = _clean_shards(tmp_path)

    def refuse(shard):
        raise ValueError(f"shard {shard.index} refused")

    def die(shard):
        os._exit(3)

    engine = RayEngine(_config())
    with pytest.raises(ValueError, match=r"^shard \d refused$"):
        engine.map_shards(refuse, shards)
    with pytest.raises(BrokenProcessPool, match="Ray actor died"):
        engine.map_shards(die, shards)
    assert engine._actors == []
    engine.close()


def test_lsh_buckets_on_ray_give_the_local_pairs():
    """Buckets of 3, 60 (star and chain) and 5,100 documents (none): the local rule."""
    import numpy as np

    from zhclean.dedup import clusters, ray_pairs

    matrix = np.random.default_rng(7).integers(0, 2**40, size=(7000, 128), dtype=np.uint64)
    matrix[1:3] = matrix[0]
    matrix[10:70, :8] = matrix[9, :8]
    matrix[100:5200, 16:24] = matrix[99, 16:24]
    matrix[6000:6002, 120:128] = 0
    on_ray = ray_pairs.candidate_pairs(matrix, 16, 8, _config())
    assert np.array_equal(on_ray, clusters.candidate_pairs(matrix, 16, 8))
    pairs = set(map(tuple, on_ray.tolist()))
    assert (0, 2) in pairs and (9, 69) in pairs and (6000, 6001) in pairs and (99, 100) not in pairs
    assert ray_pairs.candidate_pairs(matrix[:1], 16, 8, _config()).shape == (0, 2)


# ---------------------------------------------------------------- its own Ray, and kill -9


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for init to reap it."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def _process_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}  # start a Ray, join none
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="counts processes through /proc (Linux)")


@needs_proc
def test_a_ray_zhclean_starts_is_shut_down_at_the_end_of_the_job(tmp_path):
    out = tmp_path / "out.jsonl"
    script = (
        "import json, os, sys, ray\n"
        "from zhclean.cli import main\n"
        "from zhclean.engines.ray_engine import _children\n"
        f"code = main(['clean', {str(ROOT / 'examples/corpus.jsonl')!r}, '-o', {str(out)!r}, "
        "'--engine', 'ray', '--workers', '2', '--quiet'])\n"
        "print(json.dumps({'code': code, 'initialized': ray.is_initialized(), "
        "'children': [p for p in _children(os.getpid()) if os.path.exists(f'/proc/{p}')]}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], env=_process_env(), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 0 and out.exists()
    assert report["initialized"] is False
    assert [pid for pid in report["children"] if _alive(pid)] == []  # Ray's processes and the reaper


def _kill_midway(args: list[str], parts: Path, done: int) -> tuple[int, float]:
    """Run zhclean `args` in its own process, `kill -9` it once `done` shards are done; wait
    for the Ray processes it started to go. (Their count, the seconds the last one took.)"""
    from zhclean.engines.ray_engine import _descendants, _stat

    driver = subprocess.Popen([sys.executable, "-m", "zhclean.cli", *args, "--engine", "ray", "--workers", "2",
                               "--quiet"], env=_process_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while len(list(parts.glob("*.clean.done.json"))) < done:
            assert driver.poll() is None and time.monotonic() < deadline, "the run ended before it was killed"
            time.sleep(0.02)
        tree = _descendants({driver.pid: _stat(driver.pid)[1]})
        driver.send_signal(signal.SIGKILL)
        driver.wait()
    finally:
        if driver.poll() is None:
            driver.kill()
    killed = time.monotonic()
    ray_processes = {pid for pid in tree if pid != driver.pid}
    assert len(ray_processes) >= 6  # GCS, raylet, the agents, 2 actors, the reaper, ...
    while any(_alive(pid) for pid in ray_processes) and time.monotonic() - killed < 5:
        time.sleep(0.05)
    left = [pid for pid in ray_processes if _alive(pid)]
    assert left == [], f"outlived the driver by 5 s: {left}"
    return len(ray_processes), time.monotonic() - killed


@needs_proc
def test_kill_9_on_ray_leaves_no_output_and_no_process_and_resume_finishes_it(tmp_path):
    source = _replicated(shared_path("dev/noisy.jsonl"), tmp_path / "noisy16.jsonl", 16)  # 15 MB, 15 shards
    reference = tmp_path / "reference/out.jsonl"
    _run("clean", source, reference, "local")
    out = tmp_path / "killed/out.jsonl"
    parts = tmp_path / "killed/out.parts"
    args = ["clean", str(source), "-o", str(out)]
    for done, extra in ((3, []), (8, ["--resume"])):  # killed, then killed again while resuming
        count, seconds = _kill_midway(args + extra, parts, done)
        markers = len(list(parts.glob("*.clean.done.json")))
        print(f"\nkill -9 at {done} shards done ({markers} after): {count} Ray processes, gone in {seconds:.2f} s")
        assert sorted(p.name for p in out.parent.iterdir()) == ["out.parts"]  # no final file, no summary
        assert done <= markers < 15
    _run("clean", source, out, "local", "--resume")  # a Ray run's parts, finished by the local engine
    _assert_same_files(reference, out)
    assert not parts.exists()


def test_crawl_input_gives_the_same_bytes_on_both_engines(tmp_path):
    """WARC (skipped records, a truncated one), HTML and CSV input: the readers run in the
    shard tasks, so Ray's actors must extract, account and quarantine as the local workers do."""
    pytest.importorskip("warcio")
    from tests.crawl_pages import WarcRecordSpec, news_page, write_warc

    folder = tmp_path / "crawl"
    folder.mkdir()
    write_warc(folder / "a.warc.gz", [
        WarcRecordSpec(f"http://a.example.com/{i}", news_page(article, charset).encode(encoding))
        for i, (article, charset, encoding) in enumerate([("street", "utf-8", "utf-8"), ("library", None, "gbk"),
                                                          ("harbor", "big5", "big5")])
    ] + [WarcRecordSpec("http://a.example.com/x.png", b"\x89PNG", "image/png")])
    write_warc(folder / "b.warc", [WarcRecordSpec("http://b.example.com/", news_page("street").encode())], gzip=False,
               cut_bytes=300)
    (folder / "c.html").write_text(news_page("library"), encoding="utf-8")
    (folder / "d.tsv").write_text("教育\t从下周一起，城东社区图书馆的闭馆时间由晚上八点推迟到十点。\n", encoding="utf-8")
    local, on_ray = _both_engines(tmp_path, "clean", folder)
    _assert_same_files(local, on_ray)
    counts = _counts(local)
    assert counts["kept"] == 5 and counts["skipped"] == 3 and counts["quarantined"] == 1
