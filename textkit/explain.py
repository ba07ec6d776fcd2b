"""Why a spike happened: distinguishing terms, rising clusters, amplified posts, category mix, events.

For each spike the posts of its series inside the window are contrasted with the same series over a
baseline window just before it (``baseline_days``; the rest of the series when nothing precedes it):

* ``terms`` — log-odds ratio with an informative Dirichlet prior (:mod:`textkit.keyness`) over the
  posts' ``tokens`` (each term once per post), top terms by z with their count in the window;
* ``clusters`` — clusters (``clusters.parquet``) whose share rose most, ``new`` when absent before;
* ``amplified_posts`` — duplicate/repost groups with most records in the window, shown through their
  canonical post's redacted ``text_clean`` with repost / exact / near-duplicate counts;
* ``category_mix`` — complaint categories of the window's posts;
* ``events`` — rows of ``data/events.csv`` that overlap the window or start shortly before it.

:func:`explanation_table` flattens the same content to one DataFrame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from textkit.complaints import CATEGORIES, NONE, run_starts
from textkit.timeline import bin_index, category_codes, value_codes

EVENT_LEAD = {"H": pd.Timedelta(hours=6), "D": pd.Timedelta(days=1)}
STEP = {"H": pd.Timedelta(hours=1), "D": pd.Timedelta(days=1)}
POST_PREVIEW = 120
DUP_KINDS = ("repost", "exact", "near")  # copies counted per amplified post
GROUPS = (*CATEGORIES, NONE, "other")  # posts are counted per category group and bin
ALPHA0 = 1000.0  # pseudo-counts of the informative Dirichlet prior (as textkit.keyness)


def _groups_of(series: str) -> list[int]:
    if series == "all_posts":
        return list(range(len(GROUPS)))
    if series == "all_complaints":
        return [g for g, name in enumerate(GROUPS) if name != NONE]
    return [GROUPS.index(series)]


def token_lists(tokens: pd.Series) -> pa.Array:
    """A ``tokens`` column as an Arrow list array (no copy of the strings of an Arrow-backed column)."""
    if isinstance(tokens.dtype, pd.ArrowDtype):
        array = pa.array(tokens)
    else:
        array = pa.array(tokens.to_numpy(dtype=object), type=pa.large_list(pa.large_string()),
                         from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


class _BinCounts:
    """How many posts hold each item (a term, a cluster), per (category group, bin); summed over bin
    ranges of a series."""

    def __init__(self, cells: np.ndarray, items: np.ndarray, n_cells: int, n_items: int, n_bins: int,
                 posts: np.ndarray | None = None):
        """One (cell, item) pair per occurrence; with ``posts`` an item counts once per post."""
        n_posts = int(posts.max()) + 1 if posts is not None and len(posts) else 1
        if n_cells * n_items * n_posts >= 2 ** 63:
            raise ValueError(f"{n_cells} cells × {n_items} items × {n_posts} posts overflow 64-bit keys")
        keys = cells.astype(np.int64)
        keys *= n_items
        keys += items
        if posts is not None:
            keys *= n_posts
            keys += posts
        keys.sort()  # one sort: (cell, item) pairs together, the same post's repeats side by side
        if posts is not None:
            keys = keys[run_starts(keys)]
            keys //= n_posts
        first = np.flatnonzero(run_starts(keys))
        self.data = np.diff(np.append(first, len(keys)))
        rows, self.indices = np.divmod(keys[first], n_items)
        self.indptr = np.searchsorted(rows, np.arange(n_cells + 1))
        self.n_items, self.n_bins = n_items, n_bins

    def total(self, series: str, spans: list[tuple[int, int]]) -> np.ndarray:
        """Counts per item over bins ``[first, stop)`` of each span, for the posts of ``series``."""
        parts = [slice(self.indptr[g * self.n_bins + first], self.indptr[g * self.n_bins + stop])
                 for g in _groups_of(series) for first, stop in spans if stop > first]
        if not parts:
            return np.zeros(self.n_items, np.int64)
        return np.bincount(np.concatenate([self.indices[p] for p in parts]),
                           weights=np.concatenate([self.data[p] for p in parts]),
                           minlength=self.n_items).astype(np.int64)


class SpikeCorpus:
    """A frame prepared once for many spike explanations: posts in bin order and counts of posts,
    terms and clusters per (category group, bin). Needs the columns :func:`explain_spikes` lists."""

    def __init__(self, frame: pd.DataFrame, freq: str, clusters: pd.DataFrame | None):
        frame = frame.reset_index(drop=True)
        self.frame, self.freq = frame, freq
        positions, self.bins = bin_index(frame["created_at"], freq)
        codes = category_codes(frame["category"])
        group = np.where(codes >= 0, codes, len(GROUPS) - 1)
        n_bins = len(self.bins)
        n_cells = len(GROUPS) * n_bins
        cell = np.where(positions >= 0, group * n_bins + positions, -1)
        self.posts = np.bincount(cell[cell >= 0], minlength=n_cells)
        self.positions, self.codes = positions, codes
        self.authors = value_codes(frame["author_id"])
        self.dup_group = frame["dup_group"].to_numpy(dtype=float, na_value=np.nan)
        self.dup_kind = value_codes(frame["dup_kind"], DUP_KINDS)
        self.terms, self.vocabulary, self.blank = self._term_counts(frame["tokens"], cell, n_cells, n_bins)
        self.clusters, self.cluster_ids, self.cluster_labels = self._cluster_counts(
            clusters, cell, n_cells, n_bins)
        canonical = frame["is_canonical"].fillna(False).astype(bool).to_numpy()
        heads = pd.Series(np.flatnonzero(canonical), index=frame["dup_group"].to_numpy()[canonical])
        self.heads = heads[~heads.index.duplicated()]

    @staticmethod
    def _term_counts(tokens: pd.Series, cell, n_cells, n_bins):
        """Per (group, bin) in how many posts each term occurs; terms numbered in sorted order."""
        lists = token_lists(tokens)
        post = pc.list_parent_indices(lists).to_numpy()
        encoded = pc.list_flatten(lists)
        if not pa.types.is_dictionary(encoded.type):
            encoded = pc.dictionary_encode(encoded)
        order = pc.sort_indices(encoded.dictionary)
        dictionary = encoded.dictionary.take(order)
        rank = np.empty(len(dictionary), np.int32)
        rank[order.to_numpy()] = np.arange(len(dictionary))
        if encoded.null_count:
            valid = pc.is_valid(encoded).to_numpy(zero_copy_only=False)
            post, encoded = post[valid], encoded.filter(valid)
        term = rank[encoded.indices.to_numpy()]
        cells = cell[post]
        if (cells < 0).any():  # posts without a time
            keep = cells >= 0
            post, term, cells = post[keep], term[keep], cells[keep]
        vocabulary = np.array(dictionary.to_pylist(), dtype=object)
        blank = pc.utf8_length(pc.utf8_trim_whitespace(dictionary)).to_numpy(zero_copy_only=False) == 0
        return _BinCounts(cells, term, n_cells, len(vocabulary), n_bins, posts=post), vocabulary, blank

    def _cluster_counts(self, clusters: pd.DataFrame | None, cell, n_cells, n_bins):
        """Per (group, bin) the posts of each cluster (≥ 0), the cluster ids and their labels."""
        if clusters is None or clusters.empty:
            return None, np.zeros(0, np.int64), {}
        keys = ["platform", "post_id"]
        if _same_keys(clusters, self.frame, keys):  # the cluster stage keeps the prepared order
            cluster = clusters["cluster"].to_numpy(dtype=np.int64, na_value=-1)
        else:  # a key listed twice counts with its first row
            known = pa.array(clusters["platform"].astype(str) + "\x1f" + clusters["post_id"].astype(str))
            wanted = pa.array(self.frame["platform"].astype(str) + "\x1f" + self.frame["post_id"].astype(str))
            found = pc.index_in(wanted, value_set=known)
            matched = pc.is_valid(found).to_numpy(zero_copy_only=False)
            row = pc.fill_null(found, 0).to_numpy().astype(np.int64)
            cluster = np.where(matched, clusters["cluster"].to_numpy(dtype=np.int64, na_value=-1)[row], -1)
        ids = _distinct(cluster[cluster >= 0])
        labelled = "cluster_label" in clusters.columns
        first = clusters.drop_duplicates("cluster").set_index("cluster")
        labels = {int(k): (str(first.loc[k, "cluster_label"]) if labelled else "") for k in ids}
        keep = (cluster >= 0) & (cell >= 0)
        counts = _BinCounts(cell[keep], np.searchsorted(ids, cluster[keep]), n_cells, len(ids), n_bins)
        return counts, ids, labels

    def span(self, start: pd.Timestamp, end: pd.Timestamp) -> tuple[int, int]:
        """Bins ``[first, stop)`` from ``start`` to ``end`` inclusive."""
        return int(self.bins.searchsorted(start, side="left")), int(self.bins.searchsorted(end, side="right"))

    def posts_in(self, series: str, spans: list[tuple[int, int]]) -> np.ndarray:
        """Posts per group over the spans (zero for the groups outside ``series``)."""
        per_group = self.posts.reshape(len(GROUPS), -1)
        out = np.zeros(len(GROUPS), np.int64)
        for g in _groups_of(series):
            out[g] = sum(int(per_group[g, first:stop].sum()) for first, stop in spans)
        return out

    def rows(self, series: str, first: int, stop: int) -> np.ndarray:
        """Frame rows of ``series`` in bins ``[first, stop)``, in frame order."""
        rows = np.flatnonzero((self.positions >= first) & (self.positions < stop))
        return rows[np.isin(np.where(self.codes[rows] >= 0, self.codes[rows], len(GROUPS) - 1),
                            _groups_of(series))]


def log_odds(counts_a: np.ndarray, counts_b: np.ndarray, alpha0: float = ALPHA0):
    """:func:`textkit.keyness.log_odds_dirichlet` on count arrays over one vocabulary (its default prior,
    both corpora together): z and delta for the terms present in either (mask returned too)."""
    present = (counts_a > 0) | (counts_b > 0)
    y_a, y_b = counts_a[present].astype(float), counts_b[present].astype(float)
    background = y_a + y_b + 0.01
    alpha = alpha0 * background / background.sum()
    n_a, n_b = y_a.sum(), y_b.sum()
    delta = (np.log((y_a + alpha) / (n_a + alpha0 - y_a - alpha))
             - np.log((y_b + alpha) / (n_b + alpha0 - y_b - alpha)))
    z = delta / np.sqrt(1 / (y_a + alpha) + 1 / (y_b + alpha))
    return present, z, delta


def _terms(corpus: SpikeCorpus, inside: np.ndarray, before: np.ndarray, top: int,
           min_count: int) -> list[dict]:
    present, z, _ = log_odds(inside, before)
    index = np.flatnonzero(present)
    usable = (inside[index] >= min_count) & (z > 0) & ~corpus.blank[index]
    index, z = index[usable], z[usable]
    best = np.lexsort((index, -z))[:top]  # terms are numbered in sorted order
    return [{"term": str(corpus.vocabulary[i]), "z": round(float(score), 3), "count": int(inside[i]),
             "baseline_count": int(before[i])} for i, score in zip(index[best], z[best], strict=True)]


def _clusters(corpus: SpikeCorpus, series: str, window: list, baseline: list, top: int) -> list:
    if corpus.clusters is None:
        return []
    inside = corpus.clusters.total(series, window)
    if inside.sum() == 0:
        return []
    outside = corpus.clusters.total(series, baseline)
    share = inside / inside.sum()
    baseline_share = outside / outside.sum() if outside.sum() else np.zeros(len(outside))
    rise = share - baseline_share
    candidates = np.flatnonzero((inside > 0) & (rise > 0))
    best = candidates[np.lexsort((candidates, -inside[candidates], -rise[candidates]))][:top]
    ids = corpus.cluster_ids
    return [{"cluster": int(ids[k]), "label": corpus.cluster_labels[int(ids[k])], "count": int(inside[k]),
             "share": round(float(share[k]), 4), "baseline_share": round(float(baseline_share[k]), 4),
             "new": bool(baseline_share[k] == 0)}
            for k in best]


def _same_keys(left: pd.DataFrame, right: pd.DataFrame, keys: list[str]) -> bool:
    """Whether two tables hold the same key values row by row."""
    if len(left) != len(right):
        return False
    for key in keys:
        values = []
        for table in (left, right):
            array = pa.array(table[key].astype(str), from_pandas=True)
            values.append(array.cast(pa.large_string()))
        if not pc.all(pc.equal(*values), skip_nulls=False).as_py():
            return False
    return True


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (``np.unique`` without its hashing, which is slow on large arrays)."""
    values = np.sort(values)
    return values[run_starts(values)]


