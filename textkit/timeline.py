"""Complaint timelines: counts per category per hour or day (China time), breadth versus amplification.

:func:`build_timeline` turns one row per post (with its complaint ``category``) into the long-format
``timeline.csv`` table, one row per bin × series::

    bin_start, freq, category, posts, unique_voices, authors, amplified, share, baseline

``category`` is each of the six complaint categories, ``none``, ``all_complaints`` and ``all_posts``.
``posts`` counts every record (reposts and duplicates included), ``unique_voices`` the canonical posts
(one per duplicate/repost group), ``authors`` the distinct authors, ``amplified`` = posts − unique
voices, ``share`` = posts / all posts in the bin, ``baseline`` the seasonal rolling baseline of
``posts`` (:func:`seasonal_baseline`). Bins are zero-filled over the whole range of the data.

:func:`timeline_dir` is the pipeline stage: ``prepared.parquet`` → ``complaints.parquet``,
``timeline.csv``, ``spikes.json`` (CLI: ``textkit timeline DIR [--freq H|D]``).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from textkit.complaints import CATEGORIES, NONE, ComplaintClassifier, detect
from textkit.io import read_json, record_stage, write_csv, write_json, write_parquet
from textkit.schema import CHINA_TZ

FREQS = {"H": "h", "D": "D"}
SERIES = (*CATEGORIES, NONE, "all_complaints", "all_posts")
TIMELINE_COLUMNS = ("bin_start", "freq", "category", "posts", "unique_voices", "authors", "amplified",
                    "share", "baseline")
BASELINE_DAYS = 7


def bin_times(times: pd.Series, freq: str = "H") -> pd.Series:
    """Floor tz-aware times to the start of their hour or day in China time."""
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {', '.join(FREQS)}, not {freq!r}")
    times = pd.to_datetime(times)
    if getattr(times.dt, "tz", None) is None:
        raise ValueError("created_at must be tz-aware (posts.parquet stores Asia/Shanghai times)")
    return times.dt.tz_convert(CHINA_TZ).dt.floor(FREQS[freq])


def seasonal_baseline(counts: pd.Series, freq: str = "H", days: int = BASELINE_DAYS) -> pd.Series:
    """Rolling baseline that follows the daily rhythm, from the past only.

    Hourly: the median of the same hour of day over the previous ``days`` days. Daily: the median of
    the previous ``days`` days. Bins with no history yet take the median of their phase over the whole
    series.
    """
    counts = counts.astype(float)
    if freq == "H":
        phase = counts.index.hour
        baseline = counts.groupby(phase).transform(
            lambda s: s.shift(1).rolling(days, min_periods=1).median())
        fallback = counts.groupby(phase).transform("median")
    else:
        baseline = counts.shift(1).rolling(days, min_periods=1).median()
        fallback = pd.Series(counts.median(), index=counts.index)
    return baseline.fillna(fallback)


def _series_masks(frame: pd.DataFrame) -> dict[str, pd.Series]:
    category = frame["category"].astype(str)
    masks = {name: category == name for name in (*CATEGORIES, NONE)}
    masks["all_complaints"] = category != NONE
    masks["all_posts"] = pd.Series(True, index=frame.index)
    return masks


def build_timeline(
    posts: pd.DataFrame, *, freq: str = "H", baseline_days: int = BASELINE_DAYS
) -> pd.DataFrame:
    """The long timeline of a table with ``created_at``, ``category``, ``author_id``, ``is_canonical``.

    ``is_canonical`` missing means every post is its own voice.
    """
    missing = [c for c in ("created_at", "category", "author_id") if c not in posts.columns]
    if missing:
        raise ValueError(f"build_timeline needs column(s) {', '.join(missing)}")
    frame = pd.DataFrame({
        "bin": bin_times(posts["created_at"], freq).to_numpy(),
        "category": posts["category"].astype(str).to_numpy(),
        "author_id": posts["author_id"].astype(object).to_numpy(),
        "canonical": (posts["is_canonical"].fillna(True).astype(bool).to_numpy()
                      if "is_canonical" in posts.columns else np.ones(len(posts), bool)),
    })
    frame = frame[frame["bin"].notna()]
    if frame.empty:
        return pd.DataFrame(columns=list(TIMELINE_COLUMNS))
    full_range = pd.date_range(frame["bin"].min(), frame["bin"].max(), freq=FREQS[freq], tz=CHINA_TZ,
                               name="bin")
    totals = frame.groupby("bin").size().reindex(full_range, fill_value=0)
    parts = []
    for name, mask in _series_masks(frame).items():
        grouped = frame[mask.to_numpy()].groupby("bin")
        table = pd.DataFrame({
            "posts": grouped.size(),
            "unique_voices": grouped["canonical"].sum(),
            "authors": grouped["author_id"].nunique(),
        }).reindex(full_range, fill_value=0).astype("int64")
        table["amplified"] = table["posts"] - table["unique_voices"]
        table["share"] = np.where(totals > 0, table["posts"] / totals.where(totals > 0, 1), 0.0).round(6)
        table["baseline"] = seasonal_baseline(table["posts"], freq, baseline_days).round(3)
        table["category"] = name
        parts.append(table)
    long = pd.concat(parts).rename_axis("bin").reset_index()
    long["bin_start"] = long["bin"].map(lambda t: t.isoformat())
    long["freq"] = freq
    order = {name: i for i, name in enumerate(SERIES)}
    long = long.sort_values(["bin", "category"], key=lambda s: s.map(order) if s.name == "category" else s)
    return long[list(TIMELINE_COLUMNS)].reset_index(drop=True)


def read_timeline(path: str | os.PathLike) -> pd.DataFrame:
    """Read a ``timeline.csv`` with ``bin_start`` parsed back to tz-aware China time."""
    table = pd.read_csv(path)
    table["bin_start"] = pd.to_datetime(table["bin_start"], format="ISO8601").dt.tz_convert(CHINA_TZ)
    return table


def read_columns(path: Path, columns: tuple[str, ...], required: int | None = None) -> pd.DataFrame:
    """Read the named Parquet columns (the first ``required`` of them must exist; default all).

    Reads through pyarrow without the pandas metadata, which pandas 3 cannot turn back into
    ``list<string>`` dtypes; list columns come back as object columns of arrays.
    """
    present = set(pq.read_schema(path).names)
    needed = columns if required is None else columns[:required]
    missing = [c for c in needed if c not in present]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    table = pq.read_table(path, columns=[c for c in columns if c in present])
    return table.to_pandas(ignore_metadata=True)


_PREPARED_COLUMNS = ("platform", "post_id", "created_at", "author_id", "text_clean", "tokens", "dup_group",
                     "is_canonical", "dup_kind", "kind")


def timeline_dir(
    analysis_dir: str | os.PathLike,
    *,
    freq: str = "H",
    classifier: str | os.PathLike | None = None,
    top_spikes: int = 10,
) -> dict:
    """Stage ``timeline``: read ``prepared.parquet`` (+ ``clusters.parquet``), write ``complaints.parquet``,
    ``timeline.csv`` and ``spikes.json``; record provenance; return the report.

    ``classifier`` is a path to a saved :class:`ComplaintClassifier` (default: trained on the bundled
    invented training set).
    """
    from textkit.explain import explain_spikes
    from textkit.spikes import detect_spikes

    if freq not in FREQS:
        raise ValueError(f"freq must be one of {', '.join(FREQS)}, not {freq!r}")
    folder = Path(analysis_dir)
    prepared_path = folder / "prepared.parquet"
    if not prepared_path.exists():
        raise FileNotFoundError(f"{prepared_path} not found: run `textkit prepare {folder}` first")
    prepared = read_columns(prepared_path, (*_PREPARED_COLUMNS, "author_name"),
                            required=len(_PREPARED_COLUMNS))
    # news articles have their own stage (textkit.news); they are not social-media complaints
    prepared = prepared[prepared["kind"].astype(str) != "article"].reset_index(drop=True)
    model = ComplaintClassifier.load(classifier) if classifier is not None else None
    complaints = detect(prepared, classifier=model)
    write_parquet(folder / "complaints.parquet", complaints)

    frame = prepared[list(_PREPARED_COLUMNS)].reset_index(drop=True)
    if "author_name" in prepared.columns:  # some scrapers give only a (pseudonymised) name
        frame["author_id"] = frame["author_id"].fillna(prepared["author_name"].reset_index(drop=True))
    frame = pd.concat([frame, complaints.drop(columns=["platform", "post_id", "created_at"])], axis=1)
    timeline = build_timeline(frame, freq=freq)
    write_csv(folder / "timeline.csv", timeline)

    clusters = _read_clusters(folder)
    spikes = detect_spikes(timeline, freq=freq)
    spikes = explain_spikes(spikes, frame, freq=freq, clusters=clusters)
    write_json(folder / "spikes.json", spikes)

    complaint_spikes = [s for s in spikes if s["series"] == "all_complaints"][:top_spikes]
    report = {
        "freq": freq,
        "posts": len(frame),
        "complaints": int(complaints["complaint"].sum()),
        "help_requests": int(complaints["help_request"].sum()),
        "categories": {k: int(v) for k, v in complaints["category"].value_counts().sort_index().items()},
        "bins": int(timeline["bin_start"].nunique()),
        "spikes": len(spikes),
        "top_complaint_spikes": [
            {"id": s["id"], "peak": s["peak"], "size": s["size"],
             "terms": [t["term"] for t in s["explanation"]["terms"][:5]]}
            for s in complaint_spikes
        ],
        "classifier": "bundled training set" if classifier is None else Path(classifier).name,
        "clusters_used": clusters is not None,
    }
    record_stage(folder, "timeline", report)
    return report


def _read_clusters(folder: Path) -> pd.DataFrame | None:
    path = folder / "clusters.parquet"
    if not path.exists():
        return None
    clusters = read_columns(path, ("platform", "post_id", "cluster", "cluster_label"), required=3)
    labels_path = folder / "cluster_labels.csv"
    if "cluster_label" not in clusters.columns and labels_path.exists():
        labels = pd.read_csv(labels_path)[["cluster", "label_zh"]]
        labels = labels.rename(columns={"label_zh": "cluster_label"})
        clusters = clusters.merge(labels, on="cluster", how="left")
    return clusters


def register(subparsers) -> argparse.ArgumentParser:
    """The ``textkit timeline`` subcommand."""
    parser = subparsers.add_parser(
        "timeline", help="complaints, timelines and explained spikes of an analysis folder",
        description="Detect complaints in DIR/prepared.parquet and write DIR/complaints.parquet, "
        "DIR/timeline.csv and DIR/spikes.json.",
    )
    parser.add_argument("dir", help="analysis folder with prepared.parquet")
    parser.add_argument("--freq", choices=tuple(FREQS), default="H", help="bin: hour (H) or day (D)")
    parser.add_argument("--classifier", help="a saved ComplaintClassifier (joblib) instead of the default")
    parser.set_defaults(func=_main)
    return parser


def _main(args: argparse.Namespace) -> int:
    report = timeline_dir(args.dir, freq=args.freq, classifier=args.classifier)
    print(f"{report['posts']} posts, {report['complaints']} complaints, {report['spikes']} spikes")
    for spike in report["top_complaint_spikes"]:
        print(f"  {spike['peak']}  +{spike['size']:.0f}  {' '.join(spike['terms'])}")
    spikes_path = Path(args.dir) / "spikes.json"
    print(f"wrote {spikes_path} ({len(read_json(spikes_path))} spikes)")
    return 0
