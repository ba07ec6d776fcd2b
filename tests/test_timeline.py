"""Timelines: China-time binning across midnight/UTC boundaries, zero-filling, breadth vs amplification."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from textkit.timeline import SERIES, TIMELINE_COLUMNS, bin_times, build_timeline, seasonal_baseline


def _posts(times_utc, categories, authors=None, canonical=None):
    n = len(times_utc)
    return pd.DataFrame({
        "created_at": pd.to_datetime(times_utc, utc=True).tz_convert("Asia/Shanghai"),
        "category": categories,
        "author_id": authors or [f"fake-author-{i}" for i in range(n)],
        "is_canonical": canonical if canonical is not None else [True] * n,
    })


def test_daily_bins_follow_china_midnight_not_utc():
    # 15:59 UTC = 23:59 China time (day 1); 16:01 UTC = 00:01 China time (day 2)
    times = pd.Series(pd.to_datetime(["2021-12-19 15:59", "2021-12-19 16:01"], utc=True))
    bins = bin_times(times, "D")
    assert [b.isoformat() for b in bins] == ["2021-12-19T00:00:00+08:00", "2021-12-20T00:00:00+08:00"]


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="tz-aware"):
        bin_times(pd.Series(pd.to_datetime(["2021-12-20 09:00"])), "H")


def test_zero_filled_over_full_range_for_every_series():
    posts = _posts(["2021-12-20 01:10", "2021-12-20 01:20", "2021-12-20 05:30"], ["outage", "none", "outage"])
    table = build_timeline(posts, freq="H")
    assert tuple(table.columns) == TIMELINE_COLUMNS
    assert set(table["category"]) == set(SERIES)
    hours = table["bin_start"].unique().tolist()
    assert hours[0] == "2021-12-20T09:00:00+08:00" and hours[-1] == "2021-12-20T13:00:00+08:00"
    assert len(hours) == 5 and (table.groupby("category").size() == 5).all()
    outage = table[table["category"] == "outage"].set_index("bin_start")["posts"]
    assert outage.tolist() == [1, 0, 0, 0, 1]
    allc = table[table["category"] == "all_complaints"].set_index("bin_start")
    assert allc["share"].tolist() == [0.5, 0.0, 0.0, 0.0, 1.0]


def test_breadth_versus_amplification_counts():
    posts = _posts(
        ["2021-12-20 01:00"] * 4,
        ["outage"] * 4,
        authors=["fake-a", "fake-b", "fake-c", "fake-c"],
        canonical=[True, False, False, False],  # one original, three copies/reposts
    )
    row = build_timeline(posts, freq="D").query("category == 'outage'").iloc[0]
    assert (row["posts"], row["unique_voices"], row["authors"], row["amplified"]) == (4, 1, 3, 3)


def test_seasonal_baseline_follows_daily_rhythm_from_the_past():
    index = pd.date_range("2021-12-01", periods=24 * 10, freq="h", tz="Asia/Shanghai")
    rhythm = np.where(index.hour.isin([9, 10, 11]), 50, 5)
    baseline = seasonal_baseline(pd.Series(rhythm, index=index), "H")
    assert baseline[index.hour == 10].iloc[3:].eq(50).all()
    assert baseline[index.hour == 3].iloc[3:].eq(5).all()
    spiked = pd.Series(rhythm, index=index).copy()
    spiked.iloc[-1] = 500  # the baseline at a bin never uses the bin itself
    assert seasonal_baseline(spiked, "H").iloc[-1] == 5
