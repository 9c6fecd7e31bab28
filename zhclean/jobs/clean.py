"""`zhclean clean`: plan shards, run the clean task over them, finalise the outputs.

The driver plans, schedules through the engine, merges the shards' stats and finalises; it
reads no record itself (except standard input, which is one streaming shard). With
`resume`, shards an interrupted run completed are not run again.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from zhclean.config import Config, check_config
from zhclean.core.outcome import AccountingError
from zhclean.core.stats import RunStats
from zhclean.engines.base import Engine, make_engine
from zhclean.io.shards import (
    MIN_SHARD_BYTES,
    InputFile,
    Plan,
    Shard,
    input_files,
    limited,
    plan_files,
)
from zhclean.jobs.output import OutputSpec, Staging, check_paths, part_paths
from zhclean.jobs.parts import JobDir, fingerprint
from zhclean.jobs.shard_task import CleanTask, clean_batch, worker_pipeline
from zhclean.report.progress import Progress
from zhclean.summary import Summary

# Measured break-even of a second worker (bench/bench_startup.py, docs/speed.md).
BYTES_PER_WORKER = 6 << 20


@dataclass
class Job:
    """What every job driver shares: the plan, the output, the parts folder, the engine."""

    inputs: list[str]
    out: OutputSpec
    config: Config
    plan: Plan
    parts: JobDir
    engine: Engine
    progress: bool
    resumed: bool = False
    started: float = 0.0
    stamp: str = ""  # the fingerprint's hash: what a resumed run shares with the first

    @classmethod
    def open(cls, inputs: list[str], out: OutputSpec, config: Config, progress: bool, resume: bool,
             kind: str) -> Job:
        """Check everything that can be checked before writing, then open the parts folder.
        The workers start (and warm up) as soon as the input's size is known, while the
        driver reads the input to cut it into shards."""
        started = time.monotonic()
        check_config(config)
        files, skipped = input_files(inputs)
        engine = make_engine(config, workers_for(config, files))
        try:
            if _may_have_shards(files):
                engine.start(partial(worker_pipeline, config))
            plan = limited(plan_files(files, skipped, config.shard_bytes), config.limit)
            check_paths(out, inputs)
            parts = JobDir(out.parts_dir)
            stamp = fingerprint(_config_dict(config), _input_stamps(plan), {**out.describe(), "job": kind})
            if resume and any(s.streaming for s in plan.shards):
                raise ValueError("standard input cannot be resumed: give the input as a file")
            resumed = parts.start(stamp, resume)
        except BaseException:
            engine.terminate()
            raise
        return cls(inputs, out, config, plan, parts, engine, progress, resumed, started, stamp["hash"])

    def run_stage(self, task: Callable[[Shard], dict[str, Any]], stage: str, label: str,
                  shards: list[Shard] | None = None) -> list[dict[str, Any]]:
        """`task` over every shard that has no done marker for `stage`; every marker."""
        shards = self.plan.shards if shards is None else shards
        markers = {s.index: self.parts.done(stage, s.index) for s in shards} if self.resumed else {}
        todo = [s for s in shards if markers.get(s.index) is None]
        starting = "starting workers" if self.engine.workers > 1 and len(todo) > 1 else None
        bar = Progress(sum(s.size for s in shards), enabled=self.progress, label=label, starting=starting)
        for marker in markers.values():
            if marker is not None:
                bar.update(marker["stats"]["records_in"], marker.get("bytes", 0))
        try:
            done = self.engine.map_shards(task, todo, on_done=lambda m: bar.update(m["stats"]["records_in"],
                                                                                   m.get("bytes", 0)))
        finally:
            bar.close()
        markers.update({m["shard"]: m for m in done})
        return [markers[s.index] for s in shards]

    def summary(self, stats: RunStats) -> Summary:
        """The run's summary; the report's examples are made of its candidates first."""
        from zhclean.jobs.shard_task import describe_examples

        try:
            stats.observed.describe(lambda candidates: self.engine.call(describe_examples, self.config, candidates))
        except Exception as error:  # noqa: BLE001 - a finished run is never lost for its report's examples
            stats.observed.candidates = {}
            sys.stderr.write(f"zhclean: warning: the report's examples could not be made "
                             f"({type(error).__name__}: {error}); the run is complete\n")
        return Summary(stats, time.monotonic() - self.started, self.engine.workers, len(self.plan.shards),
                       time.process_time(), self.plan.skipped)

    def finish(self, staging: Staging, summary: Summary) -> None:
        """The built outputs into place, the summary last (a finished output is one with a
        summary), then the parts go. Counts that do not add up mean a stage lost or
        doubled records (a bug): nothing is committed, and the parts stay for a report."""
        if not summary.balanced:
            s = summary.stats
            raise AccountingError(
                f"the counts do not add up (in {s.records_in:,}, kept {s.kept:,}, dropped {s.dropped:,}, "
                f"quarantined {s.quarantined:,}, skipped {s.skipped:,}): nothing was written; the parts are kept in "
                f"{self.parts.path} (please report this as a bug)")
        staging.commit(summary.to_json())
        self.parts.remove()

    def close(self) -> None:
        self.engine.close()


def workers_for(config: Config, files: list[InputFile]) -> int:
    """The local engine's worker count: the one asked for, else one per core but no more than
    one per `BYTES_PER_WORKER` of input. A spawned worker costs start-up (a fresh
    interpreter, imports, rules compiled) that a small input never wins back; standard
    input, of unknown size, gets every core."""
    if config.workers > 0:
        return config.workers
    cores = config.worker_count
    if any(f.path == "-" for f in files):
        return cores
    return max(1, min(cores, sum(f.size for f in files) // BYTES_PER_WORKER))


def _may_have_shards(files: list[InputFile]) -> bool:
    """Whether the plan can hold more than one shard (or is standard input, which workers
    clean in batches): else the task runs in the driver and started workers would idle."""
    return any(f.path == "-" for f in files) or sum(f.size for f in files) > MIN_SHARD_BYTES


def _config_dict(config: Config) -> dict[str, Any]:
    """The settings that change outputs (not how many workers make them)."""
    values = dataclasses.asdict(config)
    for key in ("workers", "engine", "ray_address"):
        values.pop(key, None)
    return values


def _input_stamps(plan: Plan) -> list[dict[str, Any]]:
    stamps = []
    for f in plan.files:
        if f.path == "-":
            stamps.append({"path": "-"})
            continue
        info = os.stat(f.path)
        stamps.append({"path": os.path.abspath(f.path), "size": info.st_size, "mtime_ns": info.st_mtime_ns})
    return stamps


def merged(markers: list[dict[str, Any]]) -> RunStats:
    total = RunStats()
    for marker in markers:
        total = total + RunStats.from_dict(marker["stats"])
    return total


def clean_dataset(inputs: list[str], output: str, config: Config, progress: bool = True,
                  shard_format: str = "jsonl", resume: bool = False) -> Summary:
    """Clean every record of `inputs` into `output`; every record ends in exactly one place."""
    out = OutputSpec.of(output, shard_format, config.shard_size)
    job = Job.open(inputs, out, config, progress, resume, "clean")
    try:
        if config.corpus_lines.enabled:
            markers = run_clean_stage(job, ".jsonl", 0)
            kept_markers, stats, shared = with_corpus_lines(job, markers, out.suffix, out.records_per_file)
        else:
            markers = run_clean_stage(job, out.suffix, out.records_per_file)
            kept_markers, stats, shared = markers, merged(markers), None
        staging = Staging(out)
        staging.records(part_paths(job.parts, kept_markers, "kept"))
        staging.side("quarantine", part_paths(job.parts, markers, "quarantine"))
        staging.side("dropped", part_paths(job.parts, markers, "dropped"))
        summary = job.summary(stats)
        if shared:
            staging.side("shared_lines", [shared[0]])
            summary.extra["corpus_lines"] = shared[1]
        job.finish(staging, summary)
        return summary
    finally:
        job.close()


def with_corpus_lines(job: Job, markers: list[dict[str, Any]], suffix: str, records_per_file: int
                      ) -> tuple[list[dict[str, Any]], RunStats, tuple[str, dict[str, Any]]]:
    """The cross-document boilerplate stage over the clean stage's kept parts: its markers
    (whose kept parts are the records now), the counts of both stages, and the side file of
    removed texts with the summary's entry."""
    from zhclean.jobs.corpus_lines import run_corpus_lines, write_shared

    applied, entry = run_corpus_lines(job, markers, suffix, records_per_file)
    return applied, merged(markers) + merged(applied), (write_shared(job.parts, applied), entry)


