"""Character tables kept on disk between processes, so start-up does not rebuild them.

Building zhclean's tables (OpenCC over every Han character in four configurations, the
pinyin readings of 41,000 characters) takes about a second of CPU; every worker process
and every one-record `zhclean clean` paid it. Loading the same tables from a pickle takes a
few milliseconds. `disk_cached` wraps a builder with no arguments: the first process that
needs it builds and stores the result; later ones load it.

The file's name holds a key made from everything the result depends on: the builder's
name, the Python version, the versions of OpenCC, pypinyin and numpy, and the source of
zhclean's modules. Any change builds afresh; a stale file is never read. A cache that cannot
be read or written (read-only home, a truncated file) is only a slower start: the result
is built in memory as before.

Where: `$ZHCLEAN_CACHE_DIR`, else `$XDG_CACHE_HOME/zhclean`, else `~/.cache/zhclean`.
`ZHCLEAN_CACHE_DIR=off` turns the disk cache off.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_DEPENDENCIES = ("opencc", "pypinyin", "numpy")
_PACKAGE_ROOT = Path(__file__).resolve().parent


def cache_dir() -> Path | None:
    """The folder the tables are kept in, or None when the disk cache is off."""
    configured = os.environ.get("ZHCLEAN_CACHE_DIR")
    if configured is not None:
        return None if configured.strip().lower() in ("", "off", "0", "none") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "zhclean"


@functools.lru_cache(maxsize=1)
def _environment_key() -> str:
    """A digest of what every cached table depends on besides its builder's name."""
    digest = hashlib.sha256(repr(sys.version_info[:2]).encode())
    for name in _DEPENDENCIES:
        try:
            digest.update(f"{name}={metadata.version(name)};".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=?;".encode())
    for source in sorted(_PACKAGE_ROOT.rglob("*.py")):
        digest.update(source.relative_to(_PACKAGE_ROOT).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def cache_path(name: str) -> Path | None:
    """Where the table built by `name` is stored, for this environment."""
    folder = cache_dir()
    return None if folder is None else folder / f"{name}-{_environment_key()}.pickle"


def _load(path: Path) -> tuple[bool, object]:
    try:
        with path.open("rb") as f:
            return True, pickle.load(f)
    except FileNotFoundError:
        return False, None
    except Exception:  # noqa: BLE001 - truncated, corrupt or foreign: build afresh
        return False, None


def _store(path: Path, value: object) -> None:
    """Write to a temporary name, then rename: a reader sees the whole file or none."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, path)
        except BaseException:
            os.unlink(temp)
            raise
    except OSError:
        pass  # a read-only or full disk: the next process builds again


def disk_cached(builder: Callable[[], T]) -> Callable[[], T]:
    """`builder()` once per process (like `lru_cache`), and from disk when an earlier process
    built it in the same environment. The result must pickle."""
    name = f"{builder.__module__}.{builder.__qualname__}"

    @functools.lru_cache(maxsize=1)
    def cached() -> T:
        path = cache_path(name)
        if path is not None:
            found, value = _load(path)
            if found:
                return value  # type: ignore[return-value]
        value = builder()
        if path is not None:
            _store(path, value)
        return value

    functools.update_wrapper(cached, builder)
    return cached
