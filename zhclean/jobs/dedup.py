"""`zhclean dedup` and `zhclean run`: keep one document per near-duplicate cluster.

Three stages over the same shards, each a shard task that writes its own parts:

1. signatures: per shard, the MinHash signature, canonical hash and cleaned length of each
   valid record (never the text), saved as `NNNNN.signatures.npz`; bad records go to the
   quarantine part. Records `zhclean clean` wrote are clean already; others are cleaned
   first (for the canonical form only: `dedup` writes its input records as they are).
2. clusters, in the driver: LSH candidates, verification, union-find (`dedup/clusters.py`),
   and per shard the verdicts of its documents (`NNNNN.verdicts.npz`).
3. apply: per shard, read it again and write the kept records (with `cluster_id`), the
   dropped ones, and one row per record in the clusters part.

`run` first cleans into the parts folder (the clean stage of `zhclean clean`) and
deduplicates those parts, so its input is read once. Every stage resumes shard by shard.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import orjson

from zhclean.config import Config
from zhclean.core.observe import histogram_of
from zhclean.core.outcome import BadRecord, Dropped
from zhclean.core.stats import RunStats
from zhclean.dedup.canonical import HASH_BYTES
from zhclean.dedup.clusters import (
    Signatures,
    as_indexed,
    band_keys,
    cluster,
    reclustered,
    with_prior,
)
from zhclean.dedup.index import IndexedDocs, SignatureIndex
from zhclean.dedup.minhash import optimal_bands, sign_texts
from zhclean.dedup.rows import IdList, StoredBands, StoredRows, take_rows
from zhclean.engines.records import Skip, batches, clean_texts, parse_all, quarantined
from zhclean.io.shards import Piece, Shard, bytes_read, line_limit, shard_items
from zhclean.jobs.clean import Job, merged, run_clean_stage, with_corpus_lines
from zhclean.jobs.output import OutputSpec, Staging, part_paths, shards_of
from zhclean.jobs.parts import (
    JobDir,
    PartWriter,
    RollingPart,
    jsonl_opener,
    save_npy,
    save_npz,
    write_atomic,
)
from zhclean.jobs.shard_task import kept_opener, worker_pipeline
from zhclean.summary import Summary


@dataclass(frozen=True)
class SignatureTask:
    """Stage 1 over one shard: signatures of its valid records, quarantine of the rest."""

    config: Config
    parts_dir: str

    def __call__(self, shard: Shard) -> dict[str, Any]:
        job = JobDir(self.parts_dir)
        stem = job.file(job.shard_stem(shard.index))
        # stage-named: in `run`, the clean stage's quarantine part of this shard sits beside it
        quarantine = PartWriter(f"{stem}.signatures.quarantine.jsonl", jsonl_opener)
        stats = RunStats()
        ids: list[str] = []
        positions: list[int] = []  # each signed record's place among the shard's items
        lengths: list[int] = []
        hashes: list[bytes] = []
        blocks: list[np.ndarray] = []
        pipeline = worker_pipeline(self.config)
        position = 0
        for batch in batches(shard_items(shard, line_limit(self.config.max_chars))):
            stats.bytes_in += sum(item.size for item in batch)
            texts = []
            for item, entry in zip(batch, _cleaned(parse_all(batch, self.config), pipeline, self.config.max_seconds), strict=True):
                position += 1
                if isinstance(entry, Skip):
                    stats.add_skipped(entry.reason)
                    continue
                if isinstance(entry, BadRecord):
                    bad = quarantined(item, entry)
                    quarantine.write(bad.as_row())
                    stats.add_quarantined(bad.reason.value, bad.rows)
                    continue
                record, text = entry
                positions.append(position - 1)
                ids.append(str(record[self.config.id_field]))
                lengths.append(len(text))
                texts.append(text)
            if texts:
                batch_hashes, batch_matrix = sign_texts(texts, self.config.dedup.ngram, self.config.dedup.num_perm)
                hashes += batch_hashes
                blocks.append(batch_matrix)
        dedup = self.config.dedup
        matrix = np.vstack(blocks) if blocks else np.zeros((0, dedup.num_perm), dtype=np.uint32)
        # The matrix on its own, for the driver to read rows of through a memory map; the
        # band keys in a file of their own, band-major, so that the driver finds candidates
        # reading one band of keys at a time and never the matrix.
        save_npy(f"{stem}.signatures.matrix.npy", matrix)
        keys = band_keys(matrix, *optimal_bands(dedup.threshold, dedup.num_perm))
        save_npy(f"{stem}.signatures.keys.npy", np.ascontiguousarray(keys.T))
        save_npz(f"{stem}.signatures.npz", ids=np.array(ids, dtype=str), positions=np.array(positions, dtype=np.int64),
                  lengths=np.array(lengths, dtype=np.int64),
                  hashes=np.frombuffer(b"".join(hashes), dtype=f"S{HASH_BYTES}"))
        files = {"signatures": os.path.basename(f"{stem}.signatures.npz"),
                 "matrix": os.path.basename(f"{stem}.signatures.matrix.npy"),
                 "keys": os.path.basename(f"{stem}.signatures.keys.npy"), "quarantine": quarantine.commit()}
        stats.bytes_in = bytes_read(shard, stats.bytes_in)
        return job.mark_done("signatures", shard.index, files, stats, {"bytes": shard.size})


def _cleaned(parsed: list, pipeline, max_seconds: float) -> list:
    """Per item, (record, cleaned text) or why it cannot be signed: records `zhclean clean`
    wrote keep their text, the others are cleaned together (for the canonical form only)."""
    raw = [entry[1] for entry in parsed if isinstance(entry, tuple) and "zhclean" not in entry[0]]
    cleaned = iter(clean_texts(pipeline, raw, max_seconds))
    out = []
    for entry in parsed:
        if not isinstance(entry, tuple) or "zhclean" in entry[0]:
            out.append(entry)
            continue
        result = next(cleaned)
        out.append(result if isinstance(result, BadRecord) else (entry[0], result.text))
    return out


@dataclass(frozen=True)
class ApplyTask:
    """Stage 3 over one shard: its records with their verdicts, into kept/dropped/clusters."""

    config: Config
    parts_dir: str
    kept_suffix: str
    records_per_file: int

    def __call__(self, shard: Shard) -> dict[str, Any]:
        job = JobDir(self.parts_dir)
        stem = job.file(job.shard_stem(shard.index))
        with np.load(f"{stem}.verdicts.npz", allow_pickle=False) as verdicts:
            merged_into = dict(zip(verdicts["members"].tolist(),
                                   zip(verdicts["cluster_ids"].tolist(), verdicts["similarity"].tolist(), strict=True),
                                   strict=True))
            repeated = verdicts["already_indexed"]
        with np.load(f"{stem}.signatures.npz", allow_pickle=False) as signed:
            signed_at = set(signed["positions"].tolist())
        # Stage-named parts: in `run`, this shard's input is the clean stage's kept part and its
        # filter drops are the clean stage's dropped part; writing over either would lose them
        # (and a resume after this task committed but before its marker would read its own output).
        out = f"{stem}.apply"
        kept = RollingPart(f"{out}.kept", self.kept_suffix, kept_opener(self.kept_suffix), self.records_per_file)
        dropped = PartWriter(f"{out}.dropped.jsonl", jsonl_opener)
        clusters = PartWriter(f"{out}.clusters.jsonl", jsonl_opener)
        stats = RunStats()
        position = 0
        items = 0
        for batch in batches(shard_items(shard, line_limit(self.config.max_chars))):
            for entry in parse_all(batch, self.config):
                items += 1
                if not isinstance(entry, tuple) or items - 1 not in signed_at:
                    continue  # quarantined by stage 1 (unreadable, or its cleaning failed)
                record = entry[0]
                doc_id = record[self.config.id_field]
                keep = position not in merged_into  # the rest keep their own id, similarity 1
                cluster_id, sim = (str(doc_id), 1.0) if keep else merged_into[position]
                row = {"id": doc_id, "cluster_id": cluster_id, "is_kept": keep, "similarity": sim}
                if repeated[position]:
                    row["already_indexed"] = True
                position += 1
                clusters.write(row)
                record["cluster_id"] = cluster_id
                if keep or self.config.dedup.keep_all:
                    kept.write(record)
                    stats.add_kept(None)
                else:
                    dropped.write(Dropped(record, "near_duplicate", "near_duplicate", sim).as_row())
                    stats.add_dropped("near_duplicate", "near_duplicate")
        files = {"kept": kept.commit(), "dropped": dropped.commit(), "clusters": clusters.commit()}
        return job.mark_done("apply", shard.index, files, stats, {"bytes": shard.size})


def dedup_dataset(inputs: list[str], output: str, config: Config, progress: bool = True,
                  shard_format: str = "jsonl", clean_first: bool = False, resume: bool = False) -> Summary:
    """Deduplicate `inputs` into `output` (cleaning them first for `zhclean run`)."""
    out = OutputSpec.of(output, shard_format, config.shard_size)
    # The index first: a damaged or mismatched one stops the job before anything is written.
    if config.dedup.index and os.path.exists(config.dedup.index) and not os.path.isdir(config.dedup.index):
        raise ValueError(f"--index {config.dedup.index} is a file, not a folder: give a folder, new or one an earlier run indexed into")
    index = SignatureIndex(config.dedup.index, config.dedup.num_perm, config.dedup.ngram) if config.dedup.index else None
    prior = index.load() if index else None
    job = Job.open(inputs, out, config, progress, resume, "run" if clean_first else "dedup")
    try:
        if index and job.resumed and (own := index.segment_of(job.stamp)) is not None:
            prior = index.load(excluding=own)  # killed after indexing: cluster as the first run did
        clean_stats = None
        shards = job.plan.shards
        shared = None
        if clean_first:
            clean_markers = run_clean_stage(job, ".jsonl", 0)
            clean_stats = merged(clean_markers)
            kept_markers = clean_markers
            if config.corpus_lines.enabled:
                kept_markers, clean_stats, shared = with_corpus_lines(job, clean_markers, ".jsonl", 0)
            shards = shards_of(job.parts, kept_markers)
        elif any(s.streaming for s in shards):
            shards = [_spooled_stdin(job.parts)]
        return _dedup(job, out, shards, clean_stats, clean_markers if clean_first else [], index, prior, shared)
    finally:
        job.close()


def _spooled_stdin(parts: JobDir) -> Shard:
    """Standard input saved once into the parts folder: dedup reads its input twice."""
    path = parts.file("stdin.jsonl")
    with open(f"{path}.tmp", "wb") as f:
        shutil.copyfileobj(sys.stdin.buffer, f, 1 << 22)
    os.replace(f"{path}.tmp", path)
    return Shard(0, (Piece(path, "-", "jsonl", size=os.path.getsize(path)),))


def _dedup(job: Job, out: OutputSpec, shards: list[Shard], clean_stats: RunStats | None,
           clean_markers: list[dict[str, Any]], index: SignatureIndex | None, prior: IndexedDocs | None,
           shared: tuple[str, dict[str, Any]] | None = None) -> Summary:
    config = job.config
    laps = _Laps()
    sig_markers = job.run_stage(SignatureTask(config, job.parts.path), "signatures", "signatures", shards)
    laps.done("signatures")
    # The Ray pair finder reads the signatures in its tasks: the band keys would only sit in memory.
    sigs, counts = _load_signatures(job.parts, sig_markers, config.dedup.num_perm, keys=config.engine != "ray")
    indexed_at = already_indexed(prior, sigs)
    fresh = _subset(sigs, [j for j, at in enumerate(indexed_at) if at is None])
    offset = len(prior) if prior else 0
    banding = optimal_bands(config.dedup.threshold, config.dedup.num_perm)
    everything = with_prior(prior, fresh, banding) if prior else fresh
    keeper, similarity = cluster(everything, config.dedup.threshold, config.dedup.num_perm,
                                 prior.kept if prior else None, _pair_finder(config))
    _write_verdicts(job.parts, shards, counts, everything.ids, keeper, similarity, indexed_at, offset)
    laps.done("clusters")
    apply = ApplyTask(config, job.parts.path, out.suffix, out.records_per_file)
    apply_markers = job.run_stage(apply, "apply", "writing", shards)
    laps.done("apply")
    updates = reclustered(prior, everything, keeper) if prior else {}
    update_part = _update_rows(job.parts, prior, everything, similarity, updates)
    staging = Staging(out)
    staging.records(part_paths(job.parts, apply_markers, "kept"))
    staging.side("clusters", part_paths(job.parts, apply_markers, "clusters") + update_part)
    staging.side("quarantine", part_paths(job.parts, clean_markers + sig_markers, "quarantine"))
    staging.side("dropped", part_paths(job.parts, clean_markers + apply_markers, "dropped"))
    laps.done("join")  # the parts joined into the final files (a copy only for a single-file output)
    stats = _run_stats(clean_stats, merged(sig_markers), merged(apply_markers))
    summary = job.summary(stats)
    if shared:
        staging.side("shared_lines", [shared[0]])
        summary.extra["corpus_lines"] = shared[1]
    new_keepers = keeper[offset:]
    if index:
        kept_flags = new_keepers == np.arange(offset, offset + len(new_keepers))
        index.append(as_indexed(fresh, [everything.ids[k] for k in new_keepers.tolist()], kept_flags),
                     {everything.ids[i]: cluster_id for i, cluster_id in updates.items()}, job.stamp)
        summary.extra.update(index_documents_before=offset, index_documents_reclustered=len(updates),
                             duplicates_of_index=int(np.count_nonzero(new_keepers < offset)),
                             already_indexed=len(sigs.ids) - len(fresh.ids))
    _cluster_summary(summary, everything, new_keepers, stats.dropped_reasons["near_duplicate/near_duplicate"])
    laps.done("index" if index else "summary")
    summary.extra["stage_seconds"] = laps.seconds
    job.finish(staging, summary)
    return summary


class _Laps:
    """Wall seconds of each stage of a run, for the summary: where a corpus's time goes."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._since = time.monotonic()

    def done(self, stage: str) -> None:
        now = time.monotonic()
        self.seconds[stage] = round(now - self._since, 3)
        self._since = now


