"""`zhclean dedup` and `zhclean run`: keep one document per near-duplicate cluster.

Pass 1 streams the input and keeps, per document, only its MinHash signature, canonical hash
and cleaned length (never the text). Candidates come from LSH bands; a candidate pair is a
duplicate when its estimated Jaccard (share of equal MinHash values) reaches the threshold,
or when the canonical hashes are equal. Union-find makes the clusters; each keeps its
longest cleaned text, ties broken by input order. Pass 2 streams the input again and writes
the kept records (or all, annotated, with `--keep-all`) and `OUT.clusters.jsonl`.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from zhclean.config import Config
from zhclean.dedup.canonical import canonical_codes, canonical_hash, shingle_hashes
from zhclean.dedup.index import IndexedDocs, SignatureIndex
from zhclean.dedup.minhash import estimated_jaccard, optimal_bands, signatures
from zhclean.engines.local import Progress, item_bytes, ordered_map
from zhclean.engines.records import BadRecord, parse_all, quarantine_entry
from zhclean.io.readers import Item, expand_inputs, iter_items
from zhclean.io.writers import JsonlWriter, open_writer, side_paths
from zhclean.pipeline import Pipeline
from zhclean.summary import Summary

BATCH = 512


@dataclass
class Signatures:
    ids: list[str]
    lengths: np.ndarray
    hashes: list[bytes]
    matrix: np.ndarray


def _records(files: list[str], config: Config):
    """Valid records in input order (pass 2; pass 1 has already quarantined the others).
    On Ray the inputs may be pyarrow filesystem URIs, read the way the Ray workers read them."""
    if config.engine == "ray":
        from zhclean.engines.ray_engine import iter_file_items

        items = iter_file_items(files)
    else:
        items = iter_items(files)
    for item in items:
        entry = parse_all([item], config)[0]
        if not isinstance(entry, BadRecord):
            yield entry[0]


_worker: dict = {}


def _init_signature_worker(config: Config) -> None:
    _worker["config"] = config
    _worker["pipeline"] = Pipeline.from_config(config)


def _signature_batch(batch: list[Item]) -> tuple[list[tuple], np.ndarray]:
    """Per item ("ok", id, cleaned length, canonical hash) or ("bad", quarantine entry), and
    the signatures of the good ones. Runs in the engine's worker processes."""
    config, pipeline = _worker["config"], _worker["pipeline"]
    rows: list[tuple] = []
    shingles: list[np.ndarray] = []
    parsed = parse_all(batch, config)
    # Records `zhclean clean` wrote are clean already; the others are cleaned together.
    raw = [entry[1] for entry in parsed if not isinstance(entry, BadRecord) and "zhclean" not in entry[0]]
    cleaned_raw = iter(result.text for result in pipeline.clean_many(raw))
    for item, entry in zip(batch, parsed, strict=True):
        if isinstance(entry, BadRecord):
            rows.append(("bad", quarantine_entry(item, entry)))
            continue
        record, text = entry
        cleaned = text if "zhclean" in record else next(cleaned_raw)
        canonical = canonical_codes(cleaned)
        rows.append(("ok", str(record[config.id_field]), len(cleaned), canonical_hash(canonical)))
        shingles.append(shingle_hashes(canonical, config.dedup.ngram))
    return rows, signatures(shingles, config.dedup.num_perm)


SignatureRow = tuple  # (kind, id or quarantine entry, length, hash, signature or None, input bytes)


def signature_rows_of(items: list[Item], rows: list[tuple], matrix: np.ndarray) -> Iterator[SignatureRow]:
    """One SignatureRow per item from a `_signature_batch` result (whose matrix holds the
    good items' signatures only), as both engines hand them to `compute_signatures`."""
    good = iter(matrix)
    for item, row in zip(items, rows, strict=True):
        if row[0] == "bad":
            yield "bad", row[1], 0, b"", None, item_bytes(item)
        else:
            yield "ok", row[1], row[2], row[3], next(good), item_bytes(item)


def _local_signature_rows(files: list[str], config: Config) -> Iterator[SignatureRow]:
    work = ordered_map(_signature_batch, iter_items(files), config.worker_count,
                       _init_signature_worker, (config,))
    for batch, (rows, matrix) in work:
        yield from signature_rows_of(batch, rows, matrix)


