"""Distinguishing terms between two sets of documents: log-odds ratio with an informative Dirichlet prior.

Monroe, Colaresi & Quinn (2008), "Fightin' Words", section 3.5.1: for term w with counts y_a, y_b in the
two corpora (totals n_a, n_b) and prior pseudo-counts α_w summing to α_0,

    δ_w = log((y_a + α_w) / (n_a + α_0 − y_a − α_w)) − log((y_b + α_w) / (n_b + α_0 − y_b − α_w))
    σ²_w ≈ 1 / (y_a + α_w) + 1 / (y_b + α_w),      z_w = δ_w / σ_w

The prior is the term distribution of a background corpus (by default both corpora together) scaled
to ``alpha0`` pseudo-counts, which shrinks rare terms towards zero instead of ranking them first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd


def term_counts(token_lists: Iterable[Iterable[str]], *, per_document: bool = True) -> Counter:
    """Count terms over documents; ``per_document`` counts each term once per document."""
    counts: Counter = Counter()
    for tokens in token_lists:
        if tokens is None:
            continue
        counts.update(set(tokens) if per_document else tokens)
    return counts


def log_odds_dirichlet(
    counts_a: Mapping[str, int],
    counts_b: Mapping[str, int],
    *,
    prior: Mapping[str, float] | None = None,
    alpha0: float = 1000.0,
) -> pd.DataFrame:
    """Terms ranked by how much more corpus A uses them than corpus B (z-score, descending).

    Returns columns ``term``, ``z``, ``delta``, ``count_a``, ``count_b``; terms absent from both corpora
    are left out. ``prior`` defaults to ``counts_a + counts_b``.
    """
    background = Counter(prior) if prior is not None else Counter(counts_a) + Counter(counts_b)
    vocabulary = sorted(set(counts_a) | set(counts_b))
    if not vocabulary:
        return pd.DataFrame({"term": pd.Series(dtype=str), "z": pd.Series(dtype=float),
                             "delta": pd.Series(dtype=float), "count_a": pd.Series(dtype=int),
                             "count_b": pd.Series(dtype=int)})
    y_a = np.array([counts_a.get(w, 0) for w in vocabulary], dtype=float)
    y_b = np.array([counts_b.get(w, 0) for w in vocabulary], dtype=float)
    bg = np.array([background.get(w, 0) for w in vocabulary], dtype=float) + 0.01
    alpha = alpha0 * bg / bg.sum()
    n_a, n_b = y_a.sum(), y_b.sum()
    delta = (np.log((y_a + alpha) / (n_a + alpha0 - y_a - alpha))
             - np.log((y_b + alpha) / (n_b + alpha0 - y_b - alpha)))
    z = delta / np.sqrt(1 / (y_a + alpha) + 1 / (y_b + alpha))
    table = pd.DataFrame({"term": vocabulary, "z": z, "delta": delta,
                          "count_a": y_a.astype(int), "count_b": y_b.astype(int)})
    return table.sort_values(["z", "term"], ascending=[False, True], ignore_index=True)
