"""Duplicates: exact copies, near-duplicates (copy-pasted appeals with small edits) and repost storms.

Every post gets ``dup_group`` (Int64; a singleton has a group of its own), ``is_canonical`` (the
representative: the earliest non-repost post of its group) and ``dup_kind``:

* ``unique`` – the canonical post of its group (or a post with no duplicate at all);
* ``exact`` – same *normalised* text as an earlier post of its group (``[表情]`` codes, ``#话题#``
  tags, punctuation, spaces and symbols removed, lower-cased; links, HTML and ``展开全文`` are already
  gone from ``text_clean``);
* ``near`` – the first post of a text that is a near-duplicate of an earlier text of the group: their
  character 3-gram sets have Jaccard similarity ≥ ``threshold`` (default 0.8), **or** one text is a
  copy of the other with a sentence added or changed (*containment*): the smaller 3-gram set lies at
  least 90% inside the larger one (``CONTAINMENT``), has at least 50 3-grams (``CONTAINED_MIN_SHINGLES``:
  a paragraph, not a stock phrase that independent posts share) and at least two thirds as many as the
  larger one (``CONTAINED_MIN_RATIO``: the copy is mostly the original, not a long post quoting it).
  Jaccard alone misses such copies: an appeal of 60 characters with one appended sentence of 12 falls
  to about 0.8 and below (see :func:`near_pairs_mask`);
* ``repost`` – a repost (``is_repost``) of a post with no or short own words (≤ ``repost_max_chars``
  normalised characters, default 15): it amplifies its original and joins the original's group (a group
  per original when the original itself was not collected).

Near-duplicate groups are trees, not chains of resemblance: the distinct texts are visited in time
order and each one joins the group of the *earliest* earlier text it resembles (either criterion), or
starts a group. Two independent texts therefore never end up in one group just
because a later text resembles both; the canonical post is the earliest post of the group's first text.
"Earliest" is by ``created_at`` at the middle of its ``time_precision`` (a time known only to the day
counts as noon), then ``platform`` and ``post_id``: groups, canonical posts and kinds do not depend on
the order of the rows.

Search: every distinct normalised text long enough to differ from another and still reach
``threshold`` (6 characters at 0.8; see :func:`min_near_chars`) gets a MinHash signature by one
permutation hashing (one hash per shingle, 10 bands × 3 rows = 30 bins, empty bins filled by
rotation), computed with numpy on code points in batches. Texts that agree on all bins of a band are
candidates; in each bucket a text is paired with the first four texts, the previous one, and its six
neighbours when the bucket is sorted by the next band (linear work even in the huge buckets of
templated chatter, where the neighbours find the similar texts that the first ones miss). Contained
copies come from the same candidates: a contained pair's MinHash agreement is its Jaccard, at least
0.56 by the size bounds above and 0.65–0.8 for a copy with one added sentence, where 10 bands of 3
make a pair collide with probability 0.96–0.9992. Candidates whose 8-bit signatures agree far below the
lowest Jaccard a near pair of their sizes can have, or whose sizes rule both criteria out, are dropped;
every other pair is checked exactly (shingle-set intersections from scipy sparse rows), so both
criteria are exact and MinHash only decides which pairs get checked. With 100,000 texts or more the
work runs in forked worker processes (one per core, at most 4), with the same output as in one
process: the normalisation of the distinct texts (while this process finds storm reposts and the time
order), then, in one pool, the signatures (each worker writes band keys, packed low bytes and shingle
sets into shared memory, nothing large is pickled back), the bands (each worker a range of bands,
candidates filtered and merged there) and the exact checks. ``bench/near_duplicates.py``
compares this with an exact all-pairs search, datasketch's ``MinHashLSH`` and a scikit-learn char
n-gram cosine search on the sample's ground truth (precision, recall, seconds);
:func:`score_near_duplicates` defines the scores.
"""

from __future__ import annotations

import ctypes
import itertools
import math
import mmap
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from textkit.clean import EMOTION, TOPIC

DUP_KINDS = ("unique", "exact", "near", "repost")
NORMALISE_DROP = r"[^0-9a-z\x{3400}-\x{9fff}\x{f900}-\x{faff}]+"
NGRAM = 3
THRESHOLD = 0.8
CONTAINMENT = 0.9  # … or the smaller 3-gram set lies this much inside the larger one,
CONTAINED_MIN_SHINGLES = 50  # has at least this many 3-grams (a paragraph, not a stock phrase)
CONTAINED_MIN_RATIO = 2 / 3  # and at least this share of the larger set's (the copy is mostly the original)
BANDS, ROWS = 10, 3
ESTIMATE_MARGIN = 0.2  # candidates whose MinHash estimate is this far below the threshold are not checked
LENGTH_SLACK = 0.05  # Jaccard ≥ t needs set sizes within a ratio t: pairs further apart are not checked
LEADERS, WINDOW = 4, 1  # per LSH bucket, each text is checked against its first and previous members
NEIGHBOURS = 6  # … and against its neighbours when the bucket is ordered by the next band
REPOST_MAX_CHARS = 15
HALF_PRECISION_NS = {"second": 500_000_000, "minute": 30_000_000_000, "day": 43_200_000_000_000}
_EMPTY_BIN = np.uint32(0xFFFFFFFF)
_ROTATION = np.uint32(0x9E3779B1)  # added per bin of distance when an empty bin borrows a neighbour's value
_BATCH = 50_000  # texts per signature batch: keeps the per-shingle arrays small and in cache
_TEXT_BATCH = 100_000  # texts per batch when normalising
_PAIR_BATCH = 100_000  # candidate pairs checked at once (their gathered rows stay below 32 MiB)
_NEEDED_TABLE_SIDE = 2048  # up to this many shingles, a table of needed agreements per pair of sizes
_UNREACHABLE = np.int8(127)
_FILTER_BATCH = 65_536  # candidate pairs whose signatures are compared at once (in cache)
_WORKERS = min(4, os.cpu_count() or 1)  # processes for signatures, LSH bands and exact checks …
_PARALLEL_MIN_TEXTS = 100_000  # … when at least this many texts are searched


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc mallopt parameters
_FORK_STATE: dict = {}  # what the forked workers of _fork_map read (inherited, never pickled)


class _Workers:
    """``workers`` forked processes that inherit ``state`` (read by the tasks from ``_FORK_STATE``),
    for one or more :meth:`map` calls (one fork for several phases: forking a large process is not
    free); only items and results are pickled. Serial with one worker or where processes cannot fork."""

    def __init__(self, workers: int, **state):
        self.workers, self.state, self.pool = workers, state, None

    def __enter__(self) -> _Workers:
        _FORK_STATE.update(self.state)
        if self.workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            self.pool = multiprocessing.get_context("fork").Pool(self.workers, initializer=_keep_freed_memory)
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.terminate()
        _FORK_STATE.clear()

    def map(self, function: Callable, items: list, *, meanwhile: Callable[[], None] | None = None) -> list:
        """``[function(item) for item in items]``; ``meanwhile()`` runs in this process while the items
        are worked on (serially: while a thread works on them; pyarrow and numpy release the GIL)."""
        if self.pool is None or len(items) <= 1:
            if meanwhile is None:
                return [function(item) for item in items]
            with ThreadPoolExecutor(max_workers=1) as background:
                results = background.submit(lambda: [function(item) for item in items])
                meanwhile()
                return results.result()
        pending = self.pool.map_async(function, items, chunksize=1)
        if meanwhile is not None:
            meanwhile()
        return pending.get()


