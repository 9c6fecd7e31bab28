"""The Ray engine: the same shard tasks as the local engine, run by Ray actors.

Each actor is one worker process holding its own tables (a task builds its pipeline once
per process, as local workers do); `map_shards` hands it whole shards, and the actor writes
the shard's part files itself, straight into the job's parts folder, so no record crosses to
the driver: what comes back is the shard's done marker (file names and counts). The parts
folder must therefore be on a filesystem every node sees (a local Ray, or a shared mount
on a cluster); see docs/ray.md. Outputs are identical to the local engine's because the
tasks are the very same code.

Start and stop: without `ray_address`, and unless this process already joined a Ray, the
first stage starts a local Ray with `workers` CPUs, and `close` (the end of the job) shuts
it down again; a Ray the caller started or joined is left as it was. A Ray zhclean starts
comes with a small reaper process: when the driver dies without closing (`kill -9`), it
kills what Ray left within a second (Ray's own two agents would linger for a minute).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from zhclean.engines.base import Task
from zhclean.io.shards import Shard

_started: dict[str, Any] | None = None  # the Ray init_ray started, and its reaper


def require_ray():
    """The `ray` module, or a one-line error saying how to get it."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise ValueError("the Ray engine needs Ray: pip install 'zhclean[ray]'") from None
    return ray


def init_ray(config: Any) -> None:
    """Unless this process already joined a Ray: connect to `config.ray_address` (or to
    `RAY_ADDRESS`, as `ray job submit` sets it), else start a local Ray with `workers` CPUs,
    even when `ray start` runs one on this machine. Ask Ray Data to keep input order."""
    global _started
    ray = require_ray()
    if not ray.is_initialized():
        options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                   "logging_level": logging.WARNING}
        address = config.ray_address or os.environ.get("RAY_ADDRESS")
        if address:
            ray.init(address=address, **options)
            _started = {"reaper": None}
        else:
            before = _children(os.getpid())
            ray.init(address="local", num_cpus=config.worker_count, **options)
            started = {pid: start for pid, start in _children(os.getpid()).items() if before.get(pid) != start}
            _started = {"reaper": _start_reaper(started)}
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)


def shutdown_ray() -> None:
    """Shut down (or disconnect from) the Ray `init_ray` started or joined; a Ray this
    process was already part of is left alone."""
    global _started
    if _started is None:
        return
    reaper, _started = _started["reaper"], None
    try:
        ray = require_ray()
        if ray.is_initialized():
            ray.shutdown()
    finally:
        if reaper is not None:  # its stdin closing is its signal: sweep, then exit
            reaper.stdin.close()
            try:
                reaper.wait(timeout=10)
            except subprocess.TimeoutExpired:
                reaper.kill()


class _ShardRunner:
    """A Ray actor: runs shard tasks in its own process, in the driver's working directory
    (where it exists on the actor's node), so relative paths mean what they meant there."""

    def __init__(self, cwd: str) -> None:
        if os.path.isdir(cwd):
            os.chdir(cwd)

    def run(self, task: Task, shard: Shard) -> tuple[int, Any]:
        return shard.index, task(shard)


