"""The cross-document boilerplate stage (`--corpus-lines`) over the clean stage's parts.

1. count, inside the clean task (`zhclean.stages.corpus_lines.LineObserver`): per shard, the
   key, variant and document of every kept document's units, the keys of their edge affixes
   and each document's site, saved as `NNNNN.lines.npz` (hashes only, never text);
2. in the driver: every shard's observations (and a saved table's), each document's
   context, the spread of each key, and the keys that are boilerplate in the corpus and per
   site, saved as `frequent-lines.npz`;
3. apply: per shard, each record without its shared edge units (`zhclean.edits.corpus_lines`),
   into `NNNNN.lines.kept`, and what went (`NNNNN.lines.shared.jsonl`: each removed text once,
   with how many of the shard's documents lost it).

Every record of the input parts comes out once: the stage edits, it never drops. The
summary's `corpus_lines` entry says how many documents and units it touched and the side
output `OUT.shared_lines.jsonl` lists every removed text with its count, most frequent first.
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from zhclean.config import Config
from zhclean.core.outcome import BadRecord
from zhclean.core.stats import RunStats
from zhclean.engines.records import parse_all
from zhclean.io.shards import Item, Shard
from zhclean.jobs.output import part_paths, shards_of
from zhclean.jobs.parts import JobDir, PartWriter, RollingPart, jsonl_opener, save_npz, write_atomic
from zhclean.jobs.shard_task import kept_opener, record_edits
from zhclean.stages.corpus_lines import (
    Spread,
    in_sorted,
    remove_units_many,
    shared_keys,
    site_frequent,
    site_pairs,
    threshold,
    units_of_many,
)

STEP = "corpus_lines"
FREQUENT_FILE = "frequent-lines.npz"


def _line_batches(shard: Shard, size: int = 1000):
    """(place, line) of the shard's records, a thousand at a time: its pieces are JSONL parts
    the clean stage wrote (one valid record a line), read as lines, not through the input
    readers (which check, decode and number what a crawl may hold)."""
    batch: list[tuple[int, bytes]] = []
    place = 0
    for piece in shard.pieces:
        with open(piece.path, "rb") as f:
            for line in f:
                batch.append((place, line))
                place += 1
                if len(batch) == size:
                    yield batch
                    batch = []
    if batch:
        yield batch


def _parsed(shard: Shard, place: int, raw: bytes, config: Config) -> tuple[dict[str, Any], str]:
    """A record of a cleaned part with its text (the clean stage wrote only valid ones)."""
    item = Item(shard.pieces[0].path, "", place + 1, raw)
    entry = parse_all([item], config)[0]
    if isinstance(entry, BadRecord):
        raise ValueError(f"a cleaned part holds an unreadable record ({entry.reason.value}): {item.source}")
    return entry


@dataclass(frozen=True)
class LineApplyTask:
    """Stage 3 over one shard: its records without their shared edge units."""

    config: Config
    parts_dir: str
    kept_suffix: str
    records_per_file: int

    def __call__(self, shard: Shard, observed: str) -> dict[str, Any]:
        job = JobDir(self.parts_dir)
        stem = job.file(job.shard_stem(shard.index))
        by_site = _SiteKeys(job.file(FREQUENT_FILE))
        touched, doc_sites = _documents_that_may_change(by_site, job.file(observed))
        kept = RollingPart(f"{stem}.lines.kept", self.kept_suffix, kept_opener(self.kept_suffix),
                           self.records_per_file)
        shared = PartWriter(f"{stem}.lines.shared.jsonl", jsonl_opener)
        stats = RunStats()
        removed: Counter[tuple[str, str]] = Counter()
        edited = 0
        raw_ok = self.kept_suffix != ".parquet"
        try:
            for batch in _line_batches(shard):
                looked_at = [i for i, (place, _) in enumerate(batch) if place in touched]
                parsed = {i: _parsed(shard, *batch[i], self.config) for i in looked_at}
                texts = [parsed[i][1] for i in looked_at]
                removals = dict(zip(looked_at, remove_units_many(
                    texts, [by_site.of(int(doc_sites[batch[i][0]])) for i in looked_at], units_of_many(texts)),
                    strict=True))
                for i, (place, raw) in enumerate(batch):
                    if i not in parsed:  # no shared key, no shared affix: as the clean stage wrote it
                        if raw_ok:
                            kept.write_raw(raw)
                        else:
                            kept.write(_parsed(shard, place, raw, self.config)[0])
                        continue
                    record, text = parsed[i]
                    new, cuts = removals[i]
                    if cuts:
                        edited += 1
                        record_edits(record, self.config, new, {STEP: len(cuts)}, len(text) - len(new))
                        removed.update((cut.rule, text[cut.start:cut.end]) for cut in cuts)
                        stats.edits[STEP] += len(cuts)
                        stats.observed.changed[STEP] += 1
                        stats.observed.rules.update(f"{STEP}/{cut.rule}" for cut in cuts)
                        stats.chars_out -= len(text) - len(new)
                    kept.write(record)
            for (rule, unit), count in sorted(removed.items()):
                shared.write({"text": unit, "rule": rule, "documents": count})
            files = {"kept": kept.commit(), "shared": shared.commit()}
        except BaseException:
            kept.abort()
            shared.abort()
            raise
        return job.mark_done("lines_apply", shard.index, files, stats,
                             {"bytes": shard.size, "documents_edited": edited})


def deferred_notice(config: Config) -> bool:
    """Whether the notice step waits for the corpus-lines stage: a notice repeated over many
    pages is sometimes set off by a sentence mark (the notice step takes it) and sometimes
    glued to the text (only its spread finds it); counted after the notice step, its spread
    would be too small to find the glued ones. So with `--corpus-lines` the clean task counts
    a document's units before the notice step, then runs it (`with_notice_step`)."""
    from zhclean.pipeline import resolve_steps

    return config.corpus_lines.enabled and "notice" in resolve_steps(config.steps or None, config.skip)


