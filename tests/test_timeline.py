"""Timelines: China-time binning across midnight/UTC boundaries, zero-filling, breadth vs amplification."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textkit.timeline import SERIES, TIMELINE_COLUMNS, bin_times, build_timeline, keep_rows, seasonal_baseline


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


# --- acceptance on the bundled sample and the Guangzhou real-data run -------------------------------

def _stages_or_skip():
    pytest.importorskip("textkit.ingest", reason="ingest stage not available yet")
    pytest.importorskip("textkit.prepare", reason="prepare stage not available yet")


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    from textkit import pipeline
    from textkit.paths import SAMPLE_DIR
    from textkit.timeline import timeline_dir

    _stages_or_skip()
    if not (SAMPLE_DIR / "textkit_synthetic.json").exists():
        pytest.skip(f"bundled sample not found at {SAMPLE_DIR}")
    folder = tmp_path_factory.mktemp("sample")
    pipeline.ensure(folder, "prepare")
    timeline_dir(folder, freq="H")
    return folder


def test_sample_two_largest_complaint_spikes_are_the_outages(sample_dir):
    from textkit.io import read_json

    spikes = [s for s in read_json(sample_dir / "spikes.json") if s["series"] == "all_complaints"]
    top_two = sorted(spikes, key=lambda s: -s["size"])[:2]
    assert sorted(s["peak"][:10] for s in top_two) == ["2021-12-20", "2022-01-04"]
    for spike in top_two:
        terms = [t["term"] for t in spike["explanation"]["terms"][:10]]
        assert any("一码通" in t or "崩" in t for t in terms), terms
        mix = spike["explanation"]["category_mix"]
        assert mix["outage"] > 0.5 * sum(mix.values()), mix
        assert spike["events"], "the outage events of data/events.csv overlap the spike"


def test_sample_repost_storms_show_amplification_beyond_breadth(sample_dir):
    from textkit.io import read_json

    timeline = pd.read_csv(sample_dir / "timeline.csv")
    complaints = timeline[timeline["category"] == "all_complaints"]
    overall = complaints["amplified"].sum() / complaints["posts"].sum()
    spikes = [s for s in read_json(sample_dir / "spikes.json") if s["series"] == "all_complaints"]
    for spike in sorted(spikes, key=lambda s: -s["size"])[:2]:
        assert spike["amplified_share"] >= overall + 0.05, (spike["amplified_share"], overall)
        assert spike["unique_voices"] <= 0.9 * spike["posts"]
        assert spike["explanation"]["amplified_posts"][0]["reposts"] >= 50


def test_sample_artefacts_follow_the_contract(sample_dir):
    from textkit.complaints import OUTPUT_COLUMNS
    from textkit.io import is_synthetic, read_provenance

    complaints = pd.read_parquet(sample_dir / "complaints.parquet")
    prepared = pd.read_parquet(sample_dir / "prepared.parquet", columns=["platform", "post_id", "kind"])
    assert tuple(complaints.columns) == OUTPUT_COLUMNS
    assert len(complaints) == (prepared["kind"] != "article").sum()  # articles have the news stage
    assert set(complaints["category"]) <= {*SERIES} - {"all_complaints", "all_posts"}
    timeline = pd.read_csv(sample_dir / "timeline.csv")
    assert tuple(timeline.columns) == TIMELINE_COLUMNS
    per_bin = timeline.pivot_table(index="bin_start", columns="category", values="posts")
    cats = [c for c in SERIES if c not in ("all_complaints", "all_posts")]
    assert (per_bin[cats].sum(axis=1) == per_bin["all_posts"]).all()
    assert "timeline" in read_provenance(sample_dir)["stages"] and is_synthetic(sample_dir)


@pytest.mark.shared
def test_guangzhou_real_data_run_completes(shared, tmp_path):
    from textkit.io import read_json
    from textkit.timeline import timeline_dir

    ingest = pytest.importorskip("textkit.ingest", reason="ingest stage not available yet")
    prepare = pytest.importorskip("textkit.prepare", reason="prepare stage not available yet")
    source = shared / "data" / "real" / "guangzhou-2022-weibo" / "guangzhou_weibo_2022.csv"
    ingest.ingest_dir([source], tmp_path, crawl_time="2022-12-01T00:00:00+08:00")
    prepare.prepare_dir(tmp_path)
    report = timeline_dir(tmp_path, freq="H")
    assert report["posts"] > 30_000
    assert 0 < report["complaints"] < report["posts"]
    spikes = [s for s in read_json(tmp_path / "spikes.json") if s["series"] == "all_complaints"]
    assert spikes, "the Haizhu lockdown weeks hold hourly complaint spikes"
    assert all(s["explanation"]["terms"] for s in spikes)
    assert all("2022-09-01" <= s["peak"][:10] <= "2022-11-30" for s in spikes)


def _handmade_prepared(folder):
    """Two invented weeks: steady chatter and testing complaints, then an outage burst with a repost storm."""
    from textkit.io import write_parquet

    rng = np.random.default_rng(3)
    quiet = ["今天在家做饭，一切都好", "核酸检测点排长队，等了两个小时", "小区里很安静，大家注意安全"]
    rows = []
    for hour in pd.date_range("2021-12-06", "2021-12-20 08:00", freq="h", tz="Asia/Shanghai"):
        for _ in range(rng.poisson(3)):
            rows.append((hour + pd.Timedelta(minutes=int(rng.integers(60))), quiet[int(rng.integers(3))]))
    burst = pd.Timestamp("2021-12-20 09:00", tz="Asia/Shanghai")
    for i in range(40):
        rows.append((burst + pd.Timedelta(minutes=i), f"测试码又崩了，打不开，一直转圈，第{i}次刷"))
    table = pd.DataFrame(rows, columns=["created_at", "text_clean"])
    n = len(table)
    table["platform"] = "weibo"
    table["post_id"] = [f"fake-{i}" for i in range(n)]
    table["author_id"] = [f"fake-author-{i % 300}" for i in range(n)]
    table["kind"] = "post"
    table["own_text"] = table["text_clean"]
    table["tokens"] = [[w for w in ("测试码", "崩", "打不开", "核酸", "排长队", "做饭") if w in t]
                       for t in table["text_clean"]]
    table["dup_group"] = pd.array(range(n), dtype="Int64")
    table["is_canonical"] = True
    table["dup_kind"] = "unique"
    storm = table.iloc[[-40] * 60].copy()  # 60 reposts of the first burst post
    storm["post_id"] = [f"fake-repost-{i}" for i in range(60)]
    storm["author_id"] = [f"fake-reposter-{i}" for i in range(60)]
    storm["created_at"] = [burst + pd.Timedelta(minutes=i % 50) for i in range(60)]
    storm["kind"], storm["is_canonical"], storm["dup_kind"] = "repost", False, "repost"
    storm["text_clean"] = "转发微博//@测试用户:" + storm["text_clean"]
    write_parquet(folder / "prepared.parquet", pd.concat([table, storm], ignore_index=True))


def test_timeline_cli_on_a_handmade_folder(tmp_path):
    from textkit.cli import main
    from textkit.io import read_json, read_provenance

    _handmade_prepared(tmp_path)
    assert main(["timeline", str(tmp_path), "--freq", "H"]) == 0
    complaints = pd.read_parquet(tmp_path / "complaints.parquet")
    assert len(complaints) == len(pd.read_parquet(tmp_path / "prepared.parquet"))
    spikes = read_json(tmp_path / "spikes.json")
    top = next(s for s in spikes if s["series"] == "all_complaints")
    assert top["peak"] == "2021-12-20T09:00:00+08:00"
    assert {t["term"] for t in top["explanation"]["terms"][:3]} >= {"测试码", "崩"}
    assert top["explanation"]["category_mix"]["outage"] >= 90
    assert top["amplified"] == 60 and top["explanation"]["amplified_posts"][0]["reposts"] == 60
    assert any("一码通" in e["label_zh"] for e in top["events"])
    assert read_provenance(tmp_path)["stages"]["timeline"]["freq"] == "H"
    first = (tmp_path / "spikes.json").read_bytes()
    main(["timeline", str(tmp_path)])
    assert (tmp_path / "spikes.json").read_bytes() == first  # deterministic output


def test_timeline_dir_names_a_missing_prepared_table(tmp_path):
    from textkit.timeline import timeline_dir

    with pytest.raises(FileNotFoundError, match=r"prepared\.parquet"):
        timeline_dir(tmp_path)


@settings(max_examples=150, deadline=None)
@given(mask=st.lists(st.sampled_from([True, False, None]), max_size=40), cut=st.integers(0, 40),
       max_slices=st.sampled_from([1, 3, 64]))
def test_keep_rows_equals_table_filter(mask, cut, max_slices):
    import pyarrow as pa

    n = len(mask)
    table = pa.table({"row": pa.chunked_array([list(range(min(cut, n))), list(range(min(cut, n), n))],
                                              pa.int64()),
                      "text": [f"fake-{i}" for i in range(n)]})
    got = keep_rows(table, pa.array(mask, pa.bool_()), max_slices=max_slices)
    assert got.equals(table.filter(pa.array(mask, pa.bool_())))
