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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from textkit import io as tkio
from textkit.complaints import (
    CATEGORIES,
    NONE,
    ComplaintClassifier,
    default_classifier,
    detect,
    score_texts,
)
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
    values = counts.to_numpy(float)
    phase = np.asarray(counts.index.hour) if freq == "H" else np.zeros(len(values), np.int64)
    order = np.argsort(phase, kind="stable")  # bins grouped by phase, in time order within a phase
    grouped, group = values[order], phase[order]
    lags = np.full((len(values), days), np.nan)
    for lag in range(1, days + 1):
        same = np.zeros(len(values), bool)
        same[lag:] = group[lag:] == group[:-lag]
        lags[lag:, lag - 1] = np.where(same[lag:], grouped[:-lag], np.nan)
    has_history = ~np.isnan(lags).all(axis=1)
    baseline = np.full(len(values), np.nan)
    baseline[has_history] = np.nanmedian(lags[has_history], axis=1)
    fallback = pd.Series(grouped).groupby(group).transform("median").to_numpy()
    out = np.empty(len(values))
    out[order] = np.where(has_history, baseline, fallback)
    return pd.Series(out, index=counts.index)


def bin_index(times: pd.Series, freq: str = "H") -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Each time's bin as a position in the zero-filled range of bins (−1 for missing times), and
    that range (China time, from the first to the last bin of the data)."""
    bins = bin_times(times, freq)
    present = bins.notna().to_numpy()
    if not present.any():
        return np.full(len(bins), -1, np.int64), pd.DatetimeIndex([], tz=CHINA_TZ, name="bin")
    full_range = pd.date_range(bins.min(), bins.max(), freq=FREQS[freq], tz=CHINA_TZ, name="bin")
    positions = np.full(len(bins), -1, np.int64)
    positions[present] = full_range.get_indexer(bins[present])
    return positions, full_range


def category_codes(categories: pd.Series) -> np.ndarray:
    """Position of each post's category in ``(*CATEGORIES, NONE)``; −1 for anything else."""
    return value_codes(categories, (*CATEGORIES, NONE))


