"""Duplicates: exact copies, near-duplicates (copy-pasted appeals with small edits) and repost storms.

Every post gets ``dup_group`` (Int64; a singleton has a group of its own), ``is_canonical`` (the
representative: the earliest non-repost post of its group) and ``dup_kind``:

* ``unique`` – the canonical post of its group (or a post with no duplicate at all);
* ``exact`` – same *normalised* text as the canonical (``[表情]`` codes, ``#话题#`` tags, punctuation,
  spaces and symbols removed, lower-cased; links, HTML and ``展开全文`` are already gone from
  ``text_clean``);
* ``near`` – a near-duplicate of the group: character 3-gram Jaccard similarity ≥ ``threshold``
  (default 0.75), estimated with MinHash (``num_perm`` = 30 hash functions, LSH with 10 bands of 3);
* ``repost`` – a repost (``is_repost``) of a post with no or short own words (≤ ``repost_max_chars``
  normalised characters, default 15): it amplifies its original and joins the original's group (a group
  per original when the original itself was not collected).

Exact grouping runs on all posts; near-duplicate search only on the remaining *distinct* normalised
texts of at least ``near_min_chars`` (default 50) characters, so a million posts take seconds. The
MinHash is computed with numpy over all texts at once (no per-text Python loop);
``bench/prepare_throughput.py`` compares it with datasketch's ``MinHashLSH`` on the sample's ground
truth (precision, recall, time).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from textkit.clean import EMOTION, TOPIC

DUP_KINDS = ("unique", "exact", "near", "repost")
NORMALISE_DROP = r"[^0-9a-z\x{3400}-\x{9fff}\x{f900}-\x{faff}]+"
NGRAM = 3
VERIFY_MARGIN = 0.15  # MinHash estimates within this of the threshold get an exact check


def normalise(texts: pd.Series) -> pa.ChunkedArray:
    """Dedup key of each text: ``[表情]`` codes and ``#话题#`` tags removed, lower-cased, only letters,
    digits and CJK characters kept."""
    array = pa.chunked_array([pa.array(texts.astype("string[pyarrow]").array, type=pa.large_string())])
    array = pc.replace_substring_regex(pc.fill_null(array, ""), EMOTION + "|" + TOPIC, "")
    return pc.replace_substring_regex(pc.utf8_lower(array), NORMALISE_DROP, "")


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads shingle codes over 64 bits."""
    h = h ^ (h >> np.uint64(30))
    h = h * np.uint64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> np.uint64(27))
    h = h * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def minhash_signatures(
    texts: list[str], *, num_perm: int = 30, ngram: int = 3, seed: int = 1, batch: int = 200_000
) -> np.ndarray:
    """MinHash signatures (``len(texts)`` × ``num_perm``, uint32) of character ``ngram`` shingle sets.

    Texts shorter than ``ngram`` get the signature of their whole text as one shingle.
    """
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, num_perm, dtype=np.uint64)
    out = np.empty((len(texts), num_perm), dtype=np.uint32)
    for lo in range(0, len(texts), batch):
        out[lo:lo + batch] = _signatures(texts[lo:lo + batch], a, b, ngram)
    return out


