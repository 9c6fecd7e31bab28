"""One OpenCC converter per configuration per process.

OpenCC converter objects wrap C++ state and do not pickle, so engines never ship them to
workers: each process builds the ones it uses on first call.
"""

from __future__ import annotations

from functools import cache


@cache
def converter(config: str):
    """The process's converter for an OpenCC config name such as "t2s" or "s2tw"."""
    import opencc

    return opencc.OpenCC(f"{config}.json")
