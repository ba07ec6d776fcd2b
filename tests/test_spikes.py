"""Spike detection on synthetic count series with known injected spikes, and none in seasonal noise."""

from __future__ import annotations

import numpy as np
import pandas as pd

from textkit.spikes import baseline_support, detect_spikes, find_spikes
from textkit.timeline import build_timeline, seasonal_baseline


def _seasonal_counts(seed: int, days: int = 21) -> pd.Series:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2021-12-01", periods=24 * days, freq="h", tz="Asia/Shanghai")
    rate = 20 + 15 * np.sin((index.hour - 6) / 24 * 2 * np.pi)  # daytime peak, night trough
    return pd.Series(rng.poisson(rate), index=index)


def test_no_spikes_in_pure_seasonal_noise():
    for seed in range(10):
        counts = _seasonal_counts(seed)
        found = find_spikes(counts, seasonal_baseline(counts, "H"), support=baseline_support(len(counts)))
        assert found.empty, (seed, found)


def test_injected_spikes_found_with_start_peak_end_and_size():
    counts = _seasonal_counts(42)
    first = pd.Timestamp("2021-12-12 09:00", tz="Asia/Shanghai")
    second = pd.Timestamp("2021-12-18 20:00", tz="Asia/Shanghai")
    counts[first] += 150
    counts[first + pd.Timedelta(hours=1)] += 80  # adjacent bin: one spike, not two
    counts[second] += 60
    found = find_spikes(counts, seasonal_baseline(counts, "H"), support=baseline_support(len(counts)))
    assert len(found) == 2
    top, other = found.iloc[0], found.iloc[1]
    assert top["peak"] == first and top["start"] == first and top["end"] == first + pd.Timedelta(hours=1)
    assert 200 <= top["size"] <= 260
    assert other["peak"] == second and 40 <= other["size"] <= 80
    assert top["ratio"] > 2


def test_detect_spikes_on_timeline_reports_amplification():
    rng = np.random.default_rng(7)
    hours = pd.date_range("2021-12-10", "2021-12-24", freq="h", tz="Asia/Shanghai", inclusive="left")
    times, canonical = [], []
    for hour in hours:
        n = rng.poisson(4)
        times += [hour + pd.Timedelta(minutes=int(m)) for m in rng.integers(0, 60, n)]
        canonical += [True] * n
    storm = pd.Timestamp("2021-12-20 09:00", tz="Asia/Shanghai")
    times += [storm + pd.Timedelta(minutes=i % 60) for i in range(120)]
    canonical += [i < 10 for i in range(120)]  # 10 originals, 110 reposts
    posts = pd.DataFrame({"created_at": times, "category": "outage", "is_canonical": canonical,
                          "author_id": [f"fake-{i}" for i in range(len(times))]})
    spikes = detect_spikes(build_timeline(posts, freq="H"), series=("outage",))
    assert [s["id"] for s in spikes] == ["outage-1"]
    spike = spikes[0]
    assert spike["peak"] == "2021-12-20T09:00:00+08:00"
    assert spike["amplified"] >= 100 and spike["amplified_share"] > 0.8
