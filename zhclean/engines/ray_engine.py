"""The Ray engine: the same shard tasks as the local engine, run by Ray actors.

Each actor is one worker process holding its own tables (a task builds its pipeline once
per process, as local workers do); `map_shards` hands it whole shards through Ray's
`ActorPool`, and the actor writes the shard's part files itself, straight into the job's
parts folder, so no record crosses to the driver. The parts folder must therefore be on a
filesystem every node sees (a local Ray, or a shared mount on a cluster); see docs/ray.md.
Outputs are identical to the local engine's because the tasks are the very same code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from zhclean.engines.base import Task
from zhclean.io.shards import Shard


def require_ray():
    """The `ray` module, or a one-line error saying how to get it."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise ValueError("the Ray engine needs Ray: pip install 'zhclean[ray]'") from None
    return ray


def init_ray(config: Any) -> None:
    """Connect to `config.ray_address`, or start a local Ray with `workers` CPUs (unless this
    process already joined one), and ask Ray Data to keep input order."""
    ray = require_ray()
    if not ray.is_initialized():
        options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                   "logging_level": logging.WARNING}
        if config.ray_address:
            ray.init(address=config.ray_address, **options)
        else:
            ray.init(num_cpus=config.worker_count, **options)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)


class _ShardRunner:
    """A Ray actor: runs shard tasks in its own process."""

    def run(self, task: Task, shard: Shard) -> Any:
        return task(shard)


class RayEngine:
    """`map_shards` over a pool of `workers` Ray actors."""

    def __init__(self, config: Any) -> None:
        require_ray()  # before the job writes anything
        self.config = config
        self.workers = max(1, config.worker_count)
        self._actors: list | None = None

    def _pool(self):
        ray = require_ray()
        init_ray(self.config)
        if self._actors is None:
            remote = ray.remote(num_cpus=1)(_ShardRunner)
            self._actors = [remote.remote() for _ in range(self.workers)]
        from ray.util import ActorPool

        return ActorPool(self._actors)

    def map_shards(self, task: Task, shards: Sequence[Shard],
                   on_done: Callable[[Any], None] | None = None) -> list[Any]:
        if not shards:
            return []
        results = []
        try:
            for result in self._pool().map(lambda actor, shard: actor.run.remote(task, shard), list(shards)):
                results.append(result)
                if on_done is not None:
                    on_done(result)
        finally:
            self.close()  # give the CPUs back: a later stage may run Ray Data on them
        return results

    def close(self) -> None:
        if self._actors is not None:
            ray = require_ray()
            for actor in self._actors:
                ray.kill(actor)
            self._actors = None
