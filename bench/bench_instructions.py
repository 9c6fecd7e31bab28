"""Instructions each cleaning step (and the whole pipeline) executes per pass over the dev set.

Wall-clock timings on a shared VM drift by 2x within minutes; instruction counts do not.
Each step's staged inputs (what it receives in the default pipeline, `bench_steps.py`) are
run `--passes` times in a child process under valgrind's cachegrind (no cache simulation),
once more with no passes, and the difference divided by the passes is the step's cost: start-up
and table loading cancel out. The hash seed is fixed, so the runs do the same start-up work
(to within a few million instructions: take differences under ~3% as noise).
`--baseline PATH` counts another checkout (its package on PYTHONPATH) on the same inputs, for
A/B comparisons of a change. Instructions are not time (a cache miss costs more than an add),
but for the regex and interpreter work of these steps they move together; confirm a result
with `bench_steps.py` when the machine is quiet.

Needs valgrind and ../shared (skipped otherwise). Not part of `make bench` (a few minutes a step).
Usage: python bench/bench_instructions.py [--steps boilerplate,notice] [--passes 8] [--baseline ../old]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")
_NO_SUCH_STEP = 3  # the child's exit code when the checkout lacks the step (older than it)


def stage(directory: Path) -> float:
    """Pickle each step's staged dev inputs into `directory`; the dev set's MB."""
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_steps import megabytes, staged_inputs

    from zhclean.pipeline import Pipeline

    Pipeline().prepare_worker()
    with (SHARED / "dev/noisy.jsonl").open(encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    for name, inputs in staged_inputs(texts).items():
        (directory / f"{name}.pkl").write_bytes(pickle.dumps(inputs))
    (directory / "pipeline.pkl").write_bytes(pickle.dumps(texts))
    return megabytes(texts)


def child(target: str, passes: int, directory: Path) -> None:
    """Run `target` (a step name or `pipeline`) `passes` times over its staged inputs."""
    from zhclean.pipeline import Pipeline
    from zhclean.steps import REGISTRY

    if target != "pipeline" and target not in REGISTRY:
        sys.exit(_NO_SUCH_STEP)
    pipeline = Pipeline().prepare_worker()
    inputs = pickle.loads((directory / f"{target}.pkl").read_bytes())
    if target == "pipeline":
        pipeline.clean_many(inputs[:64])  # warm what the first batch builds
        for _ in range(passes):
            for i in range(0, len(inputs), 256):
                pipeline.clean_many(inputs[i : i + 256])
        return
    step, options = REGISTRY[target].function, pipeline.options[target]
    for text, fields in inputs[:64]:
        step(text, fields, options, False)
    for _ in range(passes):
        for text, fields in inputs:
            step(text, fields, options, False)


def count(target: str, passes: int, directory: Path, checkout: Path) -> float:
    """Instructions (millions) of one child run."""
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONPATH=str(checkout))
    command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
               sys.executable, __file__, "--child", target, "--passes", str(passes), "--dir", str(directory)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return int(_REFS.search(done.stderr).group(1).replace(",", "")) / 1e6  # type: ignore[union-attr]


def per_pass(target: str, passes: int, directory: Path, checkout: Path) -> float:
    """A first run fills the table and regex caches of a changed checkout; start-up without
    passes is the least of two runs (one in a few does some 30 M instructions more)."""
    count(target, 0, directory, checkout)
    start_up = min(count(target, 0, directory, checkout) for _ in range(2))
    return (count(target, passes, directory, checkout) - start_up) / passes


def _cell(target: str, passes: int, directory: Path, checkout: Path) -> str:
    try:
        return f"{per_pass(target, passes, directory, checkout):.1f}"
    except subprocess.CalledProcessError as error:
        if error.returncode == _NO_SUCH_STEP:
            return "—"
        raise RuntimeError(f"{target} failed in {checkout}:\n{error.stderr[-2000:]}") from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", default="unicode,markup,boilerplate,pinyin_gloss,script,punctuation,"
                                           "repeated_line,notice,whitespace,pipeline")
    parser.add_argument("--passes", type=int, default=8)
    parser.add_argument("--baseline", type=Path, help="another checkout, counted on the same inputs")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.passes, args.dir)
        return
    if shutil.which("valgrind") is None or not (SHARED / "dev/noisy.jsonl").exists():
        print("skip: needs valgrind and ../shared")
        return
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        mb = stage(directory)
        checkouts = [("this", ROOT)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])
        print(f"M instructions per pass over the dev set ({mb:.2f} MB), {args.passes} passes")
        print("| step | " + " | ".join(name for name, _ in checkouts) + " |")
        print("|---" * (len(checkouts) + 1) + "|")
        for target in args.steps.split(","):
            cells = [_cell(target, args.passes, directory, path) for _, path in checkouts]
            print(f"| {target} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
