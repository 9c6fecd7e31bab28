"""The vectorised clustering (issue 18) against the plain rules it replaces: band buckets
by their exact values, all pairs of a bucket up to 50 members, a star and a chain up to
5,000, none beyond; pairs at the threshold or equal canonical hashes joined; the longest
text kept (an index's kept document first). The reference below is the old loop over
documents, kept here as the definition."""

import numpy as np
import pytest

from zhclean.dedup import clusters
from zhclean.dedup.canonical import hash_array
from zhclean.dedup.clusters import Signatures, cluster, components
from zhclean.dedup.minhash import optimal_bands


def reference(sigs: Signatures, threshold: float, num_perm: int, prior_kept=None):
    n = len(sigs.ids)
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first: dict[bytes, int] = {}
    for i, h in enumerate(sigs.hashes):
        union(first.setdefault(h.tobytes(), i), i)
    bands, rows = optimal_bands(threshold, num_perm)
    pairs = set()
    for band in range(bands):
        buckets: dict[bytes, list[int]] = {}
        for i, key in enumerate(sigs.matrix[:, band * rows:(band + 1) * rows]):
            buckets.setdefault(key.tobytes(), []).append(i)
        for m in buckets.values():
            if 1 < len(m) <= 50:
                pairs.update((a, b) for k, a in enumerate(m) for b in m[k + 1:])
            elif 50 < len(m) <= 5000:
                pairs.update([(m[0], x) for x in m[1:]] + list(zip(m, m[1:], strict=False)))
    share = lambda a, b: np.count_nonzero(sigs.matrix[a] == sigs.matrix[b]) / num_perm  # noqa: E731
    for a, b in pairs:
        if share(a, b) >= threshold:
            union(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    prior = 0 if prior_kept is None else len(prior_kept)
    keeper = [0] * n
    for group in groups.values():
        indexed = [i for i in group if i < prior]
        best = (next((i for i in indexed if prior_kept[i]), indexed[0]) if indexed
                else max(group, key=lambda i: (sigs.lengths[i], -i)))
        for i in group:
            keeper[i] = best
    return keeper, [1.0 if keeper[i] == i else round(share(i, keeper[i]), 4) for i in range(n)]


def signatures(n: int, num_perm: int, seed: int) -> Signatures:
    """Random signatures with reposts (some values changed), a bucket of 61 sharing one band,
    one of 46 near-copies, one of 5,100 sharing another (when n allows), exact copies and equal canonical hashes."""
    rng = np.random.default_rng(seed)
    matrix = rng.integers(0, 2**32, size=(n, num_perm), dtype=np.uint64).astype(np.uint32)
    for i in np.flatnonzero(rng.random(n) < 0.3)[1:].tolist():
        matrix[i] = matrix[rng.integers(0, i)]
        changed = rng.choice(num_perm, rng.integers(0, num_perm // 3), replace=False)
        matrix[i, changed] = rng.integers(0, 2**32, len(changed))
    matrix[100:161, :8] = matrix[99, :8]
    matrix[400:445, 16:24] = matrix[399, 16:24]  # 46: all pairs, where a star would miss some
    matrix[400:445, 24:] = matrix[399, 24:]
    matrix[200:205] = matrix[199]
    if n > 6000:
        matrix[600:5700, 8:16] = matrix[599, 8:16]
    hashes = [rng.bytes(16) for _ in range(n)]
    hashes[300:320] = [hashes[310]] * 20
    return Signatures([f"d{i}" for i in range(n)], rng.integers(1, 40, n), hash_array(hashes), matrix)


@pytest.mark.parametrize(("n", "threshold", "num_perm", "prior", "seed"),
                         [(2000, 0.8, 128, 0, 1), (3000, 0.8, 128, 600, 2), (7000, 0.8, 128, 0, 3),
                          (2500, 0.7, 64, 0, 4), (2500, 0.9, 100, 300, 5), (2000, 0.5, 37, 0, 6)])
def test_clusters_equal_the_reference(n, threshold, num_perm, prior, seed):
    sigs = signatures(n, num_perm, seed)
    prior_kept = np.random.default_rng(seed).random(prior) < 0.5 if prior else None
    keeper, similarity = cluster(sigs, threshold, num_perm, prior_kept)
    expected_keeper, expected_similarity = reference(sigs, threshold, num_perm, prior_kept)
    assert keeper.tolist() == expected_keeper
    assert similarity.tolist() == expected_similarity
    assert len(set(expected_keeper)) < n  # the case has clusters to find


def test_band_key_collisions_still_give_the_buckets_of_the_values(monkeypatch):
    """Keys folded into 50 values: nearly every band collides, and the buckets come out as
    the values make them."""
    sigs = signatures(1500, 128, 7)
    expected = reference(sigs, 0.8, 128)
    real = clusters.band_keys
    monkeypatch.setattr(clusters, "band_keys", lambda m, b, r: real(m, b, r) % np.uint64(50))
    keeper, similarity = cluster(sigs, 0.8, 128)
    assert (keeper.tolist(), similarity.tolist()) == expected


def test_components_label_each_document_with_its_smallest_member():
    a, b = np.array([5, 3, 9, 1]), np.array([3, 7, 8, 0])
    assert components(10, a, b).tolist() == [0, 0, 2, 3, 4, 3, 6, 3, 8, 8]
    chain = np.arange(999)
    assert set(components(1000, chain[::-1] + 1, chain[::-1]).tolist()) == {0}


def test_id_list_gives_back_every_id():
    from zhclean.dedup.rows import IdList

    ids = ["d1", "新闻-2", "", "a\nb", "\ud800x", "d1"]
    joined = IdList.joined([IdList(ids[:2]), ids[2:4], IdList(ids[4:])])
    assert list(joined) == ids and len(joined) == 6
    assert [joined[i] for i in range(6)] == ids and joined[-1] == "d1" and joined[1:3] == ids[1:3]
    assert list(["x"] + IdList(["y"])) == ["x", "y"]


def test_equal_canonical_hashes_join_the_first_with_the_others():
    from zhclean.dedup.clusters import hash_edges

    hashes = hash_array([bytes([k]) * 16 for k in (3, 1, 3, 2, 1, 3)])
    first, other = hash_edges(hashes)
    assert sorted(zip(first.tolist(), other.tolist(), strict=True)) == [(0, 2), (0, 5), (1, 4)]


def _stored(matrix: np.ndarray, folder, cuts: list[int]):
    """`matrix` split at `cuts` into `.npy` files and in-memory blocks, as `StoredRows`."""
    from zhclean.dedup.rows import StoredRows

    pieces = np.split(matrix, cuts)
    blocks = []
    for n, piece in enumerate(pieces):
        if n % 2:
            blocks.append(piece)
        else:
            np.save(folder / f"block-{n}.npy", piece)
            blocks.append(str(folder / f"block-{n}.npy"))
    return StoredRows(blocks, [len(p) for p in pieces], matrix.shape[1], matrix.dtype)


def test_stored_rows_read_as_the_matrix_they_hold(tmp_path):
    from zhclean.dedup.rows import stacked, take_rows

    matrix = np.random.default_rng(3).integers(0, 2**32, size=(500, 16), dtype=np.uint64).astype(np.uint32)
    stored = _stored(matrix, tmp_path, [0, 120, 121, 400])
    docs = np.array([499, 0, 120, 120, 399, 400, 7])
    assert np.array_equal(stored[docs], matrix[docs])
    assert np.array_equal(stored.take(docs, slice(8, 12)), matrix[docs][:, 8:12])
    assert np.array_equal(np.asarray(stored), matrix)
    chosen = take_rows(stored, [5, 450, 121])
    assert np.array_equal(chosen.take(np.array([2, 0]), slice(3, 5)), matrix[[121, 5], 3:5])
    both = stacked(stored, chosen)
    assert np.array_equal(both.take(np.array([501, 3, 500]), slice(None, 2)), matrix[[450, 3, 5], :2])


def test_clusters_of_stored_rows_equal_those_of_the_matrix(tmp_path, monkeypatch):
    """Through files and blocks, keys folded so that collisions are regrouped from stored values."""
    sigs = signatures(3000, 128, 8)
    expected = reference(sigs, 0.8, 128)
    real = clusters.band_keys
    monkeypatch.setattr(clusters, "band_keys", lambda m, b, r: real(m, b, r) % np.uint64(50))
    stored = Signatures(sigs.ids, sigs.lengths, sigs.hashes, _stored(sigs.matrix, tmp_path, [700, 1500, 1501]))
    keeper, similarity = cluster(stored, 0.8, 128)
    assert (keeper.tolist(), similarity.tolist()) == expected
