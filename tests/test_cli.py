"""The command line end to end, on files: formats, accounting, quarantine, determinism."""

import gzip
import json
import os
import subprocess
import sys

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from tests.conftest import ROOT, read_jsonl, shared_path
from zhclean.cli import main

GOOD = {"text": "据报道,巴以(yi)双方达(da)成的(de)这(zhe)项方案!", "url": "http://a.example"}


def write_jsonl(path, records):
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))


def test_clean_jsonl_writes_records_and_side_files(tmp_path):
    src = tmp_path / "in.jsonl"
    write_jsonl(src, [dict(GOOD, id=f"r{i}") for i in range(5)])
    assert main(["clean", str(src), "-o", str(tmp_path / "out.jsonl"), "--quiet", "--workers", "1"]) == 0
    out = read_jsonl(tmp_path / "out.jsonl")
    assert [r["id"] for r in out] == [f"r{i}" for i in range(5)]
    assert out[0]["text"] == "据报道，巴以双方达成的这项方案！"
    assert out[0]["url"] == "http://a.example"  # other fields pass through
    meta = out[0]["zhclean"]
    assert meta["edits"]["pinyin_gloss"] == 4 and meta["script_in"] == "simplified"
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["in"] == 5 and summary["kept"] == 5 and summary["balanced"]
    assert (tmp_path / "out.quarantine.jsonl").exists() and (tmp_path / "out.dropped.jsonl").exists()