def _fork_map(function: Callable, items: list, workers: int, *, meanwhile: Callable[[], None] | None = None,
              **state) -> list:
    """``[function(item) for item in items]`` in at most ``workers`` forked processes that inherit
    ``state`` (see :class:`_Workers`)."""
    with _Workers(min(workers, len(items)), **state) as pool:
        return pool.map(function, items, meanwhile=meanwhile)


def _keep_freed_memory() -> None:
    """Start of a forked worker: glibc's malloc keeps freed blocks of up to 32 MiB for reuse instead of
    returning them to the system (the workers allocate and free large numpy temporaries over and over,
    and every fresh page costs a page fault: a third of their CPU time was the kernel's). No-op
    without glibc."""
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(_M_MMAP_THRESHOLD, 32 * 2**20)
        libc.mallopt(_M_TRIM_THRESHOLD, 2**30)
    except (OSError, AttributeError):
        pass


def _text_array(texts: pd.Series) -> pa.Array:
    array = pa.array(texts.astype("string[pyarrow]").array, type=pa.large_string())
    return pc.fill_null(array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array, "")


def normalise(texts: pd.Series) -> pa.ChunkedArray:
    """Dedup key of each text: ``[表情]`` codes and ``#话题#`` tags removed, ASCII letters lower-cased,
    only ``0-9a-z`` and CJK characters kept (missing text → empty key). The reference for
    :func:`normalised_codes`, which computes the same keys as code points."""
    array = pa.chunked_array([_text_array(texts)])
    array = pc.replace_substring_regex(array, EMOTION + "|" + TOPIC, "")
    return pc.replace_substring_regex(pc.ascii_lower(array), NORMALISE_DROP, "")


def normalised_codes(texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """:func:`normalise` as one array of code points (uint32) and ``len(texts) + 1`` offsets.

    The ``[表情]``/``#话题#`` regex runs only on texts that contain ``[`` or ``#``; lower-casing and
    dropping the characters outside ``0-9a-z`` and the CJK blocks are numpy operations on code points.
    """
    return _normalised_array(_text_array(texts))


def _normalised_array(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """:func:`normalised_codes` of a (large) string array without nulls."""
    marked = pc.match_substring_regex(array, r"\[|#")
    if pc.any(marked).as_py():
        replaced = pc.replace_substring_regex(array.filter(marked), EMOTION + "|" + TOPIC, "")
        array = pc.replace_with_mask(array, marked, replaced)
    parts, lengths = [], []
    for lo in range(0, len(array), _TEXT_BATCH):  # batches keep the UTF-32 copies small
        part_codes, part_lengths = _kept_codes(array.slice(lo, _TEXT_BATCH))
        parts.append(part_codes)
        lengths.append(part_lengths)
    offsets = np.zeros(len(array) + 1, dtype=np.int64)
    if lengths:
        np.cumsum(np.concatenate(lengths), out=offsets[1:])
    return (np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint32)), offsets


def _kept_table() -> np.ndarray:
    """Per code point: kept by :func:`normalise` (``0-9``, ``A-Z`` once lower-cased, ``a-z``, CJK)."""
    kept = np.zeros(0x110000, dtype=bool)
    for lo, hi in ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A), (0x3400, 0x9FFF), (0xF900, 0xFAFF)):
        kept[lo:hi + 1] = True
    return kept


_KEPT = _kept_table()


def _kept_codes(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Code points of the texts, ASCII lower-cased, only ``0-9a-z`` and CJK kept; kept count per text.
    The UTF-8 bytes of all texts are decoded at once (no Python string per text)."""
    array = array.cast(pa.large_string())
    lengths = pc.utf8_length(array).to_numpy(zero_copy_only=False).astype(np.int64)
    bounds = np.frombuffer(array.buffers()[1], dtype=np.int64)[[array.offset, array.offset + len(array)]]
    data = memoryview(array.buffers()[2])[bounds[0]:bounds[1]]
    codes = np.frombuffer(str(data, "utf-8").encode("utf-32-le"), dtype=np.uint32)
    keep = _KEPT[codes]
    counts = np.zeros(len(lengths), dtype=np.int64)
    if len(codes):
        starts = np.zeros(len(lengths), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        nonempty = lengths > 0  # reduceat would give an empty text the next text's first character
        counts[nonempty] = np.add.reduceat(keep, starts[nonempty], dtype=np.int64)
    kept = codes[keep]
    kept += ((kept - np.uint32(0x41)) < 26).astype(np.uint32) << np.uint32(5)  # A-Z → a-z
    return kept, counts


def _ragged(texts: list[str], ngram: int) -> tuple[np.ndarray, np.ndarray]:
    """Code points and offsets of ``texts``; a text shorter than ``ngram`` is padded with NULs."""
    if any(len(t) < ngram for t in texts):
        texts = [t.ljust(ngram, "\x00") for t in texts]
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)), out=offsets[1:])
    return np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32), offsets


def _strings(codes: np.ndarray, offsets: np.ndarray) -> list[str]:
    """The texts of a ragged array as Python strings."""
    data = codes.astype(np.uint32).tobytes().decode("utf-32-le")
    return [data[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)]


def _take(codes: np.ndarray, offsets: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The texts ``rows`` of a ragged array, as a new ragged array (gathered in batches of texts, so
    the index arrays stay small)."""
    lengths = offsets[rows + 1] - offsets[rows]
    new_offsets = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=new_offsets[1:])
    out = np.empty(new_offsets[-1], dtype=codes.dtype)
    for lo in range(0, len(rows), _TEXT_BATCH):
        hi = min(len(rows), lo + _TEXT_BATCH)
        start, stop = new_offsets[lo], new_offsets[hi]
        shift = np.repeat(offsets[rows[lo:hi]] - new_offsets[lo:hi], lengths[lo:hi])
        out[start:stop] = codes[shift + np.arange(start, stop)]
    return out, new_offsets