def _load_signatures(parts: JobDir, markers: list[dict[str, Any]], num_perm: int,
                     keys: bool = True) -> tuple[Signatures, list[int]]:
    """Every shard's signatures, in shard order, and how many documents each shard has: ids,
    lengths and hashes read; the matrices and (with `keys`) the band keys left in their files."""
    ids, lengths, hashes, key_files, blocks, counts, dtypes = [], [], [], [], [], [], []
    for marker in markers:
        with np.load(parts.file(marker["files"]["signatures"]), allow_pickle=False) as data:
            ids.append(IdList(data["ids"].tolist()))
            lengths.append(data["lengths"])
            hashes.append(data["hashes"].view(np.uint8).reshape(-1, HASH_BYTES))
            counts.append(len(data["lengths"]))
        blocks.append(parts.file(marker["files"]["matrix"]))
        key_files.append(parts.file(marker["files"]["keys"]))
        dtypes.append(np.load(blocks[-1], mmap_mode="r").dtype)
    matrix = StoredRows(blocks, counts, num_perm, np.result_type(*dtypes) if dtypes else np.uint32)
    bands = np.load(key_files[0], mmap_mode="r").shape[0] if key_files else 0
    return Signatures(IdList.joined(ids), np.concatenate(lengths) if lengths else np.zeros(0, np.int64),
                      np.concatenate(hashes) if hashes else np.zeros((0, HASH_BYTES), np.uint8), matrix,
                      StoredBands(key_files, counts, bands) if keys and key_files else None), counts


