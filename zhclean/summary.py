"""The end-of-run summary: where every record went, what each step did, how fast.

`in = kept + dropped + quarantined` always holds; the summary is printed (a rich table on a
terminal) and written as JSON next to the output.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Summary:
    records_in: int = 0
    kept: int = 0
    dropped: int = 0
    quarantined: int = 0
    chars_in: int = 0
    chars_out: int = 0
    bytes_in: int = 0
    seconds: float = 0.0
    workers: int = 1
    edits: Counter = field(default_factory=Counter)
    quarantine_reasons: Counter = field(default_factory=Counter)
    extra: dict[str, Any] = field(default_factory=dict)

    def add_kept(self, meta: dict[str, Any]) -> None:
        self.records_in += 1
        self.kept += 1
        self.chars_in += meta["chars_in"]
        self.chars_out += meta["chars_out"]
        self.edits.update(meta["edits"])

    def add_quarantined(self, reason: str) -> None:
        self.records_in += 1
        self.quarantined += 1
        self.quarantine_reasons[reason.split(":")[0]] += 1

    @property
    def balanced(self) -> bool:
        return self.records_in == self.kept + self.dropped + self.quarantined

    @property
    def mb_per_s(self) -> float:
        return self.bytes_in / 1e6 / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "in": self.records_in,
            "kept": self.kept,
            "dropped": self.dropped,
            "quarantined": self.quarantined,
            "balanced": self.balanced,
            "chars_in": self.chars_in,
            "chars_out": self.chars_out,
            "edits": dict(sorted(self.edits.items())),
            "quarantine_reasons": dict(self.quarantine_reasons.most_common()),
            "bytes_in": self.bytes_in,
            "seconds": round(self.seconds, 3),
            "mb_per_s": round(self.mb_per_s, 2),
            "workers": self.workers,
            **self.extra,
        }

    def write(self, path: str) -> None:
        """Write the summary as JSON (next to the output)."""
        import orjson

        with open(path, "wb") as f:
            f.write(orjson.dumps(self.as_dict(), option=orjson.OPT_INDENT_2))

    def render(self, console) -> None:
        """Print the summary as a rich table."""
        from rich.table import Table

        table = Table(title="zhclean summary", show_header=False, title_justify="left")
        table.add_column(style="bold")
        table.add_column(justify="right")
        table.add_row("records in", f"{self.records_in:,}")
        table.add_row("kept", f"{self.kept:,}")
        table.add_row("dropped", f"{self.dropped:,}")
        table.add_row("quarantined", f"{self.quarantined:,}")
        check = "[green]in = kept + dropped + quarantined[/]" if self.balanced else "[red]COUNTS DO NOT ADD UP[/]"
        table.add_row("", check)
        for reason, n in self.quarantine_reasons.most_common(5):
            table.add_row(f"  quarantine: {reason}", f"{n:,}")
        if self.chars_in:  # only when this run cleaned (a dedup of cleaned records does not)
            table.add_row("chars in → out", f"{self.chars_in:,} → {self.chars_out:,}")
        for step, n in sorted(self.edits.items()):
            table.add_row(f"  edits: {step}", f"{n:,}")
        for key, value in self.extra.items():
            if not isinstance(value, dict | list):
                table.add_row(key.replace("_", " "), f"{value:,}" if isinstance(value, int) else str(value))
        for cluster in self.extra.get("largest_clusters", [])[:3]:
            table.add_row(f"  cluster {cluster['cluster_id']}", f"{cluster['size']:,} docs")
        table.add_row("time", f"{self.seconds:.1f} s, {self.mb_per_s:.1f} MB/s on {self.workers} worker(s)")
        console.print(table)