def value_codes(values: pd.Series, choices: tuple[str, ...] | None = None) -> np.ndarray:
    """Position of each value in ``choices`` (−1: missing or anything else); without ``choices`` a
    number per distinct value (−1: missing)."""
    try:  # strings as they are; numbers too when only distinct values are wanted
        array = pa.array(values if choices is None else values.astype(str), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types
        array = pa.array(values.astype(str), from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if choices is None:
        found = pc.dictionary_encode(array).indices
    else:
        found = pc.index_in(array, value_set=pa.array(choices))
    return pc.fill_null(found, -1).to_numpy().astype(np.int64)


def series_mask(codes: np.ndarray, series: str) -> np.ndarray:
    """Which posts (by :func:`category_codes`) belong to a series of :data:`SERIES`."""
    if series == "all_posts":
        return np.ones(len(codes), bool)
    if series == "all_complaints":
        return codes != len(CATEGORIES)
    return codes == [*CATEGORIES, NONE].index(series)


def build_timeline(
    posts: pd.DataFrame, *, freq: str = "H", baseline_days: int = BASELINE_DAYS
) -> pd.DataFrame:
    """The long timeline of a table with ``created_at``, ``category``, ``author_id``, ``is_canonical``.

    ``is_canonical`` missing means every post is its own voice.
    """
    missing = [c for c in ("created_at", "category", "author_id") if c not in posts.columns]
    if missing:
        raise ValueError(f"build_timeline needs column(s) {', '.join(missing)}")
    positions, full_range = bin_index(posts["created_at"], freq)
    present = positions >= 0
    if not present.any():
        return pd.DataFrame(columns=list(TIMELINE_COLUMNS))
    positions = positions[present]
    codes = category_codes(posts["category"])[present]
    canonical = (posts["is_canonical"].fillna(True).astype(bool).to_numpy()[present]
                 if "is_canonical" in posts.columns else np.ones(len(positions), bool))
    authors = value_codes(posts["author_id"])[present]  # −1: missing
    n_bins = len(full_range)
    # distinct authors per bin: sort (bin, author, category) keys once; in any series a new
    # (bin, author) pair is a new author
    n_codes = len(CATEGORIES) + 2
    width = authors.max() + 2
    keys = np.sort((positions * width + authors + 1) * n_codes + codes + 1)
    sorted_pair, sorted_codes = np.divmod(keys, n_codes)
    sorted_codes -= 1
    sorted_has_author = sorted_pair % width > 0
    sorted_positions = sorted_pair // width
    posts_in, voices, distinct = (np.zeros((n_bins, len(SERIES)), np.int64) for _ in range(3))
    for i, name in enumerate(SERIES):
        mask = series_mask(codes, name)
        posts_in[:, i] = np.bincount(positions[mask], minlength=n_bins)
        voices[:, i] = np.bincount(positions[mask & canonical], minlength=n_bins)
        in_series = series_mask(sorted_codes, name) & sorted_has_author
        pairs = sorted_pair[in_series]
        first = np.ones(len(pairs), bool)
        first[1:] = pairs[1:] != pairs[:-1]
        distinct[:, i] = np.bincount(sorted_positions[in_series][first], minlength=n_bins)
    totals = posts_in[:, [SERIES.index("all_posts")]]
    share = np.where(totals > 0, posts_in / np.where(totals > 0, totals, 1), 0.0).round(6)
    baseline = np.column_stack([
        seasonal_baseline(pd.Series(posts_in[:, i], index=full_range), freq, baseline_days).round(3)
        for i in range(len(SERIES))])
    return pd.DataFrame({  # bin-major, series in the order of SERIES
        "bin_start": np.repeat([t.isoformat() for t in full_range], len(SERIES)),
        "freq": freq,
        "category": np.tile(SERIES, n_bins),
        "posts": posts_in.ravel(),
        "unique_voices": voices.ravel(),
        "authors": distinct.ravel(),
        "amplified": (posts_in - voices).ravel(),
        "share": share.ravel(),
        "baseline": baseline.ravel(),
    })


def read_timeline(path: str | os.PathLike) -> pd.DataFrame:
    """Read a ``timeline.csv`` with ``bin_start`` parsed back to tz-aware China time."""
    table = pd.read_csv(path)
    table["bin_start"] = pd.to_datetime(table["bin_start"], format="ISO8601").dt.tz_convert(CHINA_TZ)
    return table


def read_columns(path: Path, columns: tuple[str, ...], required: int | None = None, *, where=None,
                 dictionary: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read the named Parquet columns (the first ``required`` of them must exist; default all).

    Reads through pyarrow without the pandas metadata, which pandas 3 cannot turn back into
    ``list<string>`` dtypes; list columns come back Arrow-backed (``pd.ArrowDtype``). ``where``
    (Arrow table → boolean mask) keeps only some rows. The strings of the ``dictionary`` columns are
    read dictionary-encoded, as Parquet stores them (for list columns: their elements).
    """
    present = set(tkio.parquet_column_names(path))
    needed = columns if required is None else columns[:required]
    missing = [c for c in needed if c not in present]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    table = tkio.read_parquet_table(path, columns=[c for c in columns if c in present],
                                    read_dictionary=[c for c in dictionary if c in present])
    if where is not None:
        table = keep_rows(table, where(table))
    return table.to_pandas(ignore_metadata=True, types_mapper=_arrow_backed)


MAX_SLICES = 64


def keep_rows(table: pa.Table, mask, *, max_slices: int = MAX_SLICES) -> pa.Table:
    """The rows of ``table`` where the boolean ``mask`` holds (missing: dropped), as ``Table.filter``
    gives them; when they form at most ``max_slices`` runs, as slices of the table (no copy)."""
    keep = pc.fill_null(mask, False)
    if isinstance(keep, pa.ChunkedArray):
        keep = keep.combine_chunks()
    keep = keep.to_numpy(zero_copy_only=False).astype(bool)
    edges = np.flatnonzero(np.diff(np.concatenate([[False], keep, [False]]).astype(np.int8)))
    starts, stops = edges[::2].tolist(), edges[1::2].tolist()
    if len(starts) > max_slices:
        return table.filter(pa.array(keep))
    if starts == [0] and stops == [table.num_rows]:
        return table
    slices = [table.slice(start, stop - start) for start, stop in zip(starts, stops, strict=True)]
    return pa.concat_tables(slices or [table.slice(0, 0)])


def _arrow_backed(arrow_type: pa.DataType):
    """List and dictionary columns stay Arrow-backed (``pd.ArrowDtype``): no Python object per list,
    no pandas categories to build from a dictionary."""
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type) or pa.types.is_dictionary(
            arrow_type):
        return pd.ArrowDtype(arrow_type)
    return None


_PREPARED_COLUMNS = ("platform", "post_id", "created_at", "author_id", "text_clean", "tokens", "dup_group",
                     "is_canonical", "dup_kind", "kind")


def timeline_dir(
    analysis_dir: str | os.PathLike,
    *,
    freq: str = "H",
    classifier: str | os.PathLike | None = None,
    top_spikes: int = 10,
    n_jobs: int = 2,
) -> dict:
    """Stage ``timeline``: read ``prepared.parquet`` (+ ``clusters.parquet``), write ``complaints.parquet``,
    ``timeline.csv`` and ``spikes.json``; record provenance; return the report.

    ``classifier`` is a path to a saved :class:`ComplaintClassifier` (default: trained on the bundled
    invented training set). ``n_jobs`` threads score the texts; two more threads do the work that does
    not wait for the scores (reading the clusters, numbering authors) or that the rest does not wait for
    (writing ``complaints.parquet``, counting terms and clusters for the explanations).
    """
    from textkit.explain import SpikeCorpus, explain_spikes
    from textkit.spikes import detect_spikes

    if freq not in FREQS:
        raise ValueError(f"freq must be one of {', '.join(FREQS)}, not {freq!r}")
    folder = Path(analysis_dir)
    prepared_path = folder / "prepared.parquet"
    if not tkio.artefact_exists(prepared_path):
        raise FileNotFoundError(f"{prepared_path} not found: run `textkit prepare {folder}` first")
    # beside the main line (numpy and pyarrow free the GIL): the classifier made ready while the posts
    # are read; the clusters read and the authors numbered while complaints are scored; complaints.parquet
    # written and the explanations' counts made while the timeline is built and its spikes found
    with ThreadPoolExecutor(max_workers=2) as background:
        loading = background.submit(_ready_classifier, classifier)
        # news articles have their own stage (textkit.news); they are not social-media complaints
        frame = read_columns(prepared_path, (*_PREPARED_COLUMNS, "author_name"),
                             required=len(_PREPARED_COLUMNS),
                             where=lambda table: pc.not_equal(table["kind"], "article").fill_null(True),
                             dictionary=("tokens", "text_clean"))
        model = loading.result()
        reading = background.submit(_read_clusters, folder)
        numbering = background.submit(_author_numbers, frame)
        complaints = detect(frame, classifier=model, n_jobs=n_jobs)
        writing = background.submit(write_parquet, folder / "complaints.parquet", complaints)

        authors = numbering.result()  # numbered once for the timeline and the explanations
        frame = frame.drop(columns="author_name", errors="ignore")
        frame["author_id"] = pd.arrays.IntegerArray(authors, authors < 0)
        frame["category"] = complaints["category"].array
        clusters = reading.result()
        counting = background.submit(SpikeCorpus, frame, freq, clusters)
        timeline = build_timeline(frame, freq=freq)
        write_csv(folder / "timeline.csv", timeline)

        spikes = detect_spikes(timeline, freq=freq)
        spikes = explain_spikes(spikes, frame, freq=freq, clusters=clusters, corpus=counting.result())
        write_json(folder / "spikes.json", spikes)
        writing.result()

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


def _ready_classifier(path: str | os.PathLike | None) -> ComplaintClassifier:
    """The saved classifier at ``path`` (default: the bundled one, fitted), its lookup tables and the
    lexicon's built by scoring one empty text."""
    model = ComplaintClassifier.load(path) if path is not None else default_classifier()
    score_texts([""], classifier=model)
    return model


def _author_numbers(frame: pd.DataFrame) -> np.ndarray:
    """Each post's author as a number (−1: none): ``author_id``, or ``author_name`` where a scraper
    gives only a (pseudonymised) name."""
    authors = frame["author_id"]
    if "author_name" in frame.columns:
        authors = authors.fillna(frame["author_name"])
    return value_codes(authors)


def _read_clusters(folder: Path) -> pd.DataFrame | None:
    path = folder / "clusters.parquet"
    if not tkio.artefact_exists(path):
        return None
    clusters = read_columns(path, ("platform", "post_id", "cluster", "cluster_label"), required=3,
                            dictionary=("cluster_label",))
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
