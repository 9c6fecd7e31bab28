"""Cleaning a batch of columns, as `datasets.Dataset.map(batched=True)` and pandas hold data.

    >>> from zhclean.columns import clean_batch
    >>> out = clean_batch({"id": ["a"], "text": ["重(zhong)要的(de)会议(yi)在(zai)北京举行,"]})
    >>> out["text"], out["zhclean_kept"]
    (['重要的会议在北京举行，'], [True])

A top-level function of plain columns, so `num_proc` workers can pickle it; each worker
process builds its pipeline once (per config) and reuses it for every batch it is given.
The metadata goes in one JSON string column, `zhclean`: its fields (source, author, ...)
are null in most documents, and a column whose type changes from batch to batch is what
Arrow-backed tables refuse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from zhclean.config import Config, load_config
from zhclean.pipeline import Pipeline


def clean_batch(batch: Mapping[str, Sequence[Any]], text_field: str = "text",
                config: Config | None = None) -> dict[str, list[Any]]:
    """The batch with its texts cleaned, plus `zhclean_kept` (False when a filter dropped the
    document), `zhclean_dropped_by` ("" when kept) and `zhclean` (the metadata, as JSON)."""
    pipeline = _pipeline(config)
    results = pipeline.clean_many([text or "" for text in batch[text_field]])
    return {
        **{name: list(values) for name, values in batch.items()},
        text_field: [r.text for r in results],
        "zhclean_kept": [r.kept for r in results],
        "zhclean_dropped_by": [r.dropped_by or "" for r in results],
        "zhclean": [orjson.dumps(_metadata(r)).decode() for r in results],
    }


def _metadata(result: Any) -> dict[str, Any]:
    meta = dict(result.meta)
    if result.verdict is not None:
        meta["dropped"] = {"by": result.dropped_by, "reason": result.verdict.reason, "value": result.verdict.value}
    return meta


def _pipeline(config: Config | None) -> Pipeline:
    """This process's pipeline for `config`, built on first use (`worker_pipeline`)."""
    from zhclean.jobs.shard_task import worker_pipeline

    return worker_pipeline(config or load_config(None), warm=False)