def _signatures(texts: list[str], a: np.ndarray, b: np.ndarray, ngram: int) -> np.ndarray:
    padded = [t if len(t) >= ngram else t.ljust(ngram, "\x00") for t in texts]
    lengths = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
    codes = np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    h = codes[: len(codes) - ngram + 1].copy()
    for k in range(1, ngram):
        h = _mix(h) ^ codes[k: len(codes) - ngram + 1 + k]
    h = _mix(h)
    starts = np.zeros(len(padded), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    counts = lengths - ngram + 1
    # positions start .. start+count-1 of every text are shingles that stay inside the text
    marks = np.zeros(len(h) + 1, dtype=np.int64)
    np.add.at(marks, starts, 1)
    np.add.at(marks, starts + counts, -1)
    valid = np.cumsum(marks[:-1]) > 0
    shingles = h[valid]
    offsets = np.zeros(len(padded), dtype=np.int64)
    np.cumsum(counts[:-1], out=offsets[1:])
    sig = np.empty((len(padded), len(a)), dtype=np.uint32)
    for k in range(len(a)):
        permuted = (shingles * a[k] + b[k]) >> np.uint64(32)
        sig[:, k] = np.minimum.reduceat(permuted, offsets).astype(np.uint32)
    return sig


def shingles(text: str, ngram: int = 3) -> set[str]:
    """Character ``ngram`` shingles of a text (the text itself when shorter)."""
    return {text[i:i + ngram] for i in range(max(1, len(text) - ngram + 1))}


def jaccard(a: str, b: str, ngram: int = 3) -> float:
    """Jaccard similarity of two texts' character ``ngram`` shingle sets."""
    sa, sb = shingles(a, ngram), shingles(b, ngram)
    return len(sa & sb) / len(sa | sb)


def near_duplicate_components(
    texts: list[str], *, threshold: float = 0.75, bands: int = 10, rows: int = 3, ngram: int = NGRAM,
    seed: int = 1,
) -> np.ndarray:
    """Component label of each text: texts linked by estimated Jaccard ≥ ``threshold`` share a label.

    LSH: texts whose signatures agree on all ``rows`` values of any of ``bands`` bands are candidates;
    each candidate whose signature agrees with its bucket's first text on at least ``threshold`` −
    0.15 of the hash functions is checked with the exact shingle Jaccard, and linked when it reaches
    ``threshold``.
    """
    n = len(texts)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    sig = minhash_signatures(texts, num_perm=bands * rows, ngram=ngram, seed=seed)
    src, dst = [], []
    for band in range(bands):
        block = sig[:, band * rows:(band + 1) * rows].astype(np.uint64)
        key = block[:, 0]
        for r in range(1, rows):
            key = _mix(key ^ (block[:, r] << np.uint64(32 - r)))
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        leader = first[inverse.ravel()]
        others = np.nonzero(leader != np.arange(n))[0]
        if len(others):
            src.append(others)
            dst.append(leader[others])
    if not src:
        return np.arange(n, dtype=np.int64)
    src_all = np.concatenate(src)
    dst_all = np.concatenate(dst)
    pairs = np.unique(np.stack([src_all, dst_all], axis=1), axis=0)
    agree = (sig[pairs[:, 0]] == sig[pairs[:, 1]]).mean(axis=1)
    pairs = pairs[agree >= threshold - VERIFY_MARGIN]
    exact = np.fromiter((jaccard(texts[i], texts[j], ngram) for i, j in pairs), dtype=float, count=len(pairs))
    keep = pairs[exact >= threshold]
    graph = coo_matrix((np.ones(len(keep), dtype=np.int8), (keep[:, 0], keep[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def find_duplicates(
    posts: pd.DataFrame,
    *,
    text_column: str = "text_clean",
    own_text_column: str = "own_text",
    threshold: float = 0.75,
    near_min_chars: int = 50,
    repost_max_chars: int = 15,
    ngram: int = NGRAM,
    seed: int = 1,
) -> pd.DataFrame:
    """``dup_group``, ``is_canonical`` and ``dup_kind`` for each post (same index as ``posts``).

    ``posts`` needs ``platform``, ``post_id``, ``created_at``, ``is_repost``, ``parent_post_id`` and the
    text columns (``own_text`` falls back to the text when absent).
    """
    n = len(posts)
    if n == 0:
        return pd.DataFrame({"dup_group": pd.Series([], dtype="Int64"),
                             "is_canonical": pd.Series([], dtype=bool),
                             "dup_kind": pd.Series([], dtype="string[pyarrow]")}, index=posts.index)
    keys = normalise(posts[text_column])
    own = normalise(posts[own_text_column] if own_text_column in posts else posts[text_column])
    own_len = pc.utf8_length(own).to_numpy(zero_copy_only=False)
    is_repost = posts["is_repost"].fillna(False).to_numpy(dtype=bool)
    parent = posts["parent_post_id"].astype("string[pyarrow]")
    has_parent = parent.notna().to_numpy() & (parent.fillna("") != "").to_numpy()
    repost = is_repost & has_parent & (own_len <= repost_max_chars)

    # exact: factorize the normalised text (empty texts stay singletons)
    key_codes, key_values = pd.factorize(pd.Series(keys.to_numpy(zero_copy_only=False), dtype=object))
    key_codes = np.asarray(key_codes, dtype=np.int64)
    n_keys = len(key_values)
    key_lengths = np.fromiter(map(len, key_values), dtype=np.int64, count=n_keys)

    # near: distinct keys long enough, among posts that are not storm reposts
    in_play = np.zeros(n_keys, dtype=bool)
    in_play[key_codes[~repost]] = True
    candidates = np.nonzero(in_play & (key_lengths >= near_min_chars))[0]
    component = np.arange(n_keys, dtype=np.int64)
    if len(candidates) > 1:
        labels = near_duplicate_components([key_values[i] for i in candidates], threshold=threshold,
                                           ngram=ngram, seed=seed)
        # component id = smallest key code of the component
        smallest = pd.Series(candidates).groupby(labels).transform("min").to_numpy()
        component[candidates] = smallest

    group_raw = component[key_codes].copy()
    empty = key_lengths[key_codes] == 0
    group_raw[empty] = n_keys + np.nonzero(empty)[0]  # empty text: its own group
    offset = n_keys + n

    # reposts join their original's group, or a group per original that was not collected
    platform = posts["platform"].astype("string[pyarrow]").fillna("").to_numpy(dtype=object)
    post_ids = posts["post_id"].astype("string[pyarrow]").fillna("").to_numpy(dtype=object)
    parents = parent.fillna("").to_numpy(dtype=object)
    position = pd.Series(np.arange(n), index=pd.MultiIndex.from_arrays([platform, post_ids]))
    position = position[~position.index.duplicated()]
    parent_pos = position.reindex(pd.MultiIndex.from_arrays([platform, parents])).to_numpy()
    found = repost & ~np.isnan(parent_pos)
    parent_idx = np.where(found, np.nan_to_num(parent_pos, nan=0), 0).astype(np.int64)
    group_raw[found] = group_raw[parent_idx[found]]
    missing = repost & ~found
    if missing.any():
        codes, _ = pd.factorize(pd.Series(platform[missing] + "\x1f" + parents[missing]))
        group_raw[missing] = offset + codes

    # canonical: earliest non-repost member (reposts only when the group has nothing else)
    order = pd.DataFrame({
        "group": group_raw, "repost": repost,
        "time": posts["created_at"].to_numpy(), "row": np.arange(n),
    }).sort_values(["group", "repost", "time", "row"], kind="stable", na_position="last")
    first_rows = order.drop_duplicates("group")["row"].to_numpy()
    is_canonical = np.zeros(n, dtype=bool)
    is_canonical[first_rows] = True
    canonical_of = pd.Series(first_rows, index=group_raw[first_rows]).reindex(group_raw).to_numpy()

    # dense group ids in order of the canonical's position in the input
    rank = pd.Series(np.arange(len(first_rows)), index=np.sort(first_rows))
    dup_group = rank.reindex(canonical_of).to_numpy()

    kind = np.full(n, "near", dtype=object)
    kind[key_codes == key_codes[canonical_of]] = "exact"
    kind[repost] = "repost"
    kind[is_canonical] = "unique"
    return pd.DataFrame({
        "dup_group": pd.array(dup_group, dtype="Int64"),
        "is_canonical": is_canonical,
        "dup_kind": pd.array(kind, dtype="string[pyarrow]"),
    }, index=posts.index)