def _amplified_posts(corpus: SpikeCorpus, rows: np.ndarray, top: int) -> list[dict]:
    frame = corpus.frame
    group = corpus.dup_group[rows]
    rows = rows[~np.isnan(group)]
    group = group[~np.isnan(group)].astype(np.int64)
    order = np.lexsort((corpus.authors[rows], group))
    rows, group = rows[order], group[order]
    starts = np.flatnonzero(run_starts(group))
    if not len(starts):
        return []
    kind = corpus.dup_kind[rows]
    size = np.diff(np.append(starts, len(rows)))
    author = corpus.authors[rows]
    new_author = (author >= 0) & (np.diff(author, prepend=-1) != 0)
    new_author[starts] = author[starts] >= 0
    voices = np.add.reduceat(new_author.astype(np.int64), starts)
    counts = {k: np.add.reduceat((kind == code).astype(np.int64), starts) for code, k in enumerate(DUP_KINDS)}
    ids = group[starts]
    best = np.lexsort((ids, -voices, -size))
    best = best[size[best] >= 2][:top]
    posts = []
    for i in best.tolist():
        head = corpus.heads.get(ids[i])
        head = frame.iloc[int(head) if head is not None else int(rows[starts[i]:starts[i] + size[i]].min())]
        text = str(head["text_clean"]) if pd.notna(head["text_clean"]) else ""
        posts.append({
            "dup_group": int(ids[i]), "platform": str(head["platform"]), "post_id": str(head["post_id"]),
            "category": str(head["category"]), "text_clean": text[:POST_PREVIEW],
            "posts": int(size[i]), "authors": int(voices[i]), "reposts": int(counts["repost"][i]),
            "exact": int(counts["exact"][i]), "near": int(counts["near"][i]),
        })
    return posts