def min_near_chars(threshold: float = THRESHOLD, ngram: int = NGRAM) -> int:
    """Shortest text that can be a near (not exact) duplicate at ``threshold``.

    Two different shingle sets with intersection ``i`` have a union of at least ``i + 1``, so Jaccard
    ≥ ``t`` needs ``i ≥ t / (1 − t)`` shared shingles: both texts need that many shingles.
    """
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be between 0 and 1 (exclusive), got {threshold}")
    return math.ceil(threshold / (1 - threshold) - 1e-9) + ngram - 1


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser (in place): spreads shingle codes over 64 bits."""
    h ^= h >> np.uint64(30)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return h


def _shingles(codes: np.ndarray, offsets: np.ndarray, ngram: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of the character ``ngram`` shingles of each text of a ragged array (every text at
    least ``ngram`` long), concatenated, and the number of shingles per text."""
    wide = codes.astype(np.uint64)
    width = len(wide) - ngram + 1
    h = wide[:width].copy()
    for k in range(1, ngram):  # code points have 21 bits: three of them pack into 63 bits exactly
        h <<= np.uint64(21)
        h ^= wide[k:width + k]
    h ^= np.uint64((seed * 0x9E3779B97F4A7C15) % 2**64)
    _mix(h)
    valid = np.ones(width, dtype=bool)
    for k in range(1, ngram):  # the last ngram − 1 positions of each text run into the next text
        cut = offsets[1:] - k
        valid[cut[cut < width]] = False
    return h[valid], np.diff(offsets) - ngram + 1


def shingle_hashes(texts: list[str], *, ngram: int = NGRAM, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of the character ``ngram`` shingles of each text, concatenated, and the number of
    shingles per text. A text shorter than ``ngram`` is one shingle (padded)."""
    return _shingles(*_ragged(texts, ngram), ngram, seed)


def _signatures(codes: np.ndarray, offsets: np.ndarray, num_perm: int, ngram: int, seed: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """MinHash signatures of the texts of a ragged array and, for the exact checks, the 31-bit shingle
    ids of each text (concatenated; ``len − ngram + 1`` per text)."""
    n = len(offsets) - 1
    out = np.empty((n, num_perm), dtype=np.uint32)
    ids = []
    for lo in range(0, n, _BATCH):
        hi = min(n, lo + _BATCH)
        batch_offsets = offsets[lo:hi + 1] - offsets[lo]
        hashes, counts = _shingles(codes[offsets[lo]:offsets[hi]], batch_offsets, ngram, seed)
        ids.append((hashes >> np.uint64(33)).astype(np.int32))
        rows = np.repeat(np.arange(hi - lo, dtype=np.int64), counts)
        bins = ((hashes >> np.uint64(32)) * np.uint64(num_perm)) >> np.uint64(32)
        sig = np.full((hi - lo) * num_perm, _EMPTY_BIN, dtype=np.uint32)
        np.minimum.at(sig, rows * num_perm + bins.astype(np.int64), hashes.astype(np.uint32))
        out[lo:hi] = _densify(sig.reshape(hi - lo, num_perm))
    return out, np.concatenate([np.zeros(0, dtype=np.int32), *ids])


def minhash_signatures(
    texts: list[str], *, num_perm: int = BANDS * ROWS, ngram: int = NGRAM, seed: int = 1
) -> np.ndarray:
    """MinHash signatures (``len(texts)`` × ``num_perm``, uint32) of the character ``ngram`` shingle sets.

    One permutation hashing: each shingle hash falls into one of ``num_perm`` bins and each bin keeps
    its minimum; an empty bin (short texts) takes the value of the next non-empty bin to its right,
    shifted by the distance (rotation densification, Shrivastava & Li 2014), so two texts agree on a
    bin with probability close to their Jaccard similarity.
    """
    return _signatures(*_ragged(texts, ngram), num_perm, ngram, seed)[0]


def _densify(sig: np.ndarray) -> np.ndarray:
    rows = np.nonzero((sig == _EMPTY_BIN).any(axis=1))[0]
    if len(rows) == 0:
        return sig
    k = sig.shape[1]
    doubled = np.concatenate([sig[rows], sig[rows]], axis=1)
    position = np.where(doubled != _EMPTY_BIN, np.arange(2 * k, dtype=np.int32), np.int32(2 * k))
    nearest = np.minimum.accumulate(position[:, ::-1], axis=1)[:, ::-1][:, :k]
    distance = (nearest - np.arange(k, dtype=np.int32)).astype(np.uint32)
    sig[rows] = np.take_along_axis(doubled, nearest, axis=1) + distance * _ROTATION
    return sig


def _sorted_unique(values: np.ndarray, kind: str | None = None) -> np.ndarray:
    """Sorted distinct values (``np.unique`` is hash-based and far slower on large integer arrays)."""
    values = np.sort(values, kind=kind)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def _band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """``bands`` × rows: a 64-bit hash of each row's values in each band (band ``b`` takes the bins
    ``b``, ``b + bands``, …)."""
    keys = np.empty((bands, len(signatures)), dtype=np.uint64)
    for band in range(bands):
        block = signatures[:, band::bands][:, :rows].astype(np.uint64)
        key = keys[band]
        key[:] = block[:, 0]
        for r in range(1, rows):
            key ^= block[:, r] << np.uint64(32)
            _mix(key)
    return keys


def _band_code(keys: np.ndarray) -> np.ndarray:
    """A dense code of each row's band key (equal values, equal codes, numbered in order of first
    appearance)."""
    return np.asarray(pd.factorize(keys)[0], dtype=np.int32)


def _stable_argsort(keys: np.ndarray, bound: int) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` of non-negative integers below ``bound``: when ``keys · len +
    position`` fits in int64, one sort of those values (numpy's SIMD sort, several times faster than
    the stable argsort)."""
    n = len(keys)
    if bound * max(n, 1) >= 2**63:
        return np.argsort(keys, kind="stable")
    packed = keys.astype(np.int64) * n
    packed += np.arange(n)
    packed.sort()
    return packed % n


def _bucket_pairs(codes: np.ndarray, following: np.ndarray, leaders: int, window: int,
                  neighbours: int) -> tuple[np.ndarray, np.ndarray]:
    """The pairs ``(later, earlier)`` one band proposes (see :func:`candidate_pairs`), possibly repeated,
    as int32 row indices. Only rows that share their bucket are sorted."""
    sizes = np.bincount(codes)
    shared = np.nonzero(sizes[codes] >= 2)[0].astype(np.int32 if len(codes) < 2**31 else np.int64)
    order = shared[_stable_argsort(codes[shared], len(sizes))]  # by bucket, rows in index order
    sorted_codes = codes[order]
    position = np.arange(len(order), dtype=np.int32)
    first = np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]
    start = np.maximum.accumulate(np.where(first, position, np.int32(0)))
    rank_in_bucket = position - start
    later_parts, earlier_parts = [], []
    for k in range(leaders):
        later = np.nonzero(rank_in_bucket > k)[0]
        later_parts.append(order[later])
        earlier_parts.append(order[start[later] + k])
    for k in range(1, window + 1):
        later = np.nonzero(rank_in_bucket >= leaders + k)[0]  # the row k before is not one of the leaders
        later_parts.append(order[later])
        earlier_parts.append(order[later - k])
    # inside a bucket too big for the leaders to cover, rows that also share the next band sit side by side
    large = shared[sizes[codes[shared]] > leaders + 1]
    if neighbours and len(large):
        next_codes = following[large].astype(np.int64)
        bound = int(next_codes.max()) + 1
        combined = codes[large].astype(np.int64) * bound + next_codes  # < n², fits in int64
        order = large[_stable_argsort(combined, len(sizes) * bound)]  # ties stay in row order
        order_codes = codes[order]
        for k in range(1, neighbours + 1):
            same = np.nonzero(order_codes[k:] == order_codes[:-k])[0]
            a, b = order[same + k], order[same]
            later_parts.append(np.maximum(a, b))
            earlier_parts.append(np.minimum(a, b))
    return np.concatenate(later_parts), np.concatenate(earlier_parts)