def compute_signatures(files: list[str], config: Config, on_bad=None, on_progress=None) -> Signatures:
    """Pass 1: signatures, hashes and lengths of every valid record, computed by the engine's
    workers (local processes or Ray actors); only these are held, never the texts."""
    if config.engine == "ray":
        from zhclean.engines.ray_engine import signature_rows

        rows = signature_rows(files, config)
    else:
        rows = _local_signature_rows(files, config)
    ids, lengths, hashes, blocks, pending = [], [], [], [], []
    for kind, ident, length, digest, signature, size in rows:
        if on_progress is not None:
            on_progress(1, size)
        if kind == "bad":
            if on_bad is not None:
                on_bad(ident)
            continue
        ids.append(ident)
        lengths.append(length)
        hashes.append(digest)
        pending.append(signature)
        if len(pending) >= 4096:
            blocks.append(np.vstack(pending))
            pending = []
    if pending:
        blocks.append(np.vstack(pending))
    num_perm = config.dedup.num_perm
    matrix = np.vstack(blocks) if blocks else np.zeros((0, num_perm), dtype=np.uint64)
    return Signatures(ids, np.array(lengths, dtype=np.int64), hashes, matrix)


class UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def bucket_pairs(members: list[int]) -> list[tuple[int, int]]:
    """Candidate pairs of one LSH bucket (members in input order): all pairs up to 50
    members, a star and a chain up to 5,000 (enough to connect them), none beyond."""
    if 1 < len(members) <= 50:
        return [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
    if 50 < len(members) <= 5000:
        return [(members[0], m) for m in members[1:]] + list(zip(members, members[1:], strict=False))
    return []


def candidate_pairs(matrix: np.ndarray, bands: int, rows: int) -> set[tuple[int, int]]:
    """Pairs of documents sharing at least one LSH band (bucket by the band's bytes)."""
    pairs: set[tuple[int, int]] = set()
    for band in range(bands):
        buckets: dict[bytes, list[int]] = defaultdict(list)
        block = np.ascontiguousarray(matrix[:, band * rows : (band + 1) * rows])
        for i, key in enumerate(block):
            buckets[key.tobytes()].append(i)
        for members in buckets.values():
            if len(members) > 1:
                pairs.update(bucket_pairs(members))
    return pairs


def cluster(sigs: Signatures, threshold: float, num_perm: int, prior_kept: np.ndarray | None = None,
            find_pairs: Callable[[np.ndarray, int, int], set[tuple[int, int]]] = candidate_pairs,
            ) -> tuple[list[int], dict[int, float]]:
    """(keeper index per document, similarity of each document to its cluster's keeper).

    The first `len(prior_kept)` documents come from the index: a cluster holding any of them
    keeps the earliest one kept before (it is already published); other clusters keep
    their longest cleaned text, ties broken by input order.
    """
    n = len(sigs.ids)
    prior = 0 if prior_kept is None else len(prior_kept)
    uf = UnionFind(n)
    by_hash: dict[bytes, int] = {}
    for i, h in enumerate(sigs.hashes):
        if h in by_hash:
            uf.union(by_hash[h], i)
        else:
            by_hash[h] = i
    bands, rows = optimal_bands(threshold, num_perm)
    for a, b in find_pairs(sigs.matrix, bands, rows):
        if estimated_jaccard(sigs.matrix[a], sigs.matrix[b]) >= threshold:
            uf.union(a, b)
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        members[uf.find(i)].append(i)
    keeper: list[int] = [0] * n
    similarity: dict[int, float] = {}
    for group in members.values():
        best = _keeper(group, sigs.lengths, prior, prior_kept)
        for i in group:
            keeper[i] = best
            similarity[i] = 1.0 if i == best else round(estimated_jaccard(sigs.matrix[i], sigs.matrix[best]), 4)
    return keeper, similarity


def _keeper(group: list[int], lengths: np.ndarray, prior: int, prior_kept: np.ndarray | None) -> int:
    indexed = [i for i in group if i < prior]
    if indexed:
        assert prior_kept is not None
        return next((i for i in indexed if prior_kept[i]), indexed[0])
    return max(group, key=lambda i: (lengths[i], -i))


def dedup_dataset(inputs: list[str], output: str, config: Config, progress: bool = True,
                  shard_format: str = "jsonl", clean_first: bool = False) -> Summary:
    """Deduplicate `inputs` into `output` (cleaning them first for `zhclean run`)."""
    start = time.monotonic()
    sides = side_paths(output)
    Path(sides["clusters"]).parent.mkdir(parents=True, exist_ok=True)
    temp_dir = None
    clean_summary = None
    if clean_first:
        from zhclean.runner import clean_dataset

        temp_dir = tempfile.mkdtemp(prefix="zhclean-run-", dir=os.path.dirname(os.path.abspath(sides["clusters"])))
        cleaned = os.path.join(temp_dir, "cleaned.jsonl")
        clean_summary = clean_dataset(inputs, cleaned, config, progress=progress)
        os.replace(os.path.join(temp_dir, "cleaned.quarantine.jsonl"), sides["quarantine"])
        inputs = [cleaned]
    try:
        return _dedup(expand_inputs(inputs), output, config, sides, shard_format, clean_summary, start, progress)
    finally:
        if temp_dir:
            for name in os.listdir(temp_dir):
                os.remove(os.path.join(temp_dir, name))
            os.rmdir(temp_dir)


def _dedup(files, output, config, sides, shard_format, clean_summary, start, show_progress) -> Summary:
    summary = clean_summary or Summary(workers=config.worker_count)
    quarantine = None if clean_summary else JsonlWriter(sides["quarantine"])

    def on_bad(entry):
        quarantine.write(entry)
        summary.add_quarantined(entry["error"])

    progress = Progress(None, enabled=show_progress, label="signatures")
    sigs = compute_signatures(files, config, on_bad if quarantine else None, progress.update)
    progress.close()
    if clean_summary is None:  # `run` counted the bytes while cleaning
        summary.bytes_in = progress.bytes
    if quarantine:
        quarantine.close()
    index = SignatureIndex(config.dedup.index, config.dedup.num_perm, config.dedup.ngram) if config.dedup.index else None
    prior = index.load() if index else None
    offset = len(prior) if prior else 0
    everything = _with_prior(prior, sigs) if prior else sigs
    keeper, similarity = cluster(everything, config.dedup.threshold, config.dedup.num_perm,
                                 prior.kept if prior else None, _pair_finder(config))
    writer = open_writer(output, config.shard_size, shard_format)
    clusters = JsonlWriter(sides["clusters"])
    dropped = JsonlWriter(sides["dropped"])
    kept = removed = 0
    try:
        for i, record in enumerate(_records(files, config), start=offset):
            cluster_id = everything.ids[keeper[i]]
            is_kept = keeper[i] == i
            clusters.write({"id": everything.ids[i], "cluster_id": cluster_id, "is_kept": is_kept,
                            "similarity": similarity[i]})
            record["cluster_id"] = cluster_id
            if is_kept or config.dedup.keep_all:
                writer.write(record)
                kept += 1
            else:
                dropped.write({**record, "dropped_by": "near_duplicate", "value": similarity[i]})
                removed += 1
        updates = _reclustered(prior, everything, keeper) if prior else {}
        for i, cluster_id in updates.items():  # earlier documents this run's ones joined together
            clusters.write({"id": everything.ids[i], "cluster_id": cluster_id, "is_kept": bool(prior.kept[i]),
                            "similarity": similarity[i], "updated": True})
    finally:
        writer.close()
        clusters.close()
        dropped.close()
    new_keepers = keeper[offset:]
    if index:
        index.append(_as_indexed(sigs, [everything.ids[k] for k in new_keepers],
                                 np.array([k == i for i, k in enumerate(new_keepers, start=offset)], dtype=bool)),
                     {everything.ids[i]: cluster_id for i, cluster_id in updates.items()})
        summary.extra["index_documents_before"] = offset
        summary.extra["index_documents_reclustered"] = len(updates)
        summary.extra["duplicates_of_index"] = sum(k < offset for k in new_keepers)
    _finish(summary, everything, new_keepers, kept, removed, clean_summary is None, start)
    summary.write(sides["summary"])
    return summary


def _pair_finder(config: Config) -> Callable[[np.ndarray, int, int], set[tuple[int, int]]]:
    if config.engine == "ray":
        from zhclean.engines.ray_engine import candidate_pairs as on_ray

        return partial(on_ray, config=config)
    return candidate_pairs


def _with_prior(prior: IndexedDocs, sigs: Signatures) -> Signatures:
    """The index's documents followed by this run's, as one set of signatures."""
    return Signatures(prior.ids + sigs.ids, np.concatenate([prior.lengths, sigs.lengths]),
                      prior.hashes + sigs.hashes, np.vstack([prior.matrix, sigs.matrix]))


def _reclustered(prior: IndexedDocs, everything: Signatures, keeper: list[int]) -> dict[int, str]:
    """Earlier documents whose cluster id this run changed (a new document joined their
    cluster to an older one): index position -> new cluster id."""
    return {i: everything.ids[keeper[i]] for i in range(len(prior))
            if everything.ids[keeper[i]] != prior.cluster_ids[i]}


def _as_indexed(sigs: Signatures, cluster_ids: list[str], kept: np.ndarray) -> IndexedDocs:
    return IndexedDocs(sigs.ids, cluster_ids, kept, sigs.lengths, sigs.hashes, sigs.matrix)


def _finish(summary: Summary, sigs: Signatures, keeper: list[int], kept: int, removed: int,
            count_in: bool, start: float) -> None:
    """Summary counts for this run's documents (`keeper`: their keepers' indices in `sigs`)."""
    sizes: dict[int, int] = defaultdict(int)
    for k in keeper:
        sizes[k] += 1
    if count_in:
        summary.records_in += len(keeper)
    summary.kept = kept
    summary.dropped += removed
    summary.seconds = time.monotonic() - start
    largest = sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    summary.extra.update(
        documents=len(keeper), clusters=len(sizes), duplicates_removed=removed,
        largest_clusters=[{"cluster_id": sigs.ids[k], "size": n} for k, n in largest if n > 1],
    )
