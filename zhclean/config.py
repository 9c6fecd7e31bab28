"""Run configuration: defaults, a `zhclean.toml` file, then command-line flags, in that order.

Every key is documented in `docs/configuration.md` and in the example `zhclean.toml` at the
root of the repository. Unknown keys are errors, not silently ignored: a typo in a config
file must not quietly turn a step off.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_SECTIONS = {"clean", "io", "engine", "steps", "dedup"}


@dataclass(frozen=True)
class DedupConfig:
    threshold: float = 0.8  # Jaccard similarity of character 5-gram sets
    ngram: int = 5
    num_perm: int = 128
    keep_all: bool = False  # annotate every record instead of dropping duplicates
    index: str | None = None  # folder of a persistent signature index


@dataclass(frozen=True)
class Config:
    """Everything a run needs to know, besides its input and output paths."""

    steps: tuple[str, ...] = ()  # empty: the default order of SPEC.md
    skip: tuple[str, ...] = ()
    step_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    text_field: str = "text"
    id_field: str = "id"
    max_chars: int = 10_000_000  # longer records go to quarantine
    shard_size: int = 0  # records per output shard; 0 = one file
    workers: int = 0  # 0 = all cores
    engine: str = "local"
    ray_address: str | None = None
    dedup: DedupConfig = field(default_factory=DedupConfig)

    def with_overrides(self, **values: Any) -> Config:
        """A copy with CLI-style overrides; `None` means "not given". `script="simplified"`,
        `rules=[...]` and `threshold=` are shortcuts into step and dedup options."""
        values = {k: v for k, v in values.items() if v is not None}
        step_options = {k: dict(v) for k, v in self.step_options.items()}
        dedup = self.dedup
        if "script" in values:
            step_options.setdefault("script", {})["mode"] = values.pop("script")
        if "rules" in values:
            rules = tuple(values.pop("rules"))
            if rules:
                step_options.setdefault("boilerplate", {})["rules"] = rules
        dedup_keys = {f.name for f in dataclasses.fields(DedupConfig)}
        dedup_values = {k: values.pop(k) for k in list(values) if k in dedup_keys}
        if dedup_values:
            dedup = dataclasses.replace(dedup, **dedup_values)
        for key in ("steps", "skip"):
            if key in values:
                values[key] = tuple(values[key])
        known = {f.name for f in dataclasses.fields(Config)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(unknown)}")
        return dataclasses.replace(self, step_options=step_options, dedup=dedup, **values)

    @property
    def worker_count(self) -> int:
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)


def _check_keys(table: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ValueError(f"unknown key(s) in [{where}]: {', '.join(unknown)}")


def config_from_dict(data: dict[str, Any]) -> Config:
    """Build a Config from the parsed TOML layout (see the example zhclean.toml)."""
    _check_keys(data, _SECTIONS, "top level")
    clean, io, engine = data.get("clean", {}), data.get("io", {}), data.get("engine", {})
    _check_keys(clean, {"steps", "skip"}, "clean")
    _check_keys(io, {"text_field", "id_field", "max_chars", "shard_size"}, "io")
    _check_keys(engine, {"name", "workers", "ray_address"}, "engine")
    dedup_fields = {f.name for f in dataclasses.fields(DedupConfig)}
    _check_keys(data.get("dedup", {}), dedup_fields, "dedup")
    return Config(
        steps=tuple(clean.get("steps", ())),
        skip=tuple(clean.get("skip", ())),
        step_options={k: dict(v) for k, v in data.get("steps", {}).items()},
        text_field=io.get("text_field", "text"),
        id_field=io.get("id_field", "id"),
        max_chars=int(io.get("max_chars", Config.max_chars)),
        shard_size=int(io.get("shard_size", 0)),
        workers=int(engine.get("workers", 0)),
        engine=engine.get("name", "local"),
        ray_address=engine.get("ray_address") or None,
        dedup=DedupConfig(**data.get("dedup", {})),
    )


def load_config(path: str | os.PathLike | None = None) -> Config:
    """The defaults, or the settings of a TOML file."""
    if path is None:
        return Config()
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return config_from_dict(data)
