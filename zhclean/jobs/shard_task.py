"""The shard task: read one shard, clean it, write its own part files, mark it done.

The same function runs in a local worker process, in a Ray actor or, for standard input and
one-worker runs, in the driver. It returns the done marker (file names and stats), which is
all the driver needs: no record crosses back.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any
from urllib.parse import urlsplit

from zhclean.config import Config
from zhclean.core.observe import Candidate, describe_candidates
from zhclean.core.stats import RunStats
from zhclean.engines.records import DROPPED, KEPT, SKIPPED, Outcomes, batches, process_batch
from zhclean.io.shards import Item, Shard, bytes_read, line_limit, shard_items
from zhclean.jobs.parts import JobDir, PartWriter, RollingPart, jsonl_opener, save_npz
from zhclean.pipeline import Pipeline

_pipelines: dict[int, Pipeline] = {}
Mapper = Callable[[Iterable[list[Item]]], Iterator[Outcomes]]


def worker_pipeline(config: Config, warm: bool = True) -> Pipeline:
    """This process's pipeline for `config`, built once: warmed (every table and converter
    loaded) when `warm`, as a worker starting while the driver plans the shards wants; a
    shard cleaned in the driver itself loads only what its documents touch (a Simplified
    record needs no OpenCC converter: one record takes 0.1 s less)."""
    key = hash(repr(config))
    if key not in _pipelines:
        pipeline = Pipeline.from_config(config)
        _pipelines[key] = pipeline.prepare_worker() if warm else pipeline
    return _pipelines[key]


def describe_examples(config: Config, candidates: dict[str, list[Candidate]]) -> dict[str, list[dict[str, Any]]]:
    """The report's examples of a run's candidates; run where the pipeline is built (a
    worker, or the driver of a one-worker run), by `Engine.call`."""
    return describe_candidates(worker_pipeline(config, warm=False), candidates)


def kept_opener(suffix: str) -> Callable[[str], Any]:
    if suffix == ".parquet":
        from zhclean.io.parquet import ParquetPartWriter

        return ParquetPartWriter
    return jsonl_opener


@dataclass(frozen=True)
class CleanTask:
    """Clean one shard into `parts_dir`; picklable, so any engine can ship it."""

    config: Config
    parts_dir: str
    kept_suffix: str = ".jsonl"  # the output's format: parts are concatenated as they are
    records_per_file: int = 0
    stage: str = "clean"
    count_lines: bool = False  # observe kept documents for the corpus-lines stage
    notice_after_count: bool = False  # then run the notice step (`corpus_lines.deferred_notice`)

    def __call__(self, shard: Shard, mapper: Mapper | None = None) -> dict[str, Any]:
        """`mapper` cleans batches elsewhere (the driver's pool, for standard input)."""
        start = time.process_time()
        job = JobDir(self.parts_dir)
        stem = job.file(job.shard_stem(shard.index))
        kept = RollingPart(f"{stem}.kept", self.kept_suffix, kept_opener(self.kept_suffix), self.records_per_file)
        quarantine = PartWriter(f"{stem}.quarantine.jsonl", jsonl_opener)
        dropped = PartWriter(f"{stem}.dropped.jsonl", jsonl_opener)
        stats = RunStats()
        observer = _observer() if self.count_lines else None
        try:
            for batch, results in self._results(shard, mapper):
                stats.bytes_in += sum(item.size for item in batch)
                stats.observed.absorb(results.observed)
                for kind, out in results:
                    if kind == KEPT:
                        if observer:
                            observer.add(out[self.config.text_field], site_hash(out))
                            if self.notice_after_count:
                                self._notice_step(out, stats)
                        kept.write(out)
                        stats.add_kept(out["zhclean"])
                    elif kind == DROPPED:
                        dropped.write(out.as_row())
                        stats.add_dropped(out.by, out.reason)
                    elif kind == SKIPPED:
                        stats.add_skipped(out)
                    else:
                        quarantine.write(out.as_row())
                        stats.add_quarantined(out.reason.value, out.rows)
            files = {"kept": kept.commit(), "quarantine": quarantine.commit(), "dropped": dropped.commit()}
            if observer:
                save_npz(f"{stem}.lines.npz", **observer.arrays())
                files["lines"] = os.path.basename(f"{stem}.lines.npz")
            stats.bytes_in = bytes_read(shard, stats.bytes_in)
        except BaseException:
            kept.abort()
            quarantine.abort()
            dropped.abort()
            raise
        stats.cpu_seconds = time.process_time() - start
        return job.mark_done(self.stage, shard.index, files, stats, {"bytes": shard.size})

    def _notice_step(self, record: dict[str, Any], stats: RunStats) -> None:
        """The deferred notice step on a kept record, its edits in the report's counters: a
        step counts the record as changed only if the first cleaning had not."""
        before = dict(record["zhclean"]["edits"])
        late = with_notice_step(record, self.config)
        if late:
            stats.observed.changed.update(step for step, n in late.items() if n and not before.get(step))
            stats.observed.rules["notice/notice_sentence"] += late.get("notice", 0)

    def _results(self, shard: Shard, mapper: Mapper | None) -> Iterator[tuple[list[Item], Outcomes]]:
        """(batch, its results) in order; the batches are cleaned by `mapper`, or here."""
        mapper = mapper or partial(map, partial(clean_batch, self.config))
        pending: deque[list[Item]] = deque()

        def remembered() -> Iterator[list[Item]]:
            for batch in batches(shard_items(shard, line_limit(self.config.max_chars))):
                pending.append(batch)
                yield batch

        for results in mapper(remembered()):
            yield pending.popleft(), results


def site_hash(record: dict[str, Any]) -> int:
    """A 64-bit id of the record's site (`source_domain`, else the host of `url`; `www.` and
    case ignored), 0 when it has none: the corpus-lines stage counts per site too."""
    site = record.get("source_domain")
    if not isinstance(site, str) or not site.strip():
        url = record.get("url")
        try:
            site = urlsplit(url.strip()).hostname if isinstance(url, str) else None
        except ValueError:
            site = None
    if not site:
        return 0
    name = site.strip().lower().removeprefix("www.")
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8", "replace"), digest_size=8).digest(), "little") or 1


def with_notice_step(record: dict[str, Any], config: Config) -> dict[str, int]:
    """`record` (a kept output, cleaned with `config`, which skips the notice step) after the
    notice step, and after the other steps again over what it exposed, as the pipeline
    settles it (`StepSpec.exposes`); its counts and the fields it had not found updated.
    Returns the edits it made, by step (none: the notice step found nothing)."""
    from zhclean.pipeline import FIELD_KEYS, SETTLE_PASSES

    text = new = record[config.text_field]
    edits: dict[str, int] = {}
    meta = record.get("zhclean") if isinstance(record.get("zhclean"), dict) else {}
    for _ in range(SETTLE_PASSES):
        step = notice_step(new)
        if not step.edits:
            break
        edits["notice"] = edits.get("notice", 0) + step.edits
        again = _steps_only(config).clean(step.text)
        new = again.text
        for name, n in again.meta["edits"].items():
            if n:
                edits[name] = edits.get(name, 0) + n
        for key in FIELD_KEYS:
            if meta.get(key) is None and again.meta.get(key) is not None:
                meta[key] = again.meta[key]
    if edits:
        record_edits(record, config, new, edits, len(text) - len(new))
    return edits


_steps_pipelines: dict[int, Pipeline] = {}


def _steps_only(config: Config) -> Pipeline:
    """This process's pipeline of `config`'s steps without its filters."""
    key = hash(repr(config))
    if key not in _steps_pipelines:
        _steps_pipelines[key] = Pipeline.from_config(dataclasses.replace(config, filters=()))
    return _steps_pipelines[key]


def notice_step(text: str):
    function, options = _notice()
    return function(text, {}, options, False)


@lru_cache(maxsize=1)
def _notice() -> tuple[Callable, Any]:
    from zhclean.steps import REGISTRY

    spec = REGISTRY["notice"]
    return spec.function, spec.make_options(None)


def record_edits(record: dict[str, Any], config: Config, text: str, edits: dict[str, int], chars: int) -> None:
    record[config.text_field] = text
    meta = record.get("zhclean")
    if isinstance(meta, dict):
        counts = meta.setdefault("edits", {})
        for step, n in edits.items():
            counts[step] = counts.get(step, 0) + n
        if isinstance(meta.get("chars_out"), int):
            meta["chars_out"] -= chars


def _observer():
    from zhclean.stages.corpus_lines import LineObserver

    return LineObserver()


def clean_batch(config: Config, batch: list[Item]) -> Outcomes:
    """One batch through this process's pipeline: a worker's, warmed when it started, or,
    in the driver, one that loads its tables as the documents need them."""
    return process_batch(batch, worker_pipeline(config, warm=False), config)
