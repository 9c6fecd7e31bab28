"""Seconds each cleaning step takes on hostile input (issue 22), as a markdown table.

The families are tests/test_hostile.py's: each attacks one step. Each family runs in a child
process at 10 K, 100 K and 1 M characters (`--sizes`; issue 22 asks for 10 M as well) (CPU seconds, the step alone through
`Pipeline(steps=[step])`, or `--pipeline` for the whole default pipeline); a size that takes
longer than --timeout shows "—" and the larger sizes are not tried.
Usage: python bench/bench_hostile.py [--timeout 60] [--pipeline] [--sizes 10000,100000,1000000,10000000]
       [--family NAME ...]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = (10_000, 100_000, 1_000_000)

_CHILD = """
import sys, time
sys.path.insert(0, {tests!r})
from test_hostile import FAMILIES
import zhclean
from zhclean.pipeline import Pipeline
step, generate = FAMILIES[{family!r}]
run = zhclean.clean if {pipeline!r} else Pipeline(steps=[step]).clean
run(generate(1000))
for size in {sizes!r}:
    text = generate(size)
    start = time.process_time()
    run(text)
    print(time.process_time() - start, flush=True)
"""


def time_family(family: str, pipeline: bool, timeout: float,
                sizes: tuple[int, ...] = SIZES) -> list[float | None]:
    """Seconds per size; None for a size that ran out of time (and every larger one)."""
    code = _CHILD.format(tests=str(ROOT / "tests"), family=family, pipeline=pipeline, sizes=sizes)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    found: list[float | None] = []
    deadline = time.monotonic() + timeout * len(sizes) + 30
    try:
        for _ in sizes:
            line = _read_line(child, min(timeout + 30, deadline - time.monotonic()))
            if line is None:
                break
            found.append(float(line))
            if found[-1] > timeout:
                break
    finally:
        child.kill()
        child.wait()
    return found + [None] * (len(sizes) - len(found))


def _read_line(child: subprocess.Popen, timeout: float) -> str | None:
    """The child's next line, or None when it does not come within `timeout` seconds."""
    import selectors

    with selectors.DefaultSelector() as selector:
        selector.register(child.stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
        if not selector.select(max(timeout, 0.1)):
            return None
    line = child.stdout.readline()  # type: ignore[union-attr]
    return line.strip() or None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a size counts as '—'")
    parser.add_argument("--pipeline", action="store_true", help="time the whole default pipeline")
    parser.add_argument("--family", action="append", help="only these families (repeatable)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="characters, comma-separated")
    args = parser.parse_args()
    sizes = tuple(int(n) for n in args.sizes.split(","))
    sys.path.insert(0, str(ROOT / "tests"))
    from test_hostile import FAMILIES

    chosen = args.family or sorted(FAMILIES, key=lambda f: (FAMILIES[f][0], f))
    print("| step | input | " + " | ".join(_label(n) for n in sizes) + " | growth, last two |")
    print("|---|---|" + "---|" * (len(sizes) + 1))
    for family in chosen:
        step = "pipeline" if args.pipeline else FAMILIES[family][0]
        seconds = time_family(family, args.pipeline, args.timeout, sizes)
        cells = " | ".join("—" if s is None or s > args.timeout else f"{s:.3g}" for s in seconds)
        last = seconds[-2:]
        growth = f"{last[1] / max(last[0], 1e-3):.1f}×" if None not in last and len(last) == 2 else "—"
        print(f"| {step} | {family} | {cells} | {growth} |", flush=True)


def _label(size: int) -> str:
    return f"{size // 1_000_000} M" if size >= 1_000_000 else f"{size // 1000} K"


if __name__ == "__main__":
    main()