def test_bad_input_goes_to_quarantine_and_counts_add_up(tmp_path):
    src = tmp_path / "mixed.jsonl"
    good = [orjson.dumps({"id": f"g{i}", "text": f"第{i}条新闻,内容正常。"}) for i in range(1000)]
    bad = [
        b'{"id": "broken", "text": "unterminated',
        b'{"id": "number", "text": 5}',
        b'{"id": "missing"}',
        b'["not", "an", "object"]',
        b'{"id": "bytes", "text": "\xc3\x28 bad \xa0\xa1"}',
        orjson.dumps({"id": "huge", "text": "大" * (50 * 1024 * 1024 // 3)}),
    ]
    lines = good[:500] + bad + good[500:]
    src.write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "out.jsonl"
    assert main(["clean", str(src), "-o", str(out), "--quiet", "--workers", "2",
                 "--max-chars", "1000000"]) == 0
    kept = read_jsonl(out)
    assert [r["id"] for r in kept] == [f"g{i}" for i in range(1000)]
    quarantine = read_jsonl(tmp_path / "out.quarantine.jsonl")
    reasons = {q["line"]: q["error"] for q in quarantine}
    assert len(quarantine) == 6
    assert "malformed JSON" in reasons[501]
    assert "is int, not a string" in reasons[502]
    assert "missing field 'text'" in reasons[503]
    assert "not an object" in reasons[504]
    assert "undecodable bytes" in reasons[505]
    assert "over --max-chars" in reasons[506]
    assert all(q["raw"] for q in quarantine)  # nothing is lost
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["in"] == 1006 and summary["kept"] == 1000 and summary["quarantined"] == 6
    assert summary["in"] == summary["kept"] + summary["dropped"] + summary["quarantined"]


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl.zst", ".jsonl.gz"])
def test_round_trip_through_formats(tmp_path, suffix):
    records = [dict(GOOD, id=f"r{i}", n=i) for i in range(50)]
    src = tmp_path / f"in{suffix}"
    if suffix == ".parquet":
        pq.write_table(pa.Table.from_pylist(records), src)
    elif suffix == ".jsonl.zst":
        src.write_bytes(zstandard.ZstdCompressor().compress(b"".join(orjson.dumps(r) + b"\n" for r in records)))
    else:
        src.write_bytes(gzip.compress(b"".join(orjson.dumps(r) + b"\n" for r in records)))
    out = tmp_path / f"out{suffix}"
    assert main(["clean", str(src), "-o", str(out), "--quiet", "--workers", "1"]) == 0
    back = tmp_path / "back.jsonl"
    assert main(["clean", str(out), "-o", str(back), "--quiet", "--workers", "1"]) == 0
    rows = read_jsonl(back)
    assert [r["n"] for r in rows] == list(range(50))
    assert rows[0]["text"] == "据报道，巴以双方达成的这项方案！"


def test_folder_of_txt_files_and_encodings(tmp_path):
    folder = tmp_path / "pages"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_bytes("第一篇,简体。".encode("gb18030"))
    (folder / "sub" / "b.txt").write_bytes("第二篇，臺灣的資訊。".encode("big5"))
    (folder / "c.txt").write_bytes("第三篇，繁體中文。".encode("utf-16"))
    out = tmp_path / "out.jsonl"
    assert main(["clean", str(folder), "-o", str(out), "--quiet", "--workers", "1"]) == 0
    texts = {r["id"]: r["text"] for r in read_jsonl(out)}
    # ids are paths relative to the input root, so files of the same name in two folders differ
    assert texts == {"a.txt": "第一篇，简体。", "c.txt": "第三篇，繁體中文。", "sub/b.txt": "第二篇，臺灣的資訊。"}


def test_sharded_folder_output(tmp_path):
    src = tmp_path / "in.jsonl"
    write_jsonl(src, [dict(GOOD, id=f"r{i}") for i in range(25)])
    out = tmp_path / "shards"
    assert main(["clean", str(src), "-o", str(out), "--shard-size", "10", "--quiet", "--workers", "1"]) == 0
    parts = sorted(p.name for p in out.glob("part-*.jsonl"))
    assert parts == ["part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl"]
    # side files beside the folder, so the folder holds only records
    assert (tmp_path / "shards.summary.json").exists() and (tmp_path / "shards.quarantine.jsonl").exists()


def test_text_field_option(tmp_path):
    src = tmp_path / "in.jsonl"
    write_jsonl(src, [{"content": "你好,美丽的世界"}])
    out = tmp_path / "out.jsonl"
    assert main(["clean", str(src), "-o", str(out), "--text-field", "content", "--quiet"]) == 0
    assert read_jsonl(out)[0]["content"] == "你好，美丽的世界"
    assert read_jsonl(out)[0]["id"] == "in.jsonl:1"


def test_two_workers_give_byte_identical_output(tmp_path):
    src = shared_path("dev/noisy.jsonl")
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert main(["clean", str(src), "-o", str(one), "--quiet", "--workers", "1"]) == 0
    assert main(["clean", str(src), "-o", str(two), "--quiet", "--workers", "2"]) == 0
    assert one.read_bytes() == two.read_bytes()
    assert len(read_jsonl(one)) == 405
    assert all("zhclean" in r for r in read_jsonl(one))


def test_usage_errors_are_one_line_without_traceback(tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "zhclean.cli", *args], capture_output=True, text=True, cwd=ROOT)

    missing = run("clean", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o.jsonl"))
    assert missing.returncode == 2 and "input not found" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad_step = run("clean", str(ROOT / "examples/corpus.jsonl"), "-o", str(tmp_path / "o.jsonl"), "--skip", "nope")
    assert bad_step.returncode == 2 and "unknown step" in bad_step.stderr


def test_stdin_to_stdout(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "zhclean.cli", "clean", "-", "-o", "-", "--quiet", "--workers", "1"],
        input=orjson.dumps(GOOD) + b"\n", capture_output=True, cwd=tmp_path,
    )
    assert proc.returncode == 0
    assert orjson.loads(proc.stdout)["text"] == "据报道，巴以双方达成的这项方案！"


def test_explain_names_the_rules(capsys):
    assert main(["explain", "正文。\n来源：新华社\n本文由百家号作者上传并发布，百家号仅提供信息发布平台。"]) == 0
    shown = capsys.readouterr().out
    assert "baijiahao" in shown and "field:source" in shown and "新华社" in shown


def test_steps_lists_every_registered_step(capsys):
    assert main(["steps"]) == 0
    shown = capsys.readouterr().out
    for name in ("unicode", "markup", "boilerplate", "pinyin_gloss", "script", "punctuation",
                 "repeated_line", "whitespace"):
        assert name in shown


def test_ray_engine_without_ray_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if `pip install zhclean[ray]` was not run
    code = main(["clean", str(ROOT / "examples/corpus.jsonl"), "-o", str(tmp_path / "o.jsonl"), "--engine", "ray"])
    assert code == 2
    error = capsys.readouterr().err.strip()
    assert "pip install 'zhclean[ray]'" in error and "\n" not in error


def test_a_folder_output_never_replaces_files_zhclean_did_not_write(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("不是 zhclean 写的")
    assert main(["clean", str(ROOT / "examples/corpus.jsonl"), "-o", str(mine), "--quiet"]) == 2
    assert "did not write" in capsys.readouterr().err
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    # an earlier run's folder is replaced whole: no part of the old run survives beside the new
    out = tmp_path / "out"
    assert main(["clean", str(ROOT / "examples/corpus.jsonl"), "-o", str(out), "--quiet", "--shard-size", "2"]) == 0
    assert len(list(out.iterdir())) == 5
    assert main(["clean", str(ROOT / "examples/corpus.jsonl"), "-o", str(out), "--quiet"]) == 0
    assert [p.name for p in out.iterdir()] == ["part-00000.jsonl"]
    assert len(read_jsonl(out / "part-00000.jsonl")) == 9


def test_a_shorter_rerun_leaves_no_numbered_file_of_the_earlier_run(tmp_path):
    out = tmp_path / "o.jsonl"
    assert main(["clean", str(ROOT / "examples/corpus.jsonl"), "-o", str(out), "--quiet", "--shard-size", "2"]) == 0
    assert sorted(p.name for p in tmp_path.glob("o-*.jsonl")) == [f"o-{i:05d}.jsonl" for i in range(5)]
    assert main(["clean", str(ROOT / "examples/corpus.jsonl"), "-o", str(out), "--quiet", "--shard-size", "5"]) == 0
    assert sorted(p.name for p in tmp_path.glob("o-*.jsonl")) == ["o-00000.jsonl", "o-00001.jsonl"]


def test_explain_of_a_missing_file_is_an_error_not_a_document(capsys):
    assert main(["explain", "nope.txt"]) == 2
    assert "no such file: nope.txt" in capsys.readouterr().err
    assert main(["explain", "正文,来源:新华社"]) == 0  # a text is still a text


def test_eval_reads_compressed_output_and_refuses_the_wrong_gold_file(tmp_path, capsys):
    gold = [{"id": f"g{i}", "text": f"第{i}条新闻，内容正常。"} for i in range(20)]
    noisy = [{"id": g["id"], "text": g["text"].replace("，", ",")} for g in gold]
    write_jsonl(tmp_path / "noisy.jsonl", noisy)
    write_jsonl(tmp_path / "gold.jsonl", gold)
    write_jsonl(tmp_path / "other.jsonl", [{"id": "x", "text": "无关"}])
    out = tmp_path / "out.jsonl.zst"
    assert main(["clean", str(tmp_path / "noisy.jsonl"), "-o", str(out), "--quiet", "--workers", "1"]) == 0
    capsys.readouterr()
    assert main(["eval", str(out), str(tmp_path / "gold.jsonl")]) == 0
    assert json.loads(capsys.readouterr().out)["exact_rate"] == 1.0
    assert main(["eval", str(out), str(tmp_path / "other.jsonl")]) == 2
    assert "right gold file" in capsys.readouterr().err


def test_a_forgotten_text_field_and_skipped_files_are_named(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", [{"id": i, "url": "http://a.example/x", "body": "正文，内容很长的一段话。"}
                                     for i in range(30)])
    for name in ("x.docx", "y.md", "README"):  # .csv and .html are read (tests/test_crawl.py)
        (folder / name).write_text("不读")
    proc = subprocess.run([sys.executable, "-m", "zhclean.cli", "clean", str(folder), "-o", str(tmp_path / "o.jsonl"),
                           "--quiet", "--workers", "1"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0
    assert "Did you mean --text-field body?" in proc.stderr
    assert "1 .docx" in proc.stderr and "1 .md" in proc.stderr and "1 (none)" in proc.stderr
    summary = json.loads((tmp_path / "o.summary.json").read_text())
    assert summary["skipped_files"] == {".docx": 1, ".md": 1, "(none)": 1}
    assert summary["quarantine_reasons"] == {"missing_text": 30}


def test_file_uris_are_read_and_other_uris_refused_in_one_line(tmp_path, capsys):
    out = tmp_path / "o.jsonl"
    assert main(["clean", (ROOT / "examples/corpus.jsonl").as_uri(), "-o", str(out), "--quiet"]) == 0
    assert len(read_jsonl(out)) == 9
    assert main(["clean", "s3://bucket/part.jsonl", "-o", str(tmp_path / "s3.jsonl"), "--quiet"]) == 2
    assert "only local paths and file://" in capsys.readouterr().err


def _records(count: int, prefix: str) -> list[dict]:
    return [dict(GOOD, id=f"{prefix}{i}") for i in range(count)]


@pytest.mark.parametrize("layout", ["jsonl", "gz-then-parquet", "blank-and-bad-lines"])
def test_limit_reads_the_first_n_records_across_files(tmp_path, layout):
    folder = tmp_path / "in"
    folder.mkdir()
    if layout == "jsonl":
        write_jsonl(folder / "a.jsonl", _records(4, "a"))
        write_jsonl(folder / "b.jsonl", _records(4, "b"))
        expected = ["a0", "a1", "a2", "a3", "b0", "b1"]
    elif layout == "gz-then-parquet":
        (folder / "a.jsonl.gz").write_bytes(gzip.compress(b"".join(orjson.dumps(r) + b"\n" for r in _records(3, "a"))))
        pq.write_table(pa.Table.from_pylist(_records(6, "b")), folder / "b.parquet", row_group_size=2)
        expected = ["a0", "a1", "a2", "b0", "b1", "b2"]
    else:  # a blank line is no record; a broken one is, and goes to quarantine
        (folder / "a.jsonl").write_bytes(b"\n".join([orjson.dumps(_records(1, "a")[0]), b"", b"{broken",
                                                     *map(orjson.dumps, _records(5, "b"))]) + b"\n")
        expected = ["a0", "b0", "b1", "b2", "b3"]
    out = tmp_path / "out.jsonl"
    assert main(["clean", str(folder), "-o", str(out), "--limit", "6", "--quiet"]) == 0
    assert [r["id"] for r in read_jsonl(out)] == expected
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["in"] == 6 and summary["balanced"]


def test_limit_on_stdin_stops_reading(tmp_path):
    lines = b"".join(orjson.dumps(r) + b"\n" for r in _records(50, "s"))
    done = subprocess.run([sys.executable, "-m", "zhclean.cli", "clean", "-", "-o", "-", "--limit", "7", "--quiet"],
                          input=lines, capture_output=True, check=True, cwd=tmp_path)
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == [f"s{i}" for i in range(7)]
    assert json.loads((tmp_path / "zhclean-stdout.summary.json").read_text())["in"] == 7


def test_dry_run_shows_the_plan_and_writes_nothing(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", _records(3, "a"))
    (folder / "a.docx").write_text("x,y\n")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert main(["clean", str(folder), "-o", str(tmp_path / "out" / "clean.jsonl"), "--dry-run"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["files"] == 1 and plan["shards"] == 1 and plan["skipped_files"] == {".docx": 1}
    assert str(tmp_path / "out" / "clean.jsonl") in plan["writes"]
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    # the same checks as a run: an output inside the input folder is refused
    assert main(["dedup", str(folder), "-o", str(folder / "x.jsonl"), "--dry-run"]) == 2
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


@pytest.mark.parametrize(("argv", "suggestion"), [
    (["clean", "in.jsonl", "-o", "o.jsonl", "--wokers", "2"], "--wokers → --workers"),
    (["dedup", "in.jsonl", "-o", "o.jsonl", "--treshold", "0.7"], "--treshold → --threshold"),
    (["clen", "in.jsonl"], "clen → clean"),
])
def test_a_mistyped_flag_or_command_gets_a_suggestion(argv, suggestion, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert f"did you mean: {suggestion}?" in capsys.readouterr().err


def test_progress_says_starting_workers_until_the_first_shard(monkeypatch):
    from zhclean.report.progress import Progress

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    bar = Progress(100, label="cleaning", starting="starting workers")
    try:
        assert bar._bar.tasks[0].fields["stage"] == "starting workers"
        bar.update(10, 50)
        assert bar._bar.tasks[0].fields["stage"] == "cleaning"
    finally:
        bar.close()


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.zst", ".parquet"])
def test_throughput_counts_the_bytes_read_in_every_format(tmp_path, suffix):
    """issue 20: Parquet runs reported 0.1 MB/s (256 bytes a row were assumed); compressed
    inputs must count what was read from disk, so the rate matches the progress bar."""
    records = [dict(GOOD, id=f"r{i}", text=GOOD["text"] * 20) for i in range(300)]
    src = tmp_path / f"in{suffix}"
    if suffix == ".parquet":
        pq.write_table(pa.Table.from_pylist(records), src)
    else:
        data = b"".join(orjson.dumps(r) + b"\n" for r in records)
        src.write_bytes(zstandard.ZstdCompressor().compress(data) if suffix.endswith(".zst") else data)
    assert main(["clean", str(src), "-o", str(tmp_path / "out.jsonl"), "--quiet"]) == 0
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["bytes_in"] == src.stat().st_size


@pytest.mark.parametrize("delay", [0.0, 1.5])  # as the workers start, and while they clean
def test_ctrl_c_prints_one_line_and_no_traceback(tmp_path, delay):
    """issue 20: Ctrl-C while workers started printed interleaved tracebacks. The terminal
    sends SIGINT to the whole foreground group: the workers ignore it, the driver says one
    line and exits 130, and no worker outlives it."""
    import signal
    import time

    src = tmp_path / "in.jsonl"
    write_jsonl(src, [dict(GOOD, id=f"r{i}", text=GOOD["text"] * 40) for i in range(20_000)])
    proc = subprocess.Popen([sys.executable, "-m", "zhclean.cli", "clean", str(src), "-o", str(tmp_path / "o.jsonl"),
                             "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 60
    while len(_alive_in_group(proc.pid)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)  # until the driver has spawned its first worker
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the run finished before the interrupt")
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.count("interrupted") == 1, err
    deadline = time.monotonic() + 5
    while (alive := _alive_in_group(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert alive == [], f"processes of the run still alive: {alive}"


def _alive_in_group(group: int) -> list[str]:
    """Processes of a process group that still run (an exited one waiting to be reaped is not)."""
    rows = subprocess.run(["ps", "-o", "pid=,stat=", "-g", str(group)], capture_output=True, text=True).stdout
    return [pid for pid, stat in (line.split() for line in rows.splitlines() if line.strip()) if not stat.startswith("Z")]
