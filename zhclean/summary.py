"""The end-of-run summary: where every record went, what each step did, how fast.

The counts are the sum of what the shard tasks counted (`RunStats`), so `in = kept +
dropped + quarantined + skipped` is a check, not a construction: a record no shard accounted for
shows up as an imbalance. The summary is printed (a rich table on a terminal) and written
as JSON next to the output.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from zhclean.core.stats import RunStats

# Summary keys that vary from run to run (wall and CPU time): everything else in a summary is
# the same for the same input and config, on any engine and after any resume.
TIMING_KEYS = ("seconds", "mb_per_s", "cpu_seconds", "stage_seconds")


@dataclass
class Summary:
    stats: RunStats = field(default_factory=RunStats)
    seconds: float = 0.0
    workers: int = 1
    shards: int = 0
    driver_cpu_seconds: float = 0.0
    skipped_files: Counter = field(default_factory=Counter)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def records_in(self) -> int:
        return self.stats.records_in

    @property
    def kept(self) -> int:
        return self.stats.kept

    @property
    def dropped(self) -> int:
        return self.stats.dropped

    @property
    def quarantined(self) -> int:
        return self.stats.quarantined

    @property
    def balanced(self) -> bool:
        return self.stats.balanced

    @property
    def mb_per_s(self) -> float:
        return self.stats.bytes_in / 1e6 / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        s = self.stats
        return {
            "in": s.records_in,
            "kept": s.kept,
            "dropped": s.dropped,
            "quarantined": s.quarantined,
            "skipped": s.skipped,
            "balanced": s.balanced,
            "chars_in": s.chars_in,
            "chars_out": s.chars_out,
            "edits": dict(sorted(s.edits.items())),
            "quarantine_reasons": dict(s.quarantine_reasons.most_common()),
            "dropped_reasons": dict(s.dropped_reasons.most_common()),
            "skipped_reasons": dict(s.skipped_reasons.most_common()),
            "skipped_files": dict(self.skipped_files.most_common()),
            "bytes_in": s.bytes_in,
            "seconds": round(self.seconds, 3),
            "mb_per_s": round(self.mb_per_s, 2),
            "workers": self.workers,
            "shards": self.shards,
            "cpu_seconds": {"tasks": round(s.cpu_seconds, 3), "driver": round(self.driver_cpu_seconds, 3)},
            **self.extra,
            "observed": s.observed.as_dict(),
        }

    def to_json(self) -> bytes:
        import orjson

        return orjson.dumps(self.as_dict(), option=orjson.OPT_INDENT_2)

    def render(self, console) -> None:
        """Print the summary as a rich table."""
        from rich.table import Table

        s = self.stats
        table = Table(title="zhclean summary", show_header=False, title_justify="left")
        table.add_column(style="bold")
        table.add_column(justify="right")
        table.add_row("records in", f"{s.records_in:,}")
        table.add_row("kept", f"{s.kept:,}")
        table.add_row("dropped", f"{s.dropped:,}")
        for reason, n in s.dropped_reasons.most_common(5):
            table.add_row(f"  dropped: {reason}", f"{n:,}")
        table.add_row("quarantined", f"{s.quarantined:,}")
        for reason, n in s.quarantine_reasons.most_common(5):
            table.add_row(f"  quarantine: {reason}", f"{n:,}")
        if s.skipped:
            table.add_row("skipped (no document)", f"{s.skipped:,}")
            for reason, n in s.skipped_reasons.most_common(5):
                table.add_row(f"  skipped: {reason}", f"{n:,}")
        parts = "kept + dropped + quarantined" + (" + skipped" if s.skipped else "")
        check = f"[green]in = {parts}[/]" if s.balanced else "[red]COUNTS DO NOT ADD UP[/]"
        table.add_row("", check)
        for ext, n in self.skipped_files.most_common(5):
            table.add_row(f"  skipped files {ext}", f"{n:,}")
        if s.chars_in:  # only when this run cleaned (a dedup of cleaned records does not)
            table.add_row("chars in → out", f"{s.chars_in:,} → {s.chars_out:,}")
        for step, n in sorted(s.edits.items()):
            table.add_row(f"  edits: {step}", f"{n:,}")
        for key, value in self.extra.items():
            if not isinstance(value, dict | list):
                table.add_row(key.replace("_", " "), f"{value:,}" if isinstance(value, int) else str(value))
        for cluster in self.extra.get("largest_clusters", [])[:3]:
            table.add_row(f"  cluster {cluster['cluster_id']}", f"{cluster['size']:,} docs")
        table.add_row("time", f"{self.seconds:.1f} s, {self.mb_per_s:.1f} MB/s on {self.workers} worker(s),"
                              f" {self.shards} shard(s)")
        console.print(table)