def _event_records(events: pd.DataFrame | None) -> list[tuple[pd.Timestamp, pd.Timestamp, dict]]:
    """(start, end or start, JSON record) of each event."""
    if events is None or events.empty:
        return []
    return [(r.start, r.end if pd.notna(r.end) else r.start,
             {"start": r.start.isoformat(), "end": r.end.isoformat() if pd.notna(r.end) else None,
              "label_zh": r.label_zh, "label_en": r.label_en, "kind": r.kind, "source": r.source})
            for r in events.itertuples(index=False)]


def _events(records: list, start: pd.Timestamp, end: pd.Timestamp, freq: str) -> list[dict]:
    """Events that overlap the window or start shortly (``EVENT_LEAD``) before it."""
    return [record for first, last, record in records
            if first <= end + STEP[freq] and last >= start - EVENT_LEAD[freq]]


def _default_events() -> pd.DataFrame | None:
    from textkit.events import load_events
    from textkit.paths import EVENTS_CSV

    return load_events() if EVENTS_CSV.exists() else None


def explain_spikes(
    spikes: list[dict],
    frame: pd.DataFrame,
    *,
    freq: str = "H",
    clusters: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    baseline_days: int = 7,
    top_terms: int = 15,
    top_posts: int = 5,
    min_count: int = 3,
    corpus: SpikeCorpus | None = None,
) -> list[dict]:
    """Add ``events`` and ``explanation`` to each spike (dicts from :func:`textkit.spikes.detect_spikes`).

    ``frame`` is the prepared table joined with :func:`textkit.complaints.detect` output (needs
    ``created_at``, ``category``, ``tokens``, ``dup_group``, ``dup_kind``, ``is_canonical``,
    ``text_clean``, ``author_id``, ``platform``, ``post_id``). ``events`` defaults to ``data/events.csv``.
    ``corpus`` is a :class:`SpikeCorpus` built ahead (say in another thread) from the same ``frame``,
    ``freq`` and ``clusters``.
    """
    records = _event_records(_default_events() if events is None else events)
    if not spikes:
        return []
    if corpus is None:
        corpus = SpikeCorpus(frame, freq, clusters)
    elif corpus.freq != freq or len(corpus.frame) != len(frame):
        raise ValueError("corpus was built from another frame or freq than explain_spikes was given")
    explained = []
    for spike in spikes:
        start, end = pd.Timestamp(spike["start"]), pd.Timestamp(spike["end"])
        series = spike["series"]
        window = [corpus.span(start, end)]
        first, stop = window[0]
        baseline = [(int(corpus.bins.searchsorted(start - pd.Timedelta(days=baseline_days))), first)]
        if corpus.posts_in(series, baseline).sum() < 20:
            baseline = [(0, first), (stop, len(corpus.bins))]
        mix = corpus.posts_in(series, window)
        explanation = {
            "terms": _terms(corpus, corpus.terms.total(series, window), corpus.terms.total(series, baseline),
                            top_terms, min_count),
            "clusters": _clusters(corpus, series, window, baseline, top_posts),
            "amplified_posts": _amplified_posts(corpus, corpus.rows(series, first, stop), top_posts),
            "category_mix": {c: int(mix[GROUPS.index(c)]) for c in (*CATEGORIES, NONE)},
        }
        explained.append({**spike, "events": _events(records, start, end, freq), "explanation": explanation})
    return explained