def already_indexed(prior: IndexedDocs | None, sigs: Signatures) -> list[int | None]:
    """Per document of this run, its place in the index when the index already holds it: the
    same id with the same canonical hash (a batch deduplicated twice). Such a document is
    not clustered again nor added again: it gets its earlier verdict."""
    if not prior:
        return [None] * len(sigs.ids)
    known = {(doc_id, digest.tobytes()): i
             for i, (doc_id, digest) in enumerate(zip(prior.ids, prior.hashes, strict=True))}
    return [known.get((doc_id, digest.tobytes())) for doc_id, digest in zip(sigs.ids, sigs.hashes, strict=True)]


def _subset(sigs: Signatures, chosen: list[int]) -> Signatures:
    if len(chosen) == len(sigs.ids):
        return sigs
    return Signatures(IdList([sigs.ids[j] for j in chosen]), sigs.lengths[chosen], sigs.hashes[chosen],
                      take_rows(sigs.matrix, chosen), None if sigs.keys is None else sigs.keys[chosen])


def _write_verdicts(parts: JobDir, shards: list[Shard], counts: list[int], ids: list[str], keeper: np.ndarray,
                    similarity: np.ndarray, indexed_at: list[int | None], offset: int) -> None:
    """Each shard's verdicts: the documents that are not their cluster's kept one (their
    place in the shard, the kept one's id, the similarity to it), and which were indexed
    before; every other document is kept as its own cluster, so its id never has to be
    looked up here. A document's place among everything clustered is after the index's
    documents, unless it is one of them (`indexed_at`)."""
    known = np.array([-1 if at is None else at for at in indexed_at], dtype=np.int64)
    fresh = known < 0
    places = np.where(fresh, offset + np.cumsum(fresh) - 1, known)
    start = 0
    for shard, count in zip(shards, counts, strict=True):
        span = places[start:start + count]
        members = np.flatnonzero(keeper[span] != span)
        save_npz(parts.file(f"{parts.shard_stem(shard.index)}.verdicts.npz"), members=members,
                  cluster_ids=np.array([ids[k] for k in keeper[span[members]].tolist()], dtype=str),
                  similarity=similarity[span[members]].astype(np.float64), already_indexed=~fresh[start:start + count])
        start += count