def dry_run(inputs: list[str], output: str, config: Config, shard_format: str = "jsonl",
            resume: bool = False) -> dict[str, Any]:
    """What a run would read and write, checked as the run checks it (config, inputs, output
    paths), with nothing written and no worker started: `--dry-run`."""
    out = OutputSpec.of(output, shard_format, config.shard_size)
    check_config(config)
    files, skipped = input_files(inputs)
    plan = limited(plan_files(files, skipped, config.shard_bytes), config.limit)
    check_paths(out, inputs)
    formats = Counter(f.format.kind + (f".{f.format.compression}" if f.format.compression else "") for f in files)
    parts = JobDir(out.parts_dir)
    return {"files": len(files), "bytes": plan.total_bytes, "formats": dict(formats),
            "skipped_files": dict(skipped), "shards": len(plan.shards), "workers": workers_for(config, files),
            "limit": config.limit or None, "writes": out.written_paths(),
            "resumable": resume and os.path.exists(parts.file("job.json"))}


def run_clean_stage(job: Job, suffix: str, records_per_file: int) -> list[dict[str, Any]]:
    """The clean task over every shard (standard input streamed through the driver)."""
    from zhclean.jobs.corpus_lines import clean_stage_config, deferred_notice

    task = CleanTask(clean_stage_config(job.config), job.parts.path, suffix, records_per_file,
                     count_lines=job.config.corpus_lines.enabled, notice_after_count=deferred_notice(job.config))
    streaming = [s for s in job.plan.shards if s.streaming]
    if streaming:
        return [_run_streaming(job, task, streaming[0])]
    return job.run_stage(task, "clean", "cleaning")


def _run_streaming(job: Job, task: CleanTask, shard: Shard) -> dict[str, Any]:
    """Standard input: the driver reads, the engine's workers clean batches in order (an
    engine that cannot stream leaves the cleaning to the driver's own process)."""
    from functools import partial

    bar = Progress(None, enabled=job.progress and not sys.stdin.isatty(), label="cleaning")
    streaming_map = getattr(job.engine, "streaming_map", None)
    mapper = streaming_map(partial(clean_batch, job.config)) if streaming_map else None

    def counted(batches):
        for results in (mapper or partial(map, partial(clean_batch, job.config)))(batches):
            bar.update(len(results), 0)
            yield results

    try:
        return task(shard, mapper=counted)
    finally:
        bar.close()
