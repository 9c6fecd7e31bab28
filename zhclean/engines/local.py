"""The local engine: a pipeline over a dataset with N processes on this machine.

Items stream from the readers in batches; at most `2 x workers` batches are in flight, so
memory stays flat however large the input is. Results come back in input order, so the
output with `--workers 2` is byte-identical to `--workers 1`. Each worker builds its own
pipeline (OpenCC converters do not pickle) from the config it is given once.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from zhclean.config import Config
from zhclean.engines.records import process_batch
from zhclean.io.readers import Item
from zhclean.pipeline import Pipeline

BATCH_ITEMS = 256
BATCH_BYTES = 4 << 20

_worker_state: dict[str, Any] = {}


def _init_worker(config: Config) -> None:
    _worker_state["config"] = config
    _worker_state["pipeline"] = Pipeline.from_config(config).prepare_worker()


def _process_batch(batch: list[Item]) -> list[tuple[str, dict[str, Any]]]:
    pipeline, config = _worker_state["pipeline"], _worker_state["config"]
    return process_batch(batch, pipeline, config)


def item_bytes(item: Item) -> int:
    return len(item.raw) if item.raw is not None else 256


def batches(items: Iterable[Item]) -> Iterator[list[Item]]:
    """Group items into batches of at most BATCH_ITEMS items or about BATCH_BYTES bytes."""
    batch: list[Item] = []
    size = 0
    for item in items:
        batch.append(item)
        size += item_bytes(item)
        if len(batch) >= BATCH_ITEMS or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def ordered_map(
    function: Callable[[list[Item]], Any],
    items: Iterable[Item],
    workers: int,
    initializer: Callable[..., None],
    initargs: tuple,
) -> Iterator[tuple[list[Item], Any]]:
    """(batch, function(batch)) for every batch of `items`, in input order, computed by
    `workers` processes with at most 2 x workers batches in flight (in-process for 1)."""
    if workers <= 1:
        initializer(*initargs)
        for batch in batches(items):
            yield batch, function(batch)
        return
    # Spawned, not forked: rensa's Rust thread pool (and any other native threads the parent
    # started) does not survive a fork, and a forked worker calling it deadlocks.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=initializer, initargs=initargs) as pool:
        pending: deque[tuple[list[Item], Future]] = deque()
        for batch in batches(items):
            pending.append((batch, pool.submit(function, batch)))
            if len(pending) >= 2 * workers:
                done_batch, future = pending.popleft()
                yield done_batch, future.result()
        while pending:
            done_batch, future = pending.popleft()
            yield done_batch, future.result()


def run(
    items: Iterable[Item],
    config: Config,
    on_result: Callable[[str, dict[str, Any]], None],
    on_progress: Callable[[int, int], None] | None = None,
) -> None:
    """Clean every item, calling `on_result(kind, record)` in input order."""
    for batch, results in ordered_map(_process_batch, items, config.worker_count, _init_worker, (config,)):
        _deliver(batch, results, on_result, on_progress)


def _deliver(batch, results, on_result, on_progress) -> None:
    for kind, record in results:
        on_result(kind, record)
    if on_progress is not None:
        on_progress(len(batch), sum(item_bytes(i) for i in batch))


class Progress:
    """A rich progress bar on a terminal, plain log lines every few seconds otherwise."""

    def __init__(self, total_bytes: int | None, enabled: bool = True, interval: float = 5.0,
                 label: str = "cleaning") -> None:
        self.total = total_bytes
        self.enabled = enabled
        self.interval = interval
        self.label = label
        self.docs = 0
        self.bytes = 0
        self.start = time.monotonic()
        self._last_log = self.start
        self._bar = None
        if enabled and sys.stderr.isatty():
            from rich.progress import (
                BarColumn,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn(f"[bold]{label}"), BarColumn(), TextColumn("{task.fields[docs]} docs"),
                TextColumn("{task.fields[rate]} docs/s"), TransferSpeedColumn(), TimeRemainingColumn(),
                transient=True,
            )
            self._task = self._bar.add_task(label, total=total_bytes, docs=0, rate=0)
            self._bar.start()

    def update(self, docs: int, nbytes: int) -> None:
        self.docs += docs
        self.bytes += nbytes
        if not self.enabled:
            return
        elapsed = max(time.monotonic() - self.start, 1e-9)
        if self._bar is not None:
            self._bar.update(self._task, completed=self.bytes, docs=f"{self.docs:,}", rate=f"{self.docs / elapsed:,.0f}")
        elif time.monotonic() - self._last_log >= self.interval:
            self._last_log = time.monotonic()
            share = f", {100 * self.bytes / self.total:.0f}%" if self.total else ""
            print(f"zhclean {self.label}: {self.docs:,} docs, {self.bytes / 1e6 / elapsed:.1f} MB/s{share}",
                  file=sys.stderr)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
