"""Progress of a run: a rich bar on a terminal, plain log lines every few seconds otherwise."""

from __future__ import annotations

import sys
import time


class Progress:
    """A rich progress bar on a terminal, plain log lines every few seconds otherwise."""

    def __init__(self, total_bytes: int | None, enabled: bool = True, interval: float = 5.0,
                 label: str = "cleaning", starting: str | None = None) -> None:
        """`starting` is shown (with a spinner) instead of `label` until the first update:
        what the run does before any shard is done, such as "starting workers"."""
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
                SpinnerColumn,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                SpinnerColumn(), TextColumn("[bold]{task.fields[stage]}"), BarColumn(),
                TextColumn("{task.fields[docs]} docs"), TextColumn("{task.fields[rate]} docs/s"),
                TransferSpeedColumn(), TimeRemainingColumn(), transient=True,
            )
            self._task = self._bar.add_task(label, total=total_bytes, docs=0, rate=0, stage=starting or label)
            self._bar.start()

    def update(self, docs: int, nbytes: int) -> None:
        self.docs += docs
        self.bytes += nbytes
        if not self.enabled:
            return
        elapsed = max(time.monotonic() - self.start, 1e-9)
        if self._bar is not None:
            self._bar.update(self._task, completed=self.bytes, docs=f"{self.docs:,}", rate=f"{self.docs / elapsed:,.0f}",
                             stage=self.label)
        elif time.monotonic() - self._last_log >= self.interval:
            self._last_log = time.monotonic()
            share = f", {100 * self.bytes / self.total:.0f}%" if self.total else ""
            print(f"zhclean {self.label}: {self.docs:,} docs, {self.bytes / 1e6 / elapsed:.1f} MB/s{share}",
                  file=sys.stderr)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