def _band_pairs(band_range: tuple[int, int]) -> np.ndarray:
    """Sorted distinct pairs that the bands ``lo:hi`` propose and ``keep`` keeps, as ``later * n +
    earlier`` (a :func:`_fork_map` task; each band's codes are computed here, with those of the band
    after the range, which the last band orders its large buckets by)."""
    keys, keep = _FORK_STATE["keys"], _FORK_STATE["keep"]
    leaders, window, neighbours = _FORK_STATE["buckets"]
    bands, n = keys.shape
    lo, hi = band_range
    codes = {band % bands: _band_code(keys[band % bands]) for band in range(lo, hi + 1)}
    runs = [np.zeros(0, dtype=np.int64)]
    for band in range(lo, hi):
        later, earlier = _bucket_pairs(codes[band], codes[(band + 1) % bands], leaders, window,
                                       neighbours)
        if keep is not None:
            kept = np.nonzero(keep(later, earlier))[0]
            later, earlier = later[kept], earlier[kept]
        runs.append(_sorted_unique(later.astype(np.int64) * n + earlier))
    # sorted runs: the stable sort (timsort) merges them in linear time
    return _sorted_unique(np.concatenate(runs), kind="stable")


def candidate_pairs(
    signatures: np.ndarray, *, bands: int = BANDS, rows: int = ROWS, leaders: int = LEADERS,
    window: int = WINDOW, neighbours: int = NEIGHBOURS,
    keep: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None, workers: int = 1,
) -> np.ndarray:
    """LSH candidates: pairs ``(later, earlier)`` of row indices that agree on all ``rows`` values of
    some band (band ``b`` takes the bins ``b``, ``b + bands``, …, which densification leaves least
    alike). In each bucket (rows in index order) every row is paired with the bucket's first
    ``leaders`` rows and the ``window`` rows before it, and with its ``neighbours`` nearest rows when
    the bucket is ordered by the next band's values (rows sharing two bands end up side by side), so
    the work stays linear in the bucket size.

    ``keep(later, earlier)`` (a boolean mask) drops pairs band by band, before the pairs of all bands
    are merged (cheaper than filtering the merged pairs, same result); ``workers`` processes work on
    contiguous ranges of bands, each merging its own bands' pairs."""
    with _Workers(workers, keys=_band_keys(signatures, bands, rows), keep=keep,
                  buckets=(leaders, window, neighbours)) as pool:
        return _merged_band_pairs(pool, (bands, len(signatures)), workers)


