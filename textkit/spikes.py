"""Spikes in count series: a negative-binomial test of each bin against its seasonal baseline.

Each bin's count ``c`` is tested against its baseline ``μ`` (from
:func:`textkit.timeline.seasonal_baseline`, floored at ``min_baseline``) under a negative binomial with
variance ``d·μ``. The dispersion ``d ≥ 1`` is estimated robustly from the whole series (median of
``(c − μ)² / μ`` over the median of χ²₁), so a noisy series needs a bigger excess to count; it is
widened where the baseline rests on few days. A bin is *significant* when its upper-tail p-value is
below ``alpha`` (default 0.05 / bins), it exceeds the baseline by at least ``min_excess`` posts and
``min_ratio`` times. A spike is a run of bins above ``μ + z_edge·√(d·μ)`` that holds at least one
significant bin; runs separated by at most ``merge_gap`` quiet bins are merged. Each spike has start,
peak, end (bin starts), ``size`` (posts above baseline over the window), ``baseline`` (expected posts
over the window), ``posts`` and ``ratio`` = posts / baseline.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

CHI2_1_MEDIAN = 0.454936


def dispersion(counts: np.ndarray, baseline: np.ndarray) -> float:
    """Robust quasi-Poisson dispersion (≥ 1) of counts around their baseline."""
    usable = baseline >= 1
    if usable.sum() < 5:
        return 1.0
    ratio = (counts[usable] - baseline[usable]) ** 2 / baseline[usable]
    return max(1.0, float(np.median(ratio)) / CHI2_1_MEDIAN)


def upper_tail(counts: np.ndarray, mean: np.ndarray, disp) -> np.ndarray:
    """P(X ≥ count) for X with the given mean and variance ``disp × mean`` (``disp`` scalar or per bin)."""
    disp = np.broadcast_to(np.asarray(disp, dtype=float), np.shape(mean))
    poisson = disp <= 1.0 + 1e-9
    safe = np.where(poisson, 2.0, disp)
    negbin = stats.nbinom.sf(counts - 1, mean / (safe - 1.0), 1.0 / safe)
    return np.where(poisson, stats.poisson.sf(counts - 1, mean), negbin)


def baseline_support(n_bins: int, freq: str = "H", days: int = 7) -> np.ndarray:
    """How many past values the seasonal baseline of each bin rests on (≥ 1)."""
    period = 24 if freq == "H" else 1
    return np.clip(np.arange(n_bins) // period, 1, days)


def find_spikes(
    counts: pd.Series,
    baseline: pd.Series,
    *,
    alpha: float | None = None,
    min_excess: float = 5.0,
    min_ratio: float = 1.5,
    z_edge: float = 2.0,
    merge_gap: int = 1,
    min_baseline: float = 0.5,
    support: np.ndarray | None = None,
) -> pd.DataFrame:
    """Spikes of one count series (index: bin starts) against its baseline, largest first.

    ``alpha`` defaults to 0.05 / number of bins (Bonferroni over the series).
    ``support`` (per bin, see :func:`baseline_support`) is how many past values each baseline median
    rests on; a median of k values adds variance ≈ π/(2k)·μ, so young baselines need bigger excesses.

    Columns: ``start``, ``peak``, ``end``, ``size``, ``baseline``, ``posts``, ``ratio``, ``p_value``
    (of the peak's most significant bin), ``bins``.
    """
    columns = ["start", "peak", "end", "size", "baseline", "posts", "ratio", "p_value", "bins"]
    c = counts.to_numpy(float)
    mu = np.maximum(baseline.reindex(counts.index).to_numpy(float), min_baseline)
    if len(c) == 0:
        return pd.DataFrame(columns=columns)
    alpha = 0.05 / len(c) if alpha is None else alpha
    disp = dispersion(c, mu)
    if support is not None:
        disp = disp * (1.0 + np.pi / (2.0 * np.asarray(support, dtype=float)))
    p = upper_tail(c, mu, disp)
    significant = (p < alpha) & (c - mu >= min_excess) & (c >= min_ratio * mu)
    elevated = c > mu + z_edge * np.sqrt(disp * mu)
    runs = _runs(elevated | significant, merge_gap)
    rows = []
    for first, last in runs:
        window = slice(first, last + 1)
        if not significant[window].any():
            continue
        peak = first + int(np.argmax(c[window]))
        expected = float(mu[window].sum())
        observed = float(c[window].sum())
        rows.append({
            "start": counts.index[first], "peak": counts.index[peak], "end": counts.index[last],
            "size": round(float(np.clip(c[window] - mu[window], 0, None).sum()), 3),
            "baseline": round(expected, 3), "posts": int(observed),
            "ratio": round(observed / expected, 3), "p_value": float(p[window].min()),
            "bins": last - first + 1,
        })
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(["size", "start"], ascending=[False, True], ignore_index=True)


def _runs(flags: np.ndarray, merge_gap: int) -> list[tuple[int, int]]:
    """Index ranges of True runs, merging runs separated by ≤ ``merge_gap`` False bins."""
    runs: list[tuple[int, int]] = []
    for i in np.flatnonzero(flags):
        if runs and i - runs[-1][1] <= merge_gap + 1:
            runs[-1] = (runs[-1][0], int(i))
        else:
            runs.append((int(i), int(i)))
    return runs


def detect_spikes(
    timeline: pd.DataFrame,
    *,
    freq: str = "H",
    series: tuple[str, ...] | None = None,
    **options,
) -> list[dict]:
    """Spikes of every series of a long timeline table (``timeline.csv`` layout), as JSON-ready dicts.

    Ordered by series (``all_complaints`` first, then the categories, then ``all_posts``) and, within a
    series, by size; ids are ``<series>-<rank>``. Also reports, over each spike window, the series'
    ``unique_voices``, ``authors`` and ``amplified`` (posts − unique voices) and ``amplified_share``.
    """
    from textkit.timeline import SERIES

    if timeline.empty:
        return []
    times = pd.to_datetime(timeline["bin_start"], format="ISO8601")
    table = timeline.assign(bin=times)
    wanted = series or ("all_complaints", *[s for s in SERIES if s not in ("all_complaints", "none")])
    spikes = []
    for name in wanted:
        part = table[table["category"] == name].set_index("bin").sort_index()
        if part.empty:
            continue
        support = baseline_support(len(part), freq)
        found = find_spikes(part["posts"], part["baseline"], support=support, **options)
        for rank, row in enumerate(found.itertuples(index=False), start=1):
            window = part.loc[row.start:row.end]
            posts = int(window["posts"].sum())
            voices = int(window["unique_voices"].sum())
            spikes.append({
                "id": f"{name}-{rank}", "series": name, "rank": rank, "freq": freq,
                "start": row.start.isoformat(), "peak": row.peak.isoformat(), "end": row.end.isoformat(),
                "size": row.size, "baseline": row.baseline, "posts": row.posts, "ratio": row.ratio,
                "p_value": float(f"{row.p_value:.3g}"), "bins": int(row.bins),
                "unique_voices": voices, "authors": int(window["authors"].sum()),
                "amplified": posts - voices,
                "amplified_share": round((posts - voices) / posts, 4) if posts else 0.0,
            })
    return spikes
