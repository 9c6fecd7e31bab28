"""A CPU-time budget for a block of code: the backstop that keeps one hostile document from
stalling a worker.

Every step is meant to run in linear time (tests/test_hostile.py), but a user's rule file can
hold an exponential regex and a new input can find a case nobody tried. `budget(seconds)`
arms a profiling timer (CPU seconds of this process, so a loaded machine does not cut a
document short) whose signal raises `OverBudget` in the code it guards. Python's regex engine
checks for signals while it matches, so a runaway pattern is stopped too; a single C call
that never checks (one `unicodedata.normalize`) is stopped when it returns. Where signals
cannot be used (a thread other than the main one, a platform without `setitimer`), the
block runs without a budget.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class OverBudget(BaseException):
    """The guarded block used up its CPU seconds. A BaseException, like KeyboardInterrupt,
    so that no `except Exception` inside a step swallows it (the timer fires once)."""


def _raise(signum: int, frame: object) -> None:
    raise OverBudget


def available() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def budget(seconds: float) -> Iterator[None]:
    """Raise OverBudget inside the block once it has used `seconds` of CPU time (0: no limit)."""
    if seconds <= 0 or not available():
        yield
        return
    previous = signal.signal(signal.SIGPROF, _raise)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


@contextmanager
def paused() -> Iterator[None]:
    """Stop the clock of an enclosing `budget` for the block, then give back what was left:
    for one-time set-up (loading a model) that the first document to need it should not be
    charged for. Outside a budget it does nothing."""
    if not available():
        yield
        return
    remaining, _ = signal.setitimer(signal.ITIMER_PROF, 0)
    try:
        yield
    finally:
        if remaining > 0:
            signal.setitimer(signal.ITIMER_PROF, remaining)
