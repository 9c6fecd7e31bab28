"""Near-duplicate detection (SPEC: Near-duplicates; issue 6 acceptance)."""

import json
import sys
from pathlib import Path

import numpy as np

from tests.conftest import ROOT, read_jsonl, shared_path
from zhclean.cli import main
from zhclean.dedup.canonical import canonical_codes, canonical_form, shingle_hashes


def jaccard(a: str, b: str) -> float:
    x, y = shingle_hashes(canonical_codes(a)), shingle_hashes(canonical_codes(b))
    return len(np.intersect1d(x, y)) / len(np.union1d(x, y))


def test_canonical_form_sees_through_script_and_punctuation():
    assert canonical_form("市委書記陳吉寧主持會議並強調，今年是開局之年！") == canonical_form(
        "市委书记陈吉宁主持会议并强调,今年是开局之年"
    )


def test_seeds_match_their_expected_output_not_each_other():
    import zhclean

    cleaned = {n: zhclean.clean(shared_path(f"seeds/{n}.txt").read_text(encoding="utf-8")).text for n in ("000", "002")}
    expected = {n: shared_path(f"seeds/{n}.expected.txt").read_text(encoding="utf-8") for n in ("000", "002")}
    raw = {n: shared_path(f"seeds/{n}.txt").read_text(encoding="utf-8") for n in ("000", "002")}
    assert jaccard(cleaned["000"], cleaned["002"]) < 0.1
    for n in ("000", "002"):
        assert jaccard(zhclean.clean(raw[n]).text, expected[n]) >= 0.8


def test_dev_dups_precision_and_recall():
    shared_path("dev/dups.jsonl")
    sys.path.insert(0, str(ROOT / "bench"))
    from dedup_eval import evaluate

    result = evaluate()
    assert result["precision"] >= 0.99
    assert result["recall"] >= 0.97


def test_run_keeps_one_per_cluster_and_accounts_for_everything(tmp_path):
    out = tmp_path / "demo.jsonl"
    assert main(["run", str(ROOT / "examples/corpus.jsonl"), "-o", str(out), "--quiet", "--workers", "1"]) == 0
    kept = read_jsonl(out)
    clusters = read_jsonl(tmp_path / "demo.clusters.jsonl")
    summary = json.loads((tmp_path / "demo.summary.json").read_text())
    assert len(clusters) == 9
    library = {c["id"]: c["cluster_id"] for c in clusters}
    assert library["original"] == library["trad-repost"] == library["farm-gloss"]
    assert len(kept) == summary["kept"] == 7
    assert summary["in"] == summary["kept"] + summary["dropped"] + summary["quarantined"]
    assert all(r["zhclean"]["chars_out"] for r in kept)


def test_keep_all_annotates_instead_of_dropping(tmp_path):
    out = tmp_path / "all.jsonl"
    assert main(["run", str(ROOT / "examples/corpus.jsonl"), "-o", str(out), "--quiet", "--keep-all"]) == 0
    rows = read_jsonl(out)
    assert len(rows) == 9 and len({r["cluster_id"] for r in rows}) == 7