def clean_stage_config(config: Config) -> Config:
    return dataclasses.replace(config, skip=(*config.skip, "notice")) if deferred_notice(config) else config


class _SiteKeys:
    """The shared keys a document of a site is judged on: the corpus's and its site's."""

    def __init__(self, path: str) -> None:
        with np.load(path, allow_pickle=False) as data:
            self.frequent, self.sites, self.keys = data["frequent"], data["sites"], data["site_keys"]
        self.pairs = np.sort(site_pairs(self.keys, self.sites)) if self.keys.size else self.keys
        self._memo: dict[int, np.ndarray] = {}

    def of(self, site: int) -> np.ndarray:
        if site == 0 or self.keys.size == 0:
            return self.frequent
        if site not in self._memo:
            own = self.keys[self.sites == np.uint64(site)]
            self._memo[site] = np.union1d(self.frequent, own) if own.size else self.frequent
        return self._memo[site]

    def hits(self, keys: np.ndarray, sites: np.ndarray) -> np.ndarray:
        """Per (key, site), whether the key is shared for that site (or in the corpus)."""
        hit = in_sorted(keys, self.frequent)
        if self.pairs.size:
            hit |= in_sorted(site_pairs(keys, sites), self.pairs) & (sites != 0)
        return hit


def _documents_that_may_change(by_site: _SiteKeys, observed: str) -> tuple[set[int], np.ndarray]:
    """The places of the shard's documents with a shared unit or a shared edge affix, and
    each document's site."""
    with np.load(observed, allow_pickle=False) as data:
        doc_sites = data["sites"]
        if by_site.frequent.size == 0 and by_site.keys.size == 0:
            return set(), doc_sites
        documents, edge_documents = data["documents"], data["edge_documents"]
        hits = [documents[by_site.hits(data["keys"], doc_sites[documents])],
                edge_documents[by_site.hits(data["edge_keys"], doc_sites[edge_documents])]]
    return set(np.unique(np.concatenate(hits)).tolist()), doc_sites


