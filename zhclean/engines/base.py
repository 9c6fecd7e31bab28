"""What an engine is: something that runs a task over shards and hands back the results.

Engines schedule; they know nothing of cleaning, dedup or files. A task is a picklable
callable `task(shard) -> result` that writes its own outputs; `map_shards` returns the
results in shard order and calls `on_done(result)` as each shard completes (for progress).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from zhclean.io.shards import Shard

Task = Callable[[Shard], Any]


class Engine(Protocol):
    workers: int

    def start(self, warm: Callable[[], Any] | None = None) -> None:
        """Start workers ahead of the first task, each running `warm` once (optional)."""

    def map_shards(self, task: Task, shards: Sequence[Shard],
                   on_done: Callable[[Any], None] | None = None) -> list[Any]: ...

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(*args)` once, where it is cheapest (small work after a stage)."""

    def terminate(self) -> None:
        """Stop at once: a failed start, Ctrl-C."""

    def close(self) -> None: ...


def make_engine(config: Any, workers: int | None = None) -> Engine:
    """The engine a config names; `workers` overrides the local engine's count (the driver
    sizes it to the input)."""
    if config.engine == "local":
        from zhclean.engines.local import LocalEngine

        return LocalEngine(workers or config.worker_count)
    if config.engine == "ray":
        from zhclean.engines.ray_engine import RayEngine

        return RayEngine(config)
    raise ValueError(f"unknown engine {config.engine!r} (known: local, ray)")
