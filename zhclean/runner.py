"""Run `clean` over a dataset: readers → engine → writers, with side files and the summary."""

from __future__ import annotations

import time
from pathlib import Path

from zhclean.config import Config
from zhclean.engines.records import KEPT
from zhclean.io.readers import expand_inputs, input_size, iter_items
from zhclean.io.writers import JsonlWriter, open_writer, side_paths
from zhclean.summary import Summary


def _engine_run(config: Config):
    """`run(files, config, on_result, on_progress)` of the configured engine."""
    if config.engine == "local":
        from zhclean.engines import local

        return lambda files, *args: local.run(iter_items(files), *args)
    if config.engine == "ray":
        from zhclean.engines import ray_engine

        ray_engine.require_ray()
        return ray_engine.run_files
    raise ValueError(f"unknown engine {config.engine!r} (known: local, ray)")


def clean_dataset(
    inputs: list[str], output: str, config: Config, progress: bool = True, shard_format: str = "jsonl"
) -> Summary:
    """Clean every record of `inputs` into `output`; every record ends in exactly one place."""
    from zhclean.engines.local import Progress

    files = expand_inputs(inputs)
    run = _engine_run(config)
    sides = side_paths(output)
    writer = open_writer(output, config.shard_size, shard_format)
    Path(sides["quarantine"]).parent.mkdir(parents=True, exist_ok=True)
    quarantine = JsonlWriter(sides["quarantine"])
    dropped = JsonlWriter(sides["dropped"])
    summary = Summary(workers=config.worker_count)
    bar = Progress(input_size(files), enabled=progress)
    start = time.monotonic()

    def on_result(kind: str, record: dict) -> None:
        if kind == KEPT:
            writer.write(record)
            summary.add_kept(record["zhclean"])
        else:
            quarantine.write(record)
            summary.add_quarantined(record["error"])

    try:
        run(files, config, on_result, bar.update)
    finally:
        bar.close()
        writer.close()
        quarantine.close()
        dropped.close()
    summary.seconds = time.monotonic() - start
    summary.bytes_in = bar.bytes
    summary.write(sides["summary"])
    return summary
