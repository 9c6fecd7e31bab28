"""The local engine: shard tasks in N processes on this machine.

Each worker process runs whole shards (reading, cleaning and writing its own part files), so
the driver only plans and finalises; nothing per record crosses a pipe. With one worker, or
one shard, tasks run in the driver's own process. Workers are spawned, not forked (rensa's
Rust thread pool does not survive a fork), ignore Ctrl-C (the driver handles it once) and
exit by themselves within a second when the driver dies, even by `kill -9`.

Standard input cannot be cut into shards: it is one streaming shard, read by the driver,
whose batches the workers clean in order (`StreamingMap`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from zhclean.engines.base import Task
from zhclean.io.shards import Shard


def _start_worker(parent: int, warm: Callable[[], Any] | None) -> None:
    """Worker set-up: `_die_with_parent`, then `warm` (building tables, compiling rules) so
    that it overlaps the driver's planning. A warm-up that fails is left for the first task
    to raise, with its own message."""
    _die_with_parent(parent)
    if warm is not None:
        with contextlib.suppress(Exception):  # the first task raises it again, and reports it
            warm()


def _nothing() -> None:
    """A task that makes the pool start its processes."""


@contextlib.contextmanager
def _children_ignore_ctrl_c():
    """SIGINT ignored while the pool may spawn a process: a spawned interpreter keeps an
    ignored SIGINT ignored from its first instruction (Python installs its KeyboardInterrupt
    handler only over the default), so a Ctrl-C while a worker still imports cannot print a
    traceback from it. The driver misses a Ctrl-C only during the spawn itself."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _submit(pool: ProcessPoolExecutor, function: Callable, *args: Any) -> Future:
    with _children_ignore_ctrl_c():
        return pool.submit(function, *args)


def _die_with_parent(parent: int) -> None:
    """Leave Ctrl-C to the driver, and exit when the driver is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:  # Linux: the kernel kills us with the parent
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def watch() -> None:  # elsewhere, and as a backstop: poll
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="zhclean-parent-watch", daemon=True).start()


class LocalEngine:
    """`map_shards` over a pool of `workers` processes, started on first use."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None
        self._warm: Callable[[], Any] | None = None

    def start(self, warm: Callable[[], Any] | None = None) -> None:
        """Start the worker processes now, each running `warm` once, while the driver goes on
        (planning reads the input). With one worker nothing starts: tasks run in-process."""
        if self.workers == 1 or self._pool is not None:
            return
        self._warm = warm
        _submit(self.pool(), _nothing)  # a spawn pool launches all its processes on first submit

    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start_worker,
                                             initargs=(os.getpid(), self._warm))
        return self._pool

    def map_shards(self, task: Task, shards: Sequence[Shard],
                   on_done: Callable[[Any], None] | None = None) -> list[Any]:
        if self.workers == 1 or len(shards) <= 1:
            return [_reported(task(shard), on_done) for shard in shards]
        results: dict[int, Any] = {}
        futures = {_submit(self.pool(), task, shard): shard.index for shard in shards}
        try:
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    results[futures[future]] = _reported(future.result(), on_done)
        except BaseException:
            self.terminate()
            raise
        return [results[shard.index] for shard in shards]

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(*args)` on one of the workers when they are running (whatever it needs,
        such as the pipeline, is built and warm there), else in this process."""
        if self._pool is None:
            return function(*args)
        return _submit(self._pool, function, *args).result()

    def streaming_map(self, function: Callable[[list], Any]) -> Callable[[Iterable[list]], Iterator[Any]]:
        """`function` over a stream of batches, in order, on the workers: at most
        2 x workers batches in flight, so memory stays flat."""
        if self.workers == 1:
            return lambda batches: (function(batch) for batch in batches)
        return lambda batches: _ordered(self.pool(), function, batches, 2 * self.workers)

    def terminate(self) -> None:
        """Stop now (Ctrl-C, a failed task): cancel what is queued, kill the workers."""
        if self._pool is None:
            return
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        manager = getattr(self._pool, "_executor_manager_thread", None)
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.kill()
        if manager is not None:
            # Wait for the pool's manager thread to wind down: CPython 3.11's exit hook
            # (`concurrent.futures.process._python_exit`) writes to that thread's wake-up pipe
            # without a lock, and if the thread closes the pipe at the same moment the hook
            # prints "OSError: Bad file descriptor" with a traceback after ours (seen in CI).
            manager.join(timeout=5)
        self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def _reported(result: Any, on_done: Callable[[Any], None] | None) -> Any:
    if on_done is not None:
        on_done(result)
    return result


def _ordered(pool: ProcessPoolExecutor, function: Callable, batches: Iterable[list], depth: int) -> Iterator[Any]:
    pending: deque[Future] = deque()
    for batch in batches:
        pending.append(_submit(pool, function, batch))
        if len(pending) >= depth:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