def explanation_table(spikes: list[dict]) -> pd.DataFrame:
    """One row per explanation item: ``spike``, ``part`` (term, cluster, post, category, event), ``rank``,
    ``item``, ``value`` (z, share, posts or count) and ``count``."""
    rows = []
    for spike in spikes:
        explanation = spike.get("explanation", {})
        for rank, term in enumerate(explanation.get("terms", []), 1):
            rows.append((spike["id"], "term", rank, term["term"], term["z"], term["count"]))
        for rank, cluster in enumerate(explanation.get("clusters", []), 1):
            rows.append((spike["id"], "cluster", rank, cluster["label"] or str(cluster["cluster"]),
                         cluster["share"], cluster["count"]))
        for rank, post in enumerate(explanation.get("amplified_posts", []), 1):
            rows.append((spike["id"], "post", rank, post["text_clean"], post["posts"], post["reposts"]))
        mix = sorted(explanation.get("category_mix", {}).items(), key=lambda kv: -kv[1])
        for rank, (category, count) in enumerate(mix, 1):
            rows.append((spike["id"], "category", rank, category, count, count))
        for rank, event in enumerate(spike.get("events", []), 1):
            rows.append((spike["id"], "event", rank, event["label_en"], None, None))
    return pd.DataFrame(rows, columns=["spike", "part", "rank", "item", "value", "count"])