def _partition(cluster_rows: list[dict]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for row in cluster_rows:
        groups.setdefault(row["cluster_id"], set()).add(row["id"])
    return {frozenset(g) for g in groups.values()}


def test_index_in_two_halves_gives_the_clusters_of_one_run(tmp_path):
    records = read_jsonl(shared_path("dev/dups.jsonl"))
    halves = [records[: len(records) // 2], records[len(records) // 2 :]]
    for name, rows in (("all", records), ("first", halves[0]), ("second", halves[1])):
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    assert main(["dedup", str(tmp_path / "all.jsonl"), "-o", str(tmp_path / "one/out.jsonl"), "--quiet"]) == 0
    index = str(tmp_path / "index")
    for name in ("first", "second"):
        args = ["dedup", str(tmp_path / f"{name}.jsonl"), "-o", str(tmp_path / f"{name}/out.jsonl"), "--index", index, "--quiet"]
        assert main(args) == 0
    one_run = _partition(read_jsonl(tmp_path / "one/out.clusters.jsonl"))
    # The second run rewrites the rows of earlier documents whose cluster it changed (a new
    # document joined two earlier clusters: d00195), so the latest row per id gives one run's.
    latest = {row["id"]: row for name in ("first", "second") for row in read_jsonl(tmp_path / f"{name}/out.clusters.jsonl")}
    assert _partition(list(latest.values())) == one_run
    updated = [row for row in read_jsonl(tmp_path / "second/out.clusters.jsonl") if row.get("updated")]
    assert updated and all(row["id"] in {r["id"] for r in halves[0]} for row in updated)
    # An earlier kept document stays published when its cluster is joined to an older one.
    published_apart = sum(row["is_kept"] for row in updated)
    from zhclean.dedup.index import SignatureIndex

    loaded = SignatureIndex(index, 128, 5).load()  # the index holds the updated cluster ids too
    assert dict(zip(loaded.ids, loaded.cluster_ids, strict=True)) == {i: r["cluster_id"] for i, r in latest.items()}
    second = json.loads((tmp_path / "second/out.summary.json").read_text())
    assert second["index_documents_before"] == len(halves[0])
    assert second["duplicates_of_index"] > 0
    # Nothing kept twice: a second-half document whose cluster was kept before is dropped.
    kept = read_jsonl(tmp_path / "first/out.jsonl") + read_jsonl(tmp_path / "second/out.jsonl")
    assert len(kept) == len(one_run) + published_apart


def test_index_refuses_other_minhash_settings(tmp_path):
    from zhclean.dedup.index import IndexedDocs, SignatureIndex

    docs = IndexedDocs(["a"], ["a"], np.array([True]), np.array([3]), [b"\x00" * 15 + b"\x01"], np.ones((1, 128), np.uint64))
    SignatureIndex(tmp_path, 128, 5).append(docs)
    loaded = SignatureIndex(tmp_path, 128, 5).load()
    assert loaded.hashes.tobytes() == docs.hashes[0] and loaded.ids == ["a"] and loaded.matrix.shape == (1, 128)
    try:
        SignatureIndex(tmp_path, 64, 5)
    except ValueError as error:
        assert "MinHash settings" in str(error)
    else:
        raise AssertionError("an index built with 128 permutations accepted 64")


def test_a_damaged_index_segment_is_a_one_line_error_and_no_output(tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    source.write_bytes((ROOT / "examples/corpus.jsonl").read_bytes())
    index = tmp_path / "index"
    assert main(["dedup", str(source), "-o", str(tmp_path / "first.jsonl"), "--index", str(index), "--quiet"]) == 0
    segment = next(index.glob("segment-*.npz"))
    segment.write_bytes(segment.read_bytes()[: segment.stat().st_size // 2])  # a copy cut short
    capsys.readouterr()
    out = tmp_path / "second.jsonl"
    assert main(["dedup", str(source), "-o", str(out), "--index", str(index), "--quiet"]) == 2
    error = capsys.readouterr().err.strip()
    assert "segment-" in error and "unreadable" in error and "Traceback" not in error
    assert not out.exists() and not (tmp_path / "second.summary.json").exists()


def _halves_through_an_index(tmp_path: Path, name: str, between=lambda index: None) -> Path:
    """The dev dups in two runs through one index, `between` done to the index between them:
    the second run's output folder."""
    records = read_jsonl(shared_path("dev/dups.jsonl"))
    index = tmp_path / f"{name}-index"
    for half, rows in (("first", records[: len(records) // 2]), ("second", records[len(records) // 2 :])):
        source = tmp_path / f"{half}.jsonl"
        source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        args = ["dedup", str(source), "-o", str(tmp_path / f"{name}-{half}/out.jsonl"), "--index", str(index), "--quiet"]
        assert main(args) == 0
        if half == "first":
            between(index)
    return tmp_path / f"{name}-second"


def _as_first_format(index: Path) -> None:
    """Each segment rewritten as the first index format wrote it: signatures inside the `.npz`."""
    for segment in index.glob("segment-*.npz"):
        matrix_file = segment.with_name(segment.stem + ".matrix.npy")
        with np.load(segment) as data:
            arrays = dict(data)
        np.savez(segment, **arrays, matrix=np.load(matrix_file))
        matrix_file.unlink()


def test_an_index_of_the_first_format_gives_the_same_next_run(tmp_path):
    current = _halves_through_an_index(tmp_path, "current")
    older = _halves_through_an_index(tmp_path, "older", _as_first_format)
    for name in ("out.jsonl", "out.clusters.jsonl", "out.dropped.jsonl"):
        assert (older / name).read_bytes() == (current / name).read_bytes(), name
    assert len(list((tmp_path / "older-index").glob("segment-*.matrix.npy"))) == 1  # the second run's


def test_an_index_segment_without_its_signatures_is_a_one_line_error(tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    source.write_bytes((ROOT / "examples/corpus.jsonl").read_bytes())
    index = tmp_path / "index"
    assert main(["dedup", str(source), "-o", str(tmp_path / "first.jsonl"), "--index", str(index), "--quiet"]) == 0
    next(index.glob("segment-*.matrix.npy")).unlink()
    capsys.readouterr()
    assert main(["dedup", str(source), "-o", str(tmp_path / "second.jsonl"), "--index", str(index), "--quiet"]) == 2
    error = capsys.readouterr().err.strip()
    assert "segment-00001.npz is unreadable" in error and "Traceback" not in error
    assert not (tmp_path / "second.jsonl").exists()


def test_a_run_killed_after_indexing_resumes_without_indexing_itself_twice(tmp_path, monkeypatch):
    from zhclean.dedup.index import SignatureIndex
    from zhclean.jobs.clean import Job

    source = tmp_path / "in.jsonl"
    source.write_bytes((ROOT / "examples/corpus.jsonl").read_bytes())
    whole = tmp_path / "whole"
    assert main(["run", str(source), "-o", str(whole / "out.jsonl"), "--index", str(whole / "idx"), "--quiet"]) == 0

    finish = Job.finish

    def killed(self, staging, summary):
        raise KeyboardInterrupt  # as if killed between the index append and the final renames

    monkeypatch.setattr(Job, "finish", killed)
    args = ["run", str(source), "-o", str(tmp_path / "out.jsonl"), "--index", str(tmp_path / "idx"), "--quiet"]
    assert main(args) == 130
    assert not (tmp_path / "out.jsonl").exists()
    monkeypatch.setattr(Job, "finish", finish)
    assert main([*args, "--resume"]) == 0
    for name in ("out.jsonl", "out.clusters.jsonl", "out.dropped.jsonl"):
        assert (tmp_path / name).read_bytes() == (whole / name).read_bytes(), name
    assert len(SignatureIndex(tmp_path / "idx", 128, 5).load()) == 9  # its documents once, not twice


def test_a_batch_indexed_twice_repeats_its_verdicts_and_the_index_does_not_grow(tmp_path):
    """issue 20: the same ids with the same canonical text are already indexed, not new
    duplicates of themselves; a changed text under a known id is a new document."""
    from zhclean.dedup.index import SignatureIndex

    source = tmp_path / "batch.jsonl"
    records = [dict(r) for r in read_jsonl(ROOT / "examples/corpus.jsonl")]
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    index = tmp_path / "idx"
    runs = []
    for name in ("first", "again"):
        out = tmp_path / name / "out.jsonl"
        assert main(["dedup", str(source), "-o", str(out), "--index", str(index), "--quiet"]) == 0
        runs.append((read_jsonl(out), read_jsonl(tmp_path / name / "out.clusters.jsonl"),
                     json.loads((tmp_path / name / "out.summary.json").read_text())))
    (kept1, clusters1, _), (kept2, clusters2, summary2) = runs
    assert [r["id"] for r in kept2] == [r["id"] for r in kept1] and len(kept1) < len(records)
    assert [(c["id"], c["cluster_id"], c["is_kept"]) for c in clusters2] == [
        (c["id"], c["cluster_id"], c["is_kept"]) for c in clusters1]
    assert all(c["already_indexed"] for c in clusters2) and not any("already_indexed" in c for c in clusters1)
    assert summary2["already_indexed"] == len(records) and summary2["duplicates_of_index"] == 0
    assert len(SignatureIndex(index, 128, 5).load()) == len(records)

    records[0]["text"] += "本文另有补充说明，记者将持续关注后续进展。"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "changed" / "out.jsonl"
    assert main(["dedup", str(source), "-o", str(out), "--index", str(index), "--quiet"]) == 0
    summary3 = json.loads((tmp_path / "changed" / "out.summary.json").read_text())
    assert summary3["already_indexed"] == len(records) - 1
    assert len(SignatureIndex(index, 128, 5).load().ids) == len(records) + 1