class LineTable:
    """Saved observations of earlier runs (`--lines-table DIR`): a new batch's boilerplate is
    judged on every batch so far, so a footer seen in 6 documents of each of two batches is
    found in the second. One segment per run, named by the run's fingerprint (a resumed run
    does not add itself twice, nor count itself as an earlier run)."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        if self.folder.exists() and not self.folder.is_dir():
            raise ValueError(f"--lines-table {self.folder} is a file, not a folder")

    def segment(self, stamp: str) -> Path:
        return self.folder / f"segment-{stamp[:16]}.npz"

    def load(self, excluding: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        keys, contexts, variants, documents = [], [], [], 0
        for path in sorted(self.folder.glob("segment-*.npz")) if self.folder.is_dir() else []:
            if path == self.segment(excluding):
                continue
            with np.load(path, allow_pickle=False) as data:
                keys.append(data["keys"])
                contexts.append(data["contexts"])
                variants.append(data["variants"])
                documents += int(data["documents"])
        return _concatenated(keys), _concatenated(contexts), _concatenated(variants), documents

    def append(self, stamp: str, keys: np.ndarray, contexts: np.ndarray, variants: np.ndarray,
               documents: int) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        save_npz(str(self.segment(stamp)), keys=keys, contexts=contexts, variants=variants,
                 documents=np.array(documents))


def _concatenated(arrays: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0, np.uint64)


def run_corpus_lines(job, markers: list[dict[str, Any]], kept_suffix: str, records_per_file: int
                     ) -> tuple[list[dict], dict]:
    """Steps 2 and 3 over the clean stage's kept parts (`markers`, whose tasks observed their
    documents); the apply markers and the summary's entry."""
    config = job.config
    options = config.corpus_lines
    keys, variants, places, documents, doc_sites = _observed(job.parts, markers)
    table = LineTable(options.table) if options.table else None
    earlier = table.load(excluding=job.stamp) if table else None
    frequent, contexts, needed = shared_keys(keys, variants, places, documents, options.min_documents,
                                             options.min_share, options.max_variant_share, earlier)
    sites, site_keys = _site_frequent(options, keys, contexts, variants, doc_sites[places], doc_sites)
    save_npz(job.parts.file(FREQUENT_FILE), frequent=frequent, sites=sites, site_keys=site_keys)
    observed = {m["shard"]: m["files"]["lines"] for m in markers}
    task = _Apply(LineApplyTask(config, job.parts.path, kept_suffix, records_per_file), observed)
    applied = job.run_stage(task,
                            "lines_apply", "removing shared lines", shards_of(job.parts, markers))
    if table:
        table.append(job.stamp, keys, contexts, variants, documents)
    before = earlier[3] if earlier else 0
    entry = {"documents_counted": documents + before, "table_documents": before, "spread_needed": needed,
             "shared_units": int(frequent.size), "site_shared_units": int(site_keys.size),
             "sites": int(np.unique(doc_sites[doc_sites != 0]).size),
             "documents_edited": sum(m["documents_edited"] for m in applied)}
    return applied, entry


def table_frequent(config: Config) -> tuple[np.ndarray, int, int]:
    """The shared keys by a saved table alone (`zhclean explain --lines-table`), the table's
    documents and the spread they needed."""
    keys, contexts, variants, documents = LineTable(config.corpus_lines.table).load(excluding="")
    options = config.corpus_lines
    needed = threshold(documents, options.min_documents, options.min_share)
    return Spread.of(keys, contexts, variants).frequent(needed, options.max_variant_share), documents, needed


@dataclass(frozen=True)
class _Apply:
    """The apply task with each shard's observation file (picklable for the engines)."""

    task: LineApplyTask
    observed: dict[int, str]

    def __call__(self, shard: Shard) -> dict[str, Any]:
        return self.task(shard, self.observed[shard.index])


def _observed(parts: JobDir, markers: list[dict[str, Any]]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, np.ndarray]:
    """Every shard's observations: keys, variants, the document of each (numbered across
    shards), the number of documents and each document's site (0: not known)."""
    keys, variants, places, sites, documents = [], [], [], [], 0
    for marker in markers:
        with np.load(parts.file(marker["files"]["lines"]), allow_pickle=False) as data:
            keys.append(data["keys"])
            variants.append(data["variants"])
            places.append(data["documents"] + documents)
            sites.append(data["sites"])
            documents += int(data["count"])
    return (_concatenated(keys), _concatenated(variants), _concatenated(places).astype(np.int64), documents,
            _concatenated(sites).astype(np.uint64))


def _site_frequent(options, keys: np.ndarray, contexts: np.ndarray, variants: np.ndarray, sites: np.ndarray,
                   doc_sites: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    known, counts = np.unique(doc_sites[doc_sites != 0], return_counts=True)
    site_documents = dict(zip(known.tolist(), counts.tolist(), strict=True))
    return site_frequent(keys, contexts, variants, sites, site_documents, options.site_min_documents,
                         options.site_min_share, options.max_variant_share)


def shared_rows(parts: JobDir, markers: list[dict[str, Any]]) -> bytes:
    """Every shard's removed texts as one list, most documents first."""
    total: Counter[tuple[str, str]] = Counter()
    for path in part_paths(parts, markers, "shared"):
        with open(path, "rb") as f:
            for line in f:
                row = orjson.loads(line)
                total[(row["rule"], row["text"])] += row["documents"]
    ordered = sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))
    return b"".join(orjson.dumps({"text": text, "rule": rule, "documents": n}) + b"\n"
                    for (rule, text), n in ordered)


def write_shared(parts: JobDir, markers: list[dict[str, Any]]) -> str:
    path = parts.file("shared_lines.jsonl")
    write_atomic(path, shared_rows(parts, markers))
    return path