def _update_rows(parts: JobDir, prior, everything: Signatures, similarity: np.ndarray,
                 updates: dict[int, str]) -> list[str]:
    """Rows for earlier documents whose cluster this run changed, as one more part."""
    if not updates:
        return []
    path = parts.file("updates.clusters.jsonl")
    rows = b"".join(orjson.dumps({"id": everything.ids[i], "cluster_id": cid, "is_kept": bool(prior.kept[i]),
                                  "similarity": float(similarity[i]), "updated": True}) + b"\n"
                    for i, cid in updates.items())
    write_atomic(path, rows)
    return [path]


def _run_stats(clean: RunStats | None, sig: RunStats, apply: RunStats) -> RunStats:
    """One run's counts: `run` counts records in its clean stage; the dedup stages move
    kept records to dropped."""
    if clean is None:
        return sig + apply
    total = clean + sig
    total.bytes_in = clean.bytes_in  # the stages after it read the cleaned parts again
    total.kept = apply.kept
    total.dropped += apply.dropped
    total.dropped_reasons.update(apply.dropped_reasons)
    return total


def _pair_finder(config: Config):
    """On Ray, the finder that shuffles band buckets on the cluster; locally None, the
    clustering's own (from the band keys the signature stage wrote)."""
    if config.engine != "ray":
        return None
    from zhclean.dedup.ray_pairs import candidate_pairs as on_ray

    return partial(on_ray, config=config)


def _cluster_summary(summary: Summary, sigs: Signatures, keeper: np.ndarray, removed: int) -> None:
    keepers, sizes = np.unique(keeper, return_counts=True)
    largest = np.lexsort((keepers, -sizes))[:5]
    summary.stats.observed.histograms["cluster_sizes"] = histogram_of("cluster_sizes", sizes.tolist())
    summary.extra.update(
        documents=len(keeper), clusters=len(keepers), duplicates_removed=removed,
        largest_clusters=[{"cluster_id": sigs.ids[int(keepers[j])], "size": int(sizes[j])}
                          for j in largest.tolist() if sizes[j] > 1],
    )