class RayEngine:
    """`map_shards` over `workers` Ray actors, started for each call and killed after it."""

    def __init__(self, config: Any) -> None:
        require_ray()  # before the job writes anything
        self.config = config
        self.workers = max(1, config.worker_count)
        self._actors: list = []

    def _start_actors(self, shards: int) -> list:
        """One actor per CPU asked for (`workers` 0: every CPU of the cluster), never more
        than the cluster has: an actor that can never be placed would hold its shard forever."""
        ray = require_ray()
        init_ray(self.config)
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        self.workers = min(self.config.workers, cpus) if self.config.workers > 0 else cpus
        remote = ray.remote(num_cpus=1, max_restarts=0)(_ShardRunner)
        self._actors = [remote.remote(os.getcwd()) for _ in range(min(self.workers, shards))]
        return self._actors

    def map_shards(self, task: Task, shards: Sequence[Shard],
                   on_done: Callable[[Any], None] | None = None) -> list[Any]:
        """`task` over `shards`, one shard at a time per actor; `on_done` as each completes;
        the results in shard order."""
        if not shards:
            return []
        ray = require_ray()
        actors = self._start_actors(len(shards))
        task_ref = ray.put(task)  # shipped once, not with every shard
        queue = list(reversed(shards))
        running: dict[Any, Any] = {}  # result ref -> the actor computing it
        results: dict[int, Any] = {}
        try:
            for actor in actors:
                if queue:
                    running[actor.run.remote(task_ref, queue.pop())] = actor
            while running:
                [ready], _ = ray.wait(list(running), num_returns=1)
                actor = running.pop(ready)
                index, result = _get(ray, ready)
                results[index] = result
                if on_done is not None:
                    on_done(result)
                if queue:
                    running[actor.run.remote(task_ref, queue.pop())] = actor
        finally:
            self._kill_actors()  # give the CPUs back: a later stage may run Ray Data on them
        return [results[shard.index] for shard in shards]

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(*args)` here, in the driver: the actors are gone between stages, and
        starting one takes longer than the small work a call is for."""
        return function(*args)

    def start(self, warm: Callable[[], Any] | None = None) -> None:
        """Actors start with each `map_shards` (they are sized by its shards): nothing now."""

    def terminate(self) -> None:
        self.close()

    def _kill_actors(self) -> None:
        if self._actors:
            ray = require_ray()
            for actor in self._actors:
                ray.kill(actor)
            self._actors = []

    def close(self) -> None:
        """The end of the job: no actor left, and a Ray zhclean started shut down."""
        try:
            self._kill_actors()
        finally:
            shutdown_ray()


def _get(ray: Any, ref: Any) -> Any:
    """A task's result; its failure raised as the local engine would raise it."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as error:  # the task raised: raise what it raised
        cause = getattr(error, "cause", None)
        if isinstance(cause, BaseException):
            raise cause from None
        raise
    except (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError,
            ray.exceptions.LocalRayletDiedError) as error:
        from concurrent.futures.process import BrokenProcessPool

        # The CLI's message for a dead worker: "... the same command with --resume continues".
        raise BrokenProcessPool(f"a Ray actor died: {type(error).__name__}") from error


# ---------------------------------------------------------------- the reaper
# A local Ray's processes are children of the driver (GCS, raylet, dashboard, monitors) and
# grandchildren (the raylet's agents and workers). Ray ties only the children to the
# driver's life; after `kill -9` the two agents stay for about a minute, 80 MB each (they
# report the raylet's death to the dead GCS, with a 60 s timeout). The reaper is a separate
# process that learns that tree while the job runs and, when its stdin closes (the driver
# shut down, or died), kills what is left of it. Linux only (/proc).


def _start_reaper(roots: dict[int, int]) -> subprocess.Popen | None:
    if not roots or not os.path.isdir("/proc/self/task"):
        return None
    spec = ",".join(f"{pid}:{start}" for pid, start in roots.items())
    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = f"import sys; sys.path.insert(0, {package_root!r}); from zhclean.engines.ray_engine import _reap; _reap(sys.argv[1])"
    return subprocess.Popen([sys.executable, "-c", code, spec], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            start_new_session=True)  # not in the terminal's group: Ctrl-C is the driver's


def _reap(spec: str, interval: float = 0.5) -> None:
    """The reaper's body: follow the process trees under `spec` ("pid:start,...") until
    stdin closes, then SIGKILL every process of them still alive (same pid, same start)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    known = {int(pid): int(start) for pid, start in (p.split(":") for p in spec.split(","))}
    closed = threading.Event()

    def follow() -> None:
        while not closed.is_set():
            known.update(_descendants(known))
            closed.wait(interval)

    watcher = threading.Thread(target=follow, daemon=True)
    watcher.start()
    sys.stdin.buffer.read()
    closed.set()
    watcher.join()
    for pid, start in known.items():
        if pid != os.getpid() and _stat(pid)[1] == start:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def _stat(pid: int) -> tuple[int, int]:
    """(parent pid, start time in clock ticks) of a process; (-1, -1) when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return int(fields[1]), int(fields[19])
    except (OSError, IndexError, ValueError):
        return -1, -1


def _children(pid: int) -> dict[int, int]:
    """The children of `pid` with their start times (empty where /proc is missing)."""
    return {child: start for child, (parent, start) in _all_processes().items() if parent == pid}


def _descendants(roots: dict[int, int]) -> dict[int, int]:
    """Every live process under `roots` (each still the process that was seen), with its start."""
    table = _all_processes()
    alive = {pid for pid, start in roots.items() if table.get(pid, (0, -1))[1] == start}
    found = {pid: table[pid][1] for pid in alive}
    frontier = alive
    while frontier:
        frontier = {pid for pid, (parent, _) in table.items() if parent in frontier and pid not in found}
        found.update((pid, table[pid][1]) for pid in frontier)
    return found


def _all_processes() -> dict[int, tuple[int, int]]:
    try:
        pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return {}
    table = {}
    for pid in pids:
        parent, start = _stat(pid)
        if start >= 0:
            table[pid] = (parent, start)
    return table
