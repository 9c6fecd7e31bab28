"""Counts a shard task keeps while it works, mergeable with `+` and written as JSON.

The run's summary is the sum of its shards' stats: the driver counts nothing itself, so a
record a shard never saw cannot be counted as seen. Keys are bounded whatever the input:
quarantine reasons are codes, drops are `filter/reason`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any

from zhclean.core.observe import Observations

_COUNTERS = ("edits", "quarantine_reasons", "dropped_reasons", "skipped_reasons")


@dataclass
class RunStats:
    records_in: int = 0  # records read (a corrupt row group counts its rows)
    kept: int = 0
    dropped: int = 0
    quarantined: int = 0
    skipped: int = 0  # container records that hold no document (a WARC request, an image response)
    chars_in: int = 0
    chars_out: int = 0
    bytes_in: int = 0
    cpu_seconds: float = 0.0  # process time of the tasks, for the engine's overhead figures
    edits: Counter = field(default_factory=Counter)
    quarantine_reasons: Counter = field(default_factory=Counter)
    dropped_reasons: Counter = field(default_factory=Counter)
    skipped_reasons: Counter = field(default_factory=Counter)
    observed: Observations = field(default_factory=Observations)  # the report's counters

    def add_kept(self, meta: dict[str, Any] | None) -> None:
        self.records_in += 1
        self.kept += 1
        if meta is not None:
            self.chars_in += meta["chars_in"]
            self.chars_out += meta["chars_out"]
            self.edits.update(meta["edits"])

    def add_quarantined(self, reason: str, rows: int = 1) -> None:
        self.records_in += rows
        self.quarantined += rows
        self.quarantine_reasons[reason] += rows

    def add_dropped(self, by: str, reason: str, counted_in: bool = True) -> None:
        """A drop; `counted_in=False` when an earlier stage already counted the record in."""
        if counted_in:
            self.records_in += 1
        self.dropped += 1
        self.dropped_reasons[f"{by}/{reason}"] += 1

    def add_skipped(self, reason: str) -> None:
        self.records_in += 1
        self.skipped += 1
        self.skipped_reasons[reason] += 1

    @property
    def balanced(self) -> bool:
        return self.records_in == self.kept + self.dropped + self.quarantined + self.skipped

    def __add__(self, other: RunStats) -> RunStats:
        merged = RunStats()
        for f in fields(self):
            setattr(merged, f.name, getattr(self, f.name) + getattr(other, f.name))
        return merged

    def as_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in _COUNTERS:
            out[name] = dict(sorted(out[name].items()))
        out["observed"] = self.observed.as_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunStats:
        values = {f.name: data.get(f.name, f.default if f.name not in _COUNTERS else {})
                  for f in fields(cls) if f.name != "observed"}
        for name in _COUNTERS:
            values[name] = Counter(values[name])
        values["observed"] = Observations.from_dict(data.get("observed"))
        return cls(**values)
