"""The part files of a job: what each shard task writes, and how a job resumes.

A job keeps its work in one folder beside the output (`OUT.parts/`):

- `job.json`: the fingerprint of the job (zhclean's version, the config, every input's
  path, size and modification time, the output and its format). `--resume` continues a
  job only when the fingerprint is the same.
- per shard and stage, its part files (`00003.kept.0000.jsonl`, `00003.quarantine.jsonl`,
  `00003.apply.kept.0000.jsonl`, ...), each written under a `.tmp` name and renamed when
  complete, and last a done marker (`00003.clean.done.json`) listing them, with the shard's
  stats. The marker is the commit point: a shard without one is run again from the start,
  whatever files it left. No two stages write the same name: a later stage reads an
  earlier one's parts, and a stage run again after a kill must find its input untouched.

Nothing is under a final output name until the driver has every shard's marker.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from typing import Any

import orjson

from zhclean.core.stats import RunStats
from zhclean.io.writers import JsonlWriter


def write_atomic(path: str, data: bytes) -> None:
    """`data` under `path`, never half-written: a temporary name, then a rename."""
    temp = f"{path}.tmp"
    with open(temp, "wb") as f:
        f.write(data)
    os.replace(temp, path)


def save_npz(path: str, **arrays: Any) -> None:
    """numpy arrays in one `.npz`, in place only when complete."""
    import numpy as np

    temp = f"{path}.tmp.npz"
    np.savez(temp, **arrays)
    os.replace(temp, path)


def save_npy(path: str, array: Any) -> None:
    """One numpy array as `.npy` (readable through a memory map), in place only when complete."""
    import numpy as np

    temp = f"{path}.tmp.npy"
    np.save(temp, array)
    os.replace(temp, path)


class PartWriter:
    """One part file written under a temporary name; `commit` renames it into place.
    Opened lazily: a part that gets no row leaves no file."""

    def __init__(self, path: str, opener: Callable[[str], Any]) -> None:
        self.path = path
        self.rows = 0
        self._opener = opener
        self._writer = None

    @property
    def temp(self) -> str:
        return f"{self.path}.tmp"

    def write(self, row: dict[str, Any]) -> None:
        if self._writer is None:
            self._writer = self._opener(self.temp)
        self._writer.write(row)
        self.rows += 1

    def write_raw(self, line: bytes) -> None:
        """A JSONL line as it is (a record an earlier stage wrote and this one leaves)."""
        if self._writer is None:
            self._writer = self._opener(self.temp)
        self._writer.write_raw(line)
        self.rows += 1

    def commit(self) -> str | None:
        """The part's file name, or None when it got no row."""
        if self._writer is None:
            return None
        self._writer.close()
        os.replace(self.temp, self.path)
        return os.path.basename(self.path)

    def abort(self) -> None:
        if self._writer is not None:
            try:
                self._writer.close()
            finally:
                if os.path.exists(self.temp):
                    os.remove(self.temp)


def jsonl_opener(path: str) -> JsonlWriter:
    return JsonlWriter(path)


class RollingPart:
    """The kept records of one shard, as one file or, with `records_per_file`, several."""

    def __init__(self, stem: str, suffix: str, opener: Callable[[str], Any], records_per_file: int = 0) -> None:
        self.stem, self.suffix, self.opener = stem, suffix, opener
        self.records_per_file = records_per_file
        self.committed: list[str] = []
        self._current: PartWriter | None = None

    def write(self, row: dict[str, Any]) -> None:
        self._part().write(row)

    def write_raw(self, line: bytes) -> None:
        self._part().write_raw(line)

    def _part(self) -> PartWriter:
        current = self._current
        if current is None or (self.records_per_file and current.rows >= self.records_per_file):
            if current is not None:
                self.committed.append(current.commit())
            current = self._current = PartWriter(f"{self.stem}.{len(self.committed):04d}{self.suffix}", self.opener)
        return current

    def commit(self) -> list[str]:
        if self._current is not None:
            name = self._current.commit()
            if name:
                self.committed.append(name)
            self._current = None
        return self.committed

    def abort(self) -> None:
        if self._current is not None:
            self._current.abort()


class JobDir:
    """The parts folder of a job: its fingerprint, done markers and part files."""

    def __init__(self, path: str) -> None:
        self.path = path

    def file(self, name: str) -> str:
        return os.path.join(self.path, name)

    @staticmethod
    def shard_stem(index: int) -> str:
        return f"{index:05d}"

    def marker(self, stage: str, index: int) -> str:
        return self.file(f"{self.shard_stem(index)}.{stage}.done.json")

    def done(self, stage: str, index: int) -> dict[str, Any] | None:
        """The done marker of a shard's stage, or None when it has not completed."""
        try:
            with open(self.marker(stage, index), "rb") as f:
                return orjson.loads(f.read())
        except (FileNotFoundError, orjson.JSONDecodeError):
            return None

    def mark_done(self, stage: str, index: int, files: dict[str, Any], stats: RunStats,
                  extra: dict[str, Any] | None = None) -> dict[str, Any]:
        marker = {"shard": index, "stage": stage, "files": files, "stats": stats.as_dict(), **(extra or {})}
        write_atomic(self.marker(stage, index), orjson.dumps(marker))
        return marker

    def start(self, fingerprint: dict[str, Any], resume: bool) -> bool:
        """Open the folder for a job; True when an earlier run's work is resumed. An
        earlier folder is continued with `resume` (when its fingerprint matches, else
        refused) and discarded without it."""
        job_file = self.file("job.json")
        if os.path.isdir(self.path):
            earlier = _read_json(job_file)
            if resume:
                if earlier is None or earlier.get("hash") != fingerprint["hash"]:
                    raise ValueError(f"cannot resume: {self.path} belongs to a job with another config, "
                                     "inputs or output; run without --resume to start over")
                self._remove_temporaries()
                return True
            shutil.rmtree(self.path)
        elif resume:
            raise ValueError(f"nothing to resume: {self.path} does not exist (the job finished, or never started)")
        os.makedirs(self.path)
        write_atomic(job_file, orjson.dumps(fingerprint, option=orjson.OPT_INDENT_2))
        return False

    def _remove_temporaries(self) -> None:
        for name in os.listdir(self.path):
            if name.endswith((".tmp", ".tmp.npz")):  # np.savez insists on its suffix
                os.remove(self.file(name))

    def remove(self) -> None:
        """The whole folder: the done markers first, the fingerprint last, so a run killed
        while removing it leaves a folder that `--resume` still recognises and finishes
        (running again the shards whose markers went), not one it refuses or whose
        markers name parts that are gone."""
        names = sorted(os.listdir(self.path), key=lambda n: not n.endswith(".done.json")) \
            if os.path.isdir(self.path) else []
        for name in names:
            if name != "job.json":
                path = self.file(name)
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    os.remove(path)
        shutil.rmtree(self.path, ignore_errors=True)


def _read_json(path: str) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as f:
            return orjson.loads(f.read())
    except (FileNotFoundError, orjson.JSONDecodeError):
        return None


def fingerprint(config_dict: dict[str, Any], inputs: list[dict[str, Any]], output: dict[str, Any]) -> dict[str, Any]:
    """What a resumed job must share with the run that started it."""
    from zhclean import __version__

    body = {"version": __version__, "config": config_dict, "inputs": inputs, "output": output}
    digest = hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS,
                                         default=str)).hexdigest()
    return {"hash": digest, **body}
