"""Near-duplicate detection from Python, in memory: `zhclean.deduplicate(records)` and
`zhclean.Deduplicator` (not `zhclean.dedup`: that is the package of the parts they use).

The same definition as `zhclean dedup` (SPEC: Jaccard similarity of character n-gram sets
of the canonical form, estimated by MinHash with LSH candidates; equal canonical forms are
always duplicates; each cluster keeps its longest cleaned text, ties broken by input
order), over records a notebook or a `datasets.map` already holds, without files. Its
signatures live in memory (about 1 KB a document at 128 permutations): for corpora larger
than memory use the command, which keeps them in shard files and an `--index`.

A text is compared in its cleaned form: records that `zhclean clean` wrote (they carry a
`zhclean` field) are taken as they are; other texts are cleaned first, for the comparison
only, so `的(de)` reposts and machine-converted Traditional ones meet their originals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from zhclean.config import Config, load_config
from zhclean.dedup.canonical import hash_array
from zhclean.dedup.clusters import Signatures, cluster
from zhclean.dedup.minhash import sign_texts


@dataclass(frozen=True)
class Membership:
    """Where one document went: its cluster (named by the id of the document the cluster
    keeps), whether it is that document, and its estimated similarity to it."""

    id: str
    cluster_id: str
    is_kept: bool
    similarity: float


class Deduplicator:
    """Add documents in batches, then ask for the clusters.

        >>> d = Deduplicator()
        >>> d.add(["重要的会议在北京举行。" * 5, "重(zhong)要的(de)会议在北京举行。" * 5], ids=["a", "b"])
        >>> [(m.id, m.cluster_id, m.is_kept) for m in d.memberships()]
        [('a', 'a', True), ('b', 'a', False)]
    """

    def __init__(self, threshold: float | None = None, config: Config | None = None, clean: bool = True) -> None:
        config = config or load_config(None)
        self.config = config.with_overrides(threshold=threshold) if threshold is not None else config
        self._clean = clean
        self._pipeline: Any = None
        self._ids: list[str] = []
        self._lengths: list[int] = []
        self._hashes: list[bytes] = []
        self._blocks: list[np.ndarray] = []

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, texts: Iterable[str], ids: Iterable[Any] | None = None, cleaned: bool = False) -> None:
        """Sign a batch of texts (ids default to their positions among all added). With
        `cleaned=True`, or `clean=False` on the deduplicator, the texts are compared as given."""
        texts = list(texts)
        names = [str(i) for i in ids] if ids is not None else [str(len(self._ids) + k) for k in range(len(texts))]
        if len(names) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(names)} ids")
        if self._clean and not cleaned:
            texts = [r.text for r in self._cleaner().clean_many(texts)]
        self._sign(names, texts)

    def add_records(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Sign records (dicts with the config's text and id fields; ids default to positions)."""
        field, id_field = self.config.text_field, self.config.id_field
        names: list[str] = []
        texts: list[str] = []
        raw_at: list[int] = []  # the records zhclean did not write: cleaned before signing
        for k, record in enumerate(records):
            text = record.get(field)
            if not isinstance(text, str):
                raise ValueError(f"record {k}: no text in field {field!r}")
            if self._clean and "zhclean" not in record:
                raw_at.append(k)
            names.append(str(record.get(id_field, len(self._ids) + k)))
            texts.append(text)
        if raw_at:
            for k, result in zip(raw_at, self._cleaner().clean_many([texts[k] for k in raw_at]), strict=True):
                texts[k] = result.text
        self._sign(names, texts)

    def memberships(self) -> list[Membership]:
        """Every document added so far, in the order added, with its cluster."""
        if not self._ids:
            return []
        sigs = Signatures(list(self._ids), np.array(self._lengths, dtype=np.int64), hash_array(self._hashes),
                          np.vstack(self._blocks))
        keeper, similarity = cluster(sigs, self.config.dedup.threshold, self.config.dedup.num_perm)
        return [Membership(name, self._ids[k], k == i, s)
                for i, (name, k, s) in enumerate(zip(self._ids, keeper.tolist(), similarity.tolist(), strict=True))]

    def _sign(self, names: list[str], texts: list[str]) -> None:
        if not texts:
            return
        hashes, matrix = sign_texts(texts, self.config.dedup.ngram, self.config.dedup.num_perm)
        self._ids += names
        self._lengths += [len(t) for t in texts]
        self._hashes += hashes
        self._blocks.append(matrix)

    def _cleaner(self) -> Any:
        """The config's steps (the filters do not decide here), built on first use."""
        if self._pipeline is None:
            from zhclean.pipeline import Pipeline

            self._pipeline = Pipeline.from_config(self.config.with_overrides(filters=[]))
        return self._pipeline


def deduplicate(records: Iterable[Mapping[str, Any]], threshold: float | None = None, *, keep_all: bool = False,
                config: Config | None = None, clean: bool = True) -> list[dict[str, Any]]:
    """One record per near-duplicate cluster, in input order, each with its `cluster_id`
    (with `keep_all=True`: every record, with `cluster_id`, `is_kept` and `similarity`).
    The records are copied; their texts are returned as given.

        >>> rows = [{"id": "a", "text": "重要的会议在北京举行。" * 5},
        ...         {"id": "b", "text": "重(zhong)要的(de)会议在北京举行。" * 5}]
        >>> [r["id"] for r in deduplicate(rows)]
        ['a']
    """
    records = list(records)
    deduplicator = Deduplicator(threshold, config, clean)
    deduplicator.add_records(records)
    out = []
    for record, member in zip(records, deduplicator.memberships(), strict=True):
        if keep_all:
            out.append({**record, "cluster_id": member.cluster_id, "is_kept": member.is_kept,
                        "similarity": member.similarity})
        elif member.is_kept:
            out.append({**record, "cluster_id": member.cluster_id})
    return out