def _merged_band_pairs(pool: _Workers, shape: tuple[int, int], groups: int) -> np.ndarray:
    """The candidate pairs of all bands (:func:`candidate_pairs`): the pool's workers (state ``keys``,
    ``keep``, ``buckets``) take ``groups`` contiguous ranges of bands."""
    bands, n = shape
    groups = max(1, min(groups, bands))
    edges = [bands * g // groups for g in range(groups + 1)]
    runs = pool.map(_band_pairs, list(itertools.pairwise(edges)))
    code = _sorted_unique(np.concatenate([np.zeros(0, dtype=np.int64), *runs]), kind="stable")
    index = np.int32 if n < 2**31 else np.int64
    return np.stack([(code // n).astype(index), (code % n).astype(index)], axis=1)


def near_pairs_mask(intersection: np.ndarray, size_a: np.ndarray, size_b: np.ndarray, *,
                    threshold: float = THRESHOLD, containment: float | None = CONTAINMENT) -> np.ndarray:
    """Which pairs of shingle sets (their sizes and the size of their intersection) are near-duplicates:
    Jaccard ≥ ``threshold``, or (unless ``containment`` is None) the smaller set lies ≥ ``containment``
    inside the larger one, has at least ``CONTAINED_MIN_SHINGLES`` shingles and at least
    ``CONTAINED_MIN_RATIO`` of the larger one's."""
    intersection = np.asarray(intersection, dtype=np.float64)
    size_a, size_b = np.asarray(size_a, dtype=np.float64), np.asarray(size_b, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        near = intersection / (size_a + size_b - intersection) >= threshold
        if containment is not None:
            small, large = np.minimum(size_a, size_b), np.maximum(size_a, size_b)
            near |= ((intersection / small >= containment) & (small >= CONTAINED_MIN_SHINGLES)
                     & (small >= CONTAINED_MIN_RATIO * large))
    return near


def _lowest_near_jaccard(small: np.ndarray, large: np.ndarray, threshold: float, containment: float | None,
                         slack: float = LENGTH_SLACK) -> np.ndarray:
    """The lowest Jaccard a pair of shingle sets of sizes ``small`` ≤ ``large`` can have and still be
    near-duplicates (``inf`` when their sizes alone rule it out). Shingle counts overestimate set sizes
    when a 3-gram repeats: with counts, ``slack`` widens the size ratios."""
    ratio = small / np.maximum(large, 1)
    lowest = np.where(ratio >= threshold - slack, threshold, np.inf)
    if containment is not None:
        contained = np.nonzero((small >= CONTAINED_MIN_SHINGLES) & (ratio >= CONTAINED_MIN_RATIO - slack))[0]
        small, large = small[contained], large[contained]
        # |A∩B| ≥ c·|A| with |A| = small: Jaccard ≥ c·small / (large + (1 − c)·small)
        bound = containment * small / (large + (1 - containment) * small)
        lowest[contained] = np.minimum(lowest[contained], bound)
    return lowest


def _needed_agreements(first: np.ndarray, second: np.ndarray, threshold: float, containment: float | None,
                       bins: int) -> np.ndarray:
    """For pairs of texts of ``first`` and ``second`` shingles: how many of the ``bins`` signature bins
    must agree for the pair to be checked exactly (int8): the MinHash estimate may fall
    ``ESTIMATE_MARGIN`` below the lowest Jaccard a near pair of their sizes can have (``_UNREACHABLE``
    when their sizes rule it out)."""
    first, second = first.astype(np.float32), second.astype(np.float32)
    lowest = _lowest_near_jaccard(np.minimum(first, second), np.maximum(first, second), threshold,
                                  containment)
    needed = np.full(len(lowest), _UNREACHABLE, dtype=np.int8)
    reachable = np.isfinite(lowest)
    needed[reachable] = np.ceil((lowest[reachable] - ESTIMATE_MARGIN) * bins - 1e-9)
    return needed


def _set_overlaps(codes: np.ndarray, offsets: np.ndarray, pairs: np.ndarray, ngram: int, seed: int,
                  *, threshold: float = 0.0, containment: float | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact shingle-set sizes of both texts of each pair and the size of their intersection. The
    intersection is computed only for pairs whose set sizes let them reach ``threshold`` Jaccard or the
    containment criterion (0 for the others)."""
    if len(pairs) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    involved = _sorted_unique(pairs.ravel())
    hashes, counts = _shingles(*_take(codes, offsets, involved), ngram, seed)
    matrix = _shingle_matrix((hashes >> np.uint64(33)).astype(np.int32), counts)
    del hashes
    return _matrix_overlaps(matrix, np.searchsorted(involved, pairs), threshold, containment)


def _shingle_matrix(ids: np.ndarray, counts: np.ndarray) -> sp.csr_matrix:
    """Rows = texts, columns = 31-bit shingle ids (``counts`` per text), 1 where a text has the shingle."""
    indptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    matrix = sp.csr_matrix((np.ones(len(ids), dtype=np.int8), ids, indptr), shape=(len(counts), 2**31))
    matrix.sum_duplicates()
    matrix.data[:] = 1
    return matrix


def _matrix_overlaps(matrix: sp.csr_matrix, local: np.ndarray, threshold: float, containment: float | None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Set sizes and intersections of the row pairs ``local`` of a shingle matrix (see _set_overlaps)."""
    sizes = np.diff(matrix.indptr).astype(np.int64)
    size_a, size_b = sizes[local[:, 0]], sizes[local[:, 1]]
    small, large = np.minimum(size_a, size_b), np.maximum(size_a, size_b)
    check = np.nonzero(np.isfinite(_lowest_near_jaccard(small, large, threshold, containment, slack=0.0)))[0]
    intersection = np.zeros(len(local), dtype=np.int64)
    for lo in range(0, len(check), _PAIR_BATCH):
        rows = check[lo:lo + _PAIR_BATCH]
        a, b = local[rows, 0], local[rows, 1]
        intersection[rows] = matrix[a].multiply(matrix[b]).getnnz(axis=1)
    return intersection, size_a, size_b


def shingle_jaccard(
    texts: list[str], pairs: np.ndarray, *, ngram: int = NGRAM, seed: int = 1
) -> np.ndarray:
    """Exact Jaccard similarity of the character ``ngram`` shingle sets of each pair of ``texts``."""
    inter, size_a, size_b = shingle_overlaps(texts, pairs, ngram=ngram, seed=seed)
    return inter / (size_a + size_b - inter)


def shingle_overlaps(
    texts: list[str], pairs: np.ndarray, *, ngram: int = NGRAM, seed: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intersection size and the two set sizes of the character ``ngram`` shingle sets of each pair of
    ``texts`` (the inputs of :func:`near_pairs_mask`)."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return _set_overlaps(*_ragged(texts, ngram), pairs, ngram, seed)


_HIGH_BITS = np.uint64(0x7F7F7F7F7F7F7F7F)


def _shared_array(shape: int | tuple[int, ...], dtype: type) -> np.ndarray:
    """A zeroed array in anonymous shared memory: what forked workers write into it, this process sees
    (large results are not pickled back)."""
    count = int(np.prod(shape))
    dtype = np.dtype(dtype)
    buffer = mmap.mmap(-1, max(1, count * dtype.itemsize))  # MAP_SHARED | MAP_ANONYMOUS
    return np.frombuffer(buffer, dtype=dtype, count=count).reshape(shape)


def _low_byte_records(n: int, bins: int) -> np.ndarray:
    """Shared ``n`` × ``width`` bytes for the lowest byte of each MinHash bin of each text (b-bit
    MinHash, b = 8: agreement ≈ J + (1 − J) / 256), zero-padded to whole uint64 words: comparing two
    texts reads one cache line per text (:func:`_differing_bytes`)."""
    return _shared_array((n, -(-bins // 8) * 8), np.uint8)


def _differing_bytes(records: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Number of bins whose low bytes differ between texts ``a`` and texts ``b`` (int16)."""
    whole = records.view(f"V{records.shape[1]}").reshape(len(records))  # a record per text
    x = whole.take(a).view(np.uint64).reshape(len(a), -1)
    x ^= whole.take(b).view(np.uint64).reshape(len(b), -1)
    y = x & _HIGH_BITS
    y += _HIGH_BITS
    y |= x  # the high bit of each byte is set iff the byte is not 0
    y &= ~_HIGH_BITS
    bits = np.bitwise_count(y)
    differ = bits[:, 0].astype(np.int16)
    for word in range(1, bits.shape[1]):
        differ += bits[:, word]
    return differ


def _similar_pairs(codes: np.ndarray, offsets: np.ndarray, *, threshold: float, containment: float | None,
                   bands: int, rows: int, leaders: int, window: int, ngram: int, seed: int,
                   n_jobs: int | None, texts: np.ndarray | None = None) -> np.ndarray:
    """:func:`similar_pairs` of the texts of a ragged array, or of its texts ``texts`` (in that order;
    the workers gather them)."""
    texts = np.arange(len(offsets) - 1) if texts is None else texts
    n = len(texts)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    workers = (_WORKERS if n_jobs is None else max(1, n_jobs)) if n >= _PARALLEL_MIN_TEXTS else 1
    bins = bands * rows
    shingles = offsets[texts + 1] - offsets[texts] - ngram + 1  # = set size unless a 3-gram repeats
    side = int(shingles.max()) + 1
    if side <= _NEEDED_TABLE_SIDE:  # agreements needed, looked up by the two shingle counts
        sizes = np.arange(side)
        table = _needed_agreements(np.repeat(sizes, side), np.tile(sizes, side), threshold, containment, bins)
        counts = shingles.astype(np.int32)
    else:
        counts = shingles.astype(np.float32)
    # the workers write band keys, packed low bytes and each chunk's shingle sets into shared memory
    keys = _shared_array((bands, n), np.uint64)
    records = _low_byte_records(n, bins)
    slots = np.zeros(n + 1, dtype=np.int64)  # where each text's shingle ids may go: its shingle count
    np.cumsum(shingles, out=slots[1:])
    ids = _shared_array(int(slots[-1]), np.int64)  # sorted distinct 31-bit shingle ids per text
    set_sizes = _shared_array(n, np.int64)

    def worth_checking(later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
        """Pairs whose sizes allow a near pair and whose signatures agree on enough bins: the estimate
        may fall ``ESTIMATE_MARGIN`` below the lowest Jaccard a near pair of their sizes has."""
        first, second = counts.take(later), counts.take(earlier)
        if side <= _NEEDED_TABLE_SIDE:
            first *= side
            first += second
            needed = table.take(first)
        else:
            needed = _needed_agreements(first, second, threshold, containment, bins)
        reachable = np.nonzero(needed <= bins)[0]
        needed = needed[reachable]
        keep = np.zeros(len(later), dtype=bool)
        for lo in range(0, len(reachable), _FILTER_BATCH):  # batches small enough to stay in cache
            batch = reachable[lo:lo + _FILTER_BATCH]
            agree = bins - _differing_bytes(records, later[batch], earlier[batch])
            keep[batch] = agree >= needed[lo:lo + _FILTER_BATCH]
        return keep

    chunks = [(lo, min(n, lo + _BATCH)) for lo in range(0, n, _BATCH)]
    with _Workers(workers, codes=codes, offsets=offsets, texts=texts, slots=slots, ngram=ngram, seed=seed,
                  shape=(bands, rows), keys=keys, records=records, ids=ids, set_sizes=set_sizes,
                  keep=worth_checking, buckets=(leaders, window, NEIGHBOURS),
                  params=(threshold, containment)) as pool:
        pool.map(_signature_chunk, chunks)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(set_sizes, out=indptr[1:])
        for lo, hi in chunks:  # each chunk's sets lie at the start of its slots: close the gaps (in place)
            ids[indptr[lo]:indptr[hi]] = ids[slots[lo]:slots[lo] + indptr[hi] - indptr[lo]]
        pairs = _merged_band_pairs(pool, (bands, n), workers)
        near = pool.map(_near_chunk, [pairs[lo:lo + _PAIR_BATCH] for lo in range(0, len(pairs), _PAIR_BATCH)])
    return pairs[np.concatenate([np.zeros(0, dtype=bool), *near])]


def _signature_chunk(bounds: tuple[int, int]) -> None:
    """The band keys and packed low bytes of the MinHash signatures and the shingle sets of the texts
    ``lo:hi``, written into the shared arrays (a :func:`_fork_map` task): the sets at the start of the
    chunk's slots."""
    lo, hi = bounds
    state = _FORK_STATE
    ngram = state["ngram"]
    codes, local_offsets = _take(state["codes"], state["offsets"], state["texts"][lo:hi])
    bands, rows = state["shape"]
    signatures, ids = _signatures(codes, local_offsets, bands * rows, ngram, state["seed"])
    state["keys"][:, lo:hi] = _band_keys(signatures, bands, rows)
    state["records"][lo:hi, :bands * rows] = signatures.astype(np.uint8)
    matrix = _shingle_matrix(ids, np.diff(local_offsets) - ngram + 1)
    start = state["slots"][lo]
    state["ids"][start:start + matrix.nnz] = matrix.indices
    state["set_sizes"][lo:hi] = np.diff(matrix.indptr)


def _near_chunk(pairs: np.ndarray) -> np.ndarray:
    """Which of ``pairs`` are near-duplicates, checked exactly (a :class:`_Workers` task; the shingle
    matrix is built once per process from the shared sets)."""
    state = _FORK_STATE
    if "matrix" not in state:
        set_sizes = state["set_sizes"]
        indptr = np.zeros(len(set_sizes) + 1, dtype=np.int64)
        np.cumsum(set_sizes, out=indptr[1:])
        matrix = sp.csr_matrix((np.ones(indptr[-1], dtype=np.int8), state["ids"][:indptr[-1]], indptr),
                               shape=(len(set_sizes), 2**31), copy=False)
        matrix.has_canonical_format = True  # each row sorted and without duplicates
        state["matrix"] = matrix
    threshold, containment = state["params"]
    overlaps = _matrix_overlaps(state["matrix"], pairs, threshold, containment)
    return near_pairs_mask(*overlaps, threshold=threshold, containment=containment)


def similar_pairs(
    texts: list[str], threshold: float = THRESHOLD, *, containment: float | None = CONTAINMENT,
    bands: int = BANDS, rows: int = ROWS, leaders: int = LEADERS, window: int = WINDOW, ngram: int = NGRAM,
    seed: int = 1, n_jobs: int | None = None,
) -> np.ndarray:
    """Pairs ``(later, earlier)`` of indices of ``texts`` that are near-duplicates (:func:`near_pairs_mask`:
    character ``ngram`` shingle Jaccard ≥ ``threshold``, or one set contained in the other), found by the
    LSH search described above (the default ``search`` of :func:`find_duplicates`). ``n_jobs``: worker
    processes for 100,000 texts or more (default: one per core, at most 4; 1 = this process only).

    Candidates whose signatures agree (lowest 8 bits of each bin) on less than ``ESTIMATE_MARGIN``
    below the lowest Jaccard a near pair of their sizes can have are dropped before the exact check: on
    the sample, 0.3% of the pairs at or above the Jaccard threshold are estimated that low (densified
    bins of short texts err low).
    """
    return _similar_pairs(*_ragged(texts, ngram), threshold=threshold, containment=containment, bands=bands,
                          rows=rows, leaders=leaders, window=window, ngram=ngram, seed=seed, n_jobs=n_jobs)


def all_similar_pairs(
    texts: list[str], threshold: float = THRESHOLD, *, containment: float | None = CONTAINMENT,
    ngram: int = NGRAM,
) -> np.ndarray:
    """Every pair ``(later, earlier)`` of ``texts`` that are near-duplicates (:func:`near_pairs_mask`), all
    pairs checked: the exact reference for :func:`similar_pairs` (a sparse product of the shingle-set
    matrix; quadratic in the worst case, for tens of thousands of texts, not millions)."""
    hashes, counts = shingle_hashes(texts, ngram=ngram)
    columns = np.asarray(pd.factorize(hashes)[0], dtype=np.int64)
    indptr = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    matrix = sp.csr_matrix((np.ones(len(hashes), dtype=np.float32), columns, indptr),
                           shape=(len(texts), int(columns.max(initial=-1)) + 1))
    matrix.sum_duplicates()
    matrix.data[:] = 1
    sizes = np.diff(matrix.indptr)
    inter = sp.triu(matrix @ matrix.T, k=1).tocoo()
    keep = near_pairs_mask(inter.data, sizes[inter.row], sizes[inter.col], threshold=threshold,
                           containment=containment)
    return np.stack([inter.col[keep], inter.row[keep]], axis=1).astype(np.int64)


def earliest_roots(n: int, pairs: np.ndarray) -> np.ndarray:
    """Near-duplicate trees over ``n`` texts in time order: each text's parent is the earliest text it
    is paired with (pairs in either orientation), and the result is each text's root."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    parent = np.arange(n, dtype=np.int64)
    np.minimum.at(parent, pairs.max(axis=1), pairs.min(axis=1))
    while True:
        step = parent[parent]
        if np.array_equal(step, parent):
            return parent
        parent = step


def time_rank(posts: pd.DataFrame) -> np.ndarray:
    """Rank of each post in time order: ``created_at`` at the middle of its ``time_precision``
    interval (missing times last), then ``platform`` and ``post_id``, so the order does not depend on
    the order of the rows."""
    created = posts["created_at"]
    if not pd.api.types.is_datetime64_any_dtype(created):
        created = pd.to_datetime(created, utc=True)
    ns = created.dt.as_unit("ns").array.asi8.copy()  # UTC epoch nanoseconds
    if "time_precision" in posts:
        codes, names = pd.factorize(posts["time_precision"])
        half = np.array([HALF_PRECISION_NS.get(name, 0) for name in names] + [0], dtype=np.int64)
        ns += half[codes]  # code -1 (missing) takes the last entry, 0
    ns[created.isna().to_numpy()] = np.iinfo(np.int64).max
    table = pa.table({"time": ns, "platform": _text_array(posts["platform"]),
                      "post_id": _text_array(posts["post_id"]), "row": np.arange(len(posts))})
    order = pc.sort_indices(table, sort_keys=[(name, "ascending") for name in table.column_names])
    rank = np.empty(len(posts), dtype=np.int64)
    rank[order.to_numpy()] = np.arange(len(posts))
    return rank


def find_duplicates(
    posts: pd.DataFrame,
    *,
    text_column: str = "text_clean",
    own_text_column: str = "own_text",
    threshold: float = THRESHOLD,
    containment: float | None = CONTAINMENT,
    near_min_chars: int | None = None,
    repost_max_chars: int = REPOST_MAX_CHARS,
    ngram: int = NGRAM,
    seed: int = 1,
    search: Callable[[list[str], float], np.ndarray] | None = None,
    n_jobs: int | None = None,
    text_codes: tuple[np.ndarray, pa.Array] | None = None,
) -> pd.DataFrame:
    """``dup_group``, ``is_canonical`` and ``dup_kind`` for each post (same index as ``posts``).

    ``posts`` needs ``platform``, ``post_id``, ``created_at``, ``is_repost``, ``parent_post_id`` and the
    text columns (``own_text`` falls back to the text when absent; ``time_precision`` is used when
    present). Near-duplicates are searched among normalised texts of at least ``near_min_chars``
    characters (default and floor: :func:`min_near_chars`, the shortest that can reach ``threshold``):
    Jaccard ≥ ``threshold`` or, unless ``containment`` is None, one 3-gram set contained in the other
    (:func:`near_pairs_mask`). ``search(texts, threshold)`` replaces the LSH search
    (:func:`similar_pairs`): it gets the distinct normalised texts in time order and returns index pairs
    of near-duplicates by its own criterion (the benchmark plugs other methods in here). ``n_jobs``:
    worker processes of the LSH search for 100,000 texts or more (default: one per core, at most 4;
    1 = this process only); the output does not depend on it. ``text_codes``: ``(codes, texts)`` when
    the caller already has each post's ``text_column`` as an index into an array of texts (prepare: its
    distinct raw texts and their cleaned texts), so that the column is not factorized again; same output.
    """
    n = len(posts)
    if n == 0:
        return pd.DataFrame({"dup_group": pd.Series([], dtype="Int64"),
                             "is_canonical": pd.Series([], dtype=bool),
                             "dup_kind": pd.Series([], dtype="string[pyarrow]")}, index=posts.index)
    min_chars = max(near_min_chars or 0, min_near_chars(threshold, ngram))
    if text_codes is None:
        text_codes, distinct = pd.factorize(posts[text_column].astype("string[pyarrow]").fillna(""))
        distinct = _text_array(pd.Series(distinct, dtype="string[pyarrow]"))
    else:
        text_codes, distinct = np.asarray(text_codes[0]), text_codes[1]
        distinct = distinct.combine_chunks() if isinstance(distinct, pa.ChunkedArray) else distinct
        distinct = pc.fill_null(distinct.cast(pa.large_string()), "")
        if len(text_codes) != n:
            raise ValueError(f"text_codes has {len(text_codes)} codes for {n} posts")
    found = {}

    def meanwhile() -> None:  # storm reposts, their originals and the time order, while texts are normalised
        parent = posts["parent_post_id"].astype("string[pyarrow]").fillna("")
        repost = posts["is_repost"].fillna(False).to_numpy(dtype=bool) & (parent != "").to_numpy()
        if repost.any():  # a storm repost: own words (normalised) no longer than repost_max_chars
            own = posts[own_text_column] if own_text_column in posts else posts[text_column]
            candidates = np.nonzero(repost)[0]
            own_lengths = np.diff(normalised_codes(own.iloc[candidates])[1])
            repost[candidates[own_lengths > repost_max_chars]] = False
        found.update(repost=repost, rank=time_rank(posts), links=_repost_links(posts, repost, parent))

    workers = (_WORKERS if n_jobs is None else max(1, n_jobs)) if len(distinct) >= _PARALLEL_MIN_TEXTS else 1
    codes, offsets, key_of_text = _exact_keys(distinct, workers, meanwhile)
    repost, rank, links = found["repost"], found["rank"], found["links"]

    # exact: one code per distinct normalised text; a text's time is its first non-repost post
    key_codes = key_of_text[np.asarray(text_codes, dtype=np.int64)]
    n_keys = int(key_of_text.max()) + 1  # keys of texts no post has are never searched
    example = np.full(n_keys, len(distinct), dtype=np.int64)  # a text (index into distinct) per key
    np.minimum.at(example, key_of_text, np.arange(len(distinct)))
    key_lengths = np.diff(offsets)[example]
    first_rank = np.full(n_keys, n, dtype=np.int64)
    np.minimum.at(first_rank, key_codes[~repost], rank[~repost])

    # near: distinct texts long enough, in time order, each joins its earliest similar predecessor
    searched = np.nonzero((first_rank < n) & (key_lengths >= min_chars))[0]
    searched = searched[np.argsort(first_rank[searched], kind="stable")]
    key_root = np.arange(n_keys, dtype=np.int64)
    if len(searched) > 1:
        if search is None:  # the normalised texts in time order
            pairs = _similar_pairs(codes, offsets, texts=example[searched], threshold=threshold,
                                   containment=containment, bands=BANDS, rows=ROWS, leaders=LEADERS,
                                   window=WINDOW, ngram=ngram, seed=seed, n_jobs=n_jobs)
        else:
            pairs = search(_strings(*_take(codes, offsets, example[searched])), threshold)
        del codes, offsets
        key_root[searched] = searched[earliest_roots(len(searched), pairs)]

    group_raw = key_root[key_codes]
    empty = key_lengths[key_codes] == 0
    group_raw[empty] = n_keys + np.nonzero(empty)[0]  # empty text: its own group
    _join_reposts(group_raw, links, offset=n_keys + n)

    # canonical: earliest non-repost member (reposts only when the group has nothing else)
    order = np.lexsort((rank, repost, group_raw))
    sorted_groups = group_raw[order]
    first_rows = order[np.r_[True, sorted_groups[1:] != sorted_groups[:-1]]]
    is_canonical = np.zeros(n, dtype=bool)
    is_canonical[first_rows] = True
    canonical_by_group = np.zeros(int(group_raw.max()) + 1, dtype=np.int64)
    canonical_by_group[group_raw[first_rows]] = first_rows
    canonical_of = canonical_by_group[group_raw]
    group_number = np.zeros(n, dtype=np.int64)
    group_number[np.sort(first_rows)] = np.arange(len(first_rows))
    dup_group = group_number[canonical_of]  # dense, in input order of the canonical posts

    kind = np.full(n, DUP_KINDS.index("exact"), dtype=np.int8)  # codes into DUP_KINDS
    new_text = ~repost & (rank == first_rank[key_codes]) & (key_codes != key_codes[canonical_of])
    kind[new_text & ~empty] = DUP_KINDS.index("near")
    kind[repost] = DUP_KINDS.index("repost")
    kind[is_canonical] = DUP_KINDS.index("unique")
    return pd.DataFrame({
        "dup_group": pd.array(dup_group, dtype="Int64"),
        "is_canonical": is_canonical,
        "dup_kind": pd.array(pa.array(DUP_KINDS, pa.large_string()).take(kind), dtype="string[pyarrow]"),
    }, index=posts.index)


def _exact_keys(texts: pa.Array, workers: int, meanwhile: Callable[[], None]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The normalised texts (code points and offsets; ``workers`` processes normalise batches of texts
    while ``meanwhile()`` runs here) and a dense code per distinct normalised text (in order of first
    appearance; Arrow hashes each text's UTF-32 bytes)."""
    n = len(texts)
    slots = np.zeros(n + 1, dtype=np.int64)  # a text keeps at most its characters
    np.cumsum(pc.utf8_length(texts).to_numpy(zero_copy_only=False), out=slots[1:])
    shared_codes, lengths = _shared_array(int(slots[-1]), np.uint32), _shared_array(n, np.int64)
    chunks = [(lo, min(n, lo + _TEXT_BATCH)) for lo in range(0, n, _TEXT_BATCH)]
    _fork_map(_normalised_chunk, chunks, workers, meanwhile=meanwhile, texts=texts, slots=slots,
              codes=shared_codes, lengths=lengths)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    for lo, hi in chunks:  # each batch's codes lie at the start of its slots: close the gaps (in place)
        shared_codes[offsets[lo]:offsets[hi]] = shared_codes[slots[lo]:slots[lo] + offsets[hi] - offsets[lo]]
    codes = shared_codes[:offsets[-1]]
    as_bytes = pa.LargeBinaryArray.from_buffers(pa.large_binary(), n,
                                                [None, pa.py_buffer(offsets * 4), pa.py_buffer(codes)])
    return codes, offsets, pc.dictionary_encode(as_bytes).indices.to_numpy().astype(np.int64)


def _normalised_chunk(bounds: tuple[int, int]) -> None:
    """:func:`normalised_codes` of the texts ``lo:hi``, written at the start of their slots (a
    :func:`_fork_map` task)."""
    lo, hi = bounds
    state = _FORK_STATE
    codes, offsets = _normalised_array(state["texts"].slice(lo, hi - lo))
    start = state["slots"][lo]
    state["codes"][start:start + len(codes)] = codes
    state["lengths"][lo:hi] = np.diff(offsets)


def _repost_links(posts: pd.DataFrame, repost: np.ndarray, parent: pd.Series
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each repost leads: the row its chain of reposts ends at (``target``, where ``found``), and
    for a repost whose original was not collected a code per original (``lost``; −1 elsewhere)."""
    platform = np.asarray(pd.factorize(posts["platform"].astype("string[pyarrow]").fillna(""))[0])
    post_ids = _text_array(posts["post_id"])
    parents = _text_array(parent)
    target = np.arange(len(posts), dtype=np.int64)
    found = np.zeros(len(posts), dtype=bool)
    for code in np.unique(platform[repost]):
        rows = np.nonzero(platform == code)[0]
        reposts_here = np.nonzero(repost & (platform == code))[0]
        at = pc.index_in(parents.take(reposts_here), value_set=post_ids.take(rows))  # first match
        at = at.to_numpy(zero_copy_only=False)
        hit = ~np.isnan(at)
        target[reposts_here[hit]] = rows[at[hit].astype(np.int64)]
        found[reposts_here[hit]] = True
    missing = repost & ~found
    lost = np.full(len(posts), -1, dtype=np.int64)
    if missing.any():
        lost[missing], _ = pd.factorize(pd.Series(platform[missing].astype(str) + "\x1f"
                                                  + parents.filter(missing).to_numpy(zero_copy_only=False)))
    for _ in range(64):  # a repost of a repost: follow the chain up to the first post that is not one
        step = np.where(found[target], target[target], target)
        if np.array_equal(step, target):
            break
        target = step
    return target, found, lost


def _join_reposts(group_raw: np.ndarray, links: tuple[np.ndarray, np.ndarray, np.ndarray], *, offset: int
                  ) -> None:
    """Reposts join their original's group (:func:`_repost_links`), or a group per original that was
    not collected (in place)."""
    target, found, lost = links
    missing = lost >= 0
    group_raw[missing] = offset + lost[missing]
    group_raw[found] = group_raw[target[found]]


def score_near_duplicates(marked: pd.DataFrame, truth: pd.DataFrame) -> dict:
    """Precision and recall of ``near`` marks against a ground truth (the synthetic corpus's
    ``truth/ground_truth.csv.gz``: ``platform``, ``post_id``, ``duplicate_of``, ``dup_kind``).

    Posts are matched on (``platform``, ``post_id``); truth rows of posts that were not marked (e.g.
    rejected records) are left out. A post is a *true positive* when the truth calls it ``near``,
    textkit calls it ``near`` and puts it in the same ``dup_group`` as the post the truth says it
    copies (``duplicate_of``). Precision = true positives / posts textkit calls ``near``; recall = true
    positives / posts the truth calls ``near`` whose original was marked too. ``group_recall`` per truth
    kind is the share of the truth's copies (``exact``, ``near``, ``repost``) that share a group with
    their ``duplicate_of`` whatever textkit calls them.
    """
    key = ["platform", "post_id"]
    mine = marked[[*key, "dup_group", "dup_kind"]].astype({"platform": str, "post_id": str})
    theirs = truth[[*key, "duplicate_of", "dup_kind"]].astype(str).rename(columns={"dup_kind": "truth_kind"})
    both = mine.merge(theirs, on=key, how="inner")
    group_of = pd.Series(both["dup_group"].to_numpy(), index=pd.MultiIndex.from_frame(both[key]))
    original = group_of.reindex(pd.MultiIndex.from_arrays([both["platform"], both["duplicate_of"]]))
    has_original = original.notna().to_numpy() & (both["duplicate_of"] != "").to_numpy()
    same_group = has_original & (original.to_numpy() == both["dup_group"].to_numpy())
    truth_near = (both["truth_kind"] == "near").to_numpy()
    marked_near = (both["dup_kind"] == "near").to_numpy()
    true_positive = int((truth_near & marked_near & same_group).sum())
    n_marked, n_truth = int(marked_near.sum()), int((truth_near & has_original).sum())
    return {
        "precision": true_positive / n_marked if n_marked else 1.0,
        "recall": true_positive / n_truth if n_truth else 1.0,
        "true_positives": true_positive,
        "marked_near": n_marked,
        "truth_near": n_truth,
        "group_recall": {
            kind: float(same_group[(both["truth_kind"] == kind).to_numpy() & has_original].mean())
            for kind in ("exact", "near", "repost")
            if ((both["truth_kind"] == kind).to_numpy() & has_original).any()
        },
        "posts_scored": len(both),
    }
