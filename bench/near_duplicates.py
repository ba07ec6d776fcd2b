"""Near-duplicate search methods on the sample's ground truth: precision, recall and seconds, same run.

Scores (:func:`textkit.dedup.score_near_duplicates`): the posts of the prepared sample are matched to
``data/raw/sample/truth/ground_truth.csv.gz`` on (platform, post_id). A post is a true positive when the
truth calls it ``near``, textkit calls it ``near`` and puts it in the same ``dup_group`` as the post the
truth says it copies (``duplicate_of``). Precision = true positives / posts marked ``near``; recall = true
positives / posts the truth calls ``near`` (whose original was ingested).

Every method plugs into ``find_duplicates(search=...)``: grouping (each distinct normalised text joins its
earliest similar predecessor), canonical posts, exact copies and repost storms are the same code for all;
only the search for similar pairs among the distinct normalised texts differs:

* ``exact`` (baseline): every pair that is near by textkit's definition (character 3-gram Jaccard ≥ 0.8,
  or one 3-gram set contained in the other: ``near_pairs_mask``), all pairs checked
  (``all_similar_pairs``: a sparse product of the shingle-set matrix);
* ``textkit``: the default, numpy one-permutation MinHash + LSH buckets + exact check of both criteria;
* ``textkit, Jaccard only``: the same search without the containment criterion (``containment=None``);
* ``textkit (0.75, ≥50 chars)``: the search with the parameters ``prepare`` passed before (Jaccard only,
  threshold 0.75, only texts of at least 50 characters searched);
* ``datasketch``: ``MinHashLSH(threshold=0.8, num_perm=128)`` over ``MinHash.bulk`` signatures, candidates
  kept when their MinHash estimate is ≥ 0.8 (the library's usual use, no exact check);
* ``sklearn``: ``HashingVectorizer`` (binary char 3-grams, 2^20 features) + ``NearestNeighbors`` cosine
  radius search, cosine ≥ 2·0.8 / 1.8 (the cosine of two equal-size sets at Jaccard 0.8).

Seconds are for the whole ``find_duplicates`` call (wall and CPU), best of ``--repeat`` runs; every
figure is also given as a ratio to the ``exact`` baseline. With ``--large DIR`` (an analysis folder with a
big ``prepared.parquet``, e.g. the 1M-post benchmark corpus) ``find_duplicates`` is timed once on it
(wall, and CPU of this process plus its forked workers) with its default workers, in one process, and
for exact-copy grouping alone (search switched off), all in the same run, with the load average; the
default and the Jaccard-only search are scored against ``--large-truth`` (default: the generated
benchmark corpus's truth) when that file exists.

Run: ``.venv/bin/python bench/near_duplicates.py [--analysis-dir DIR] [--large DIR [--large-truth CSV]]
[--repeat 3]``.
Writes ``bench/results/near_duplicates.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from datasketch import MinHash, MinHashLSH
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.neighbors import NearestNeighbors

import textkit.dedup
from textkit import pipeline
from textkit.dedup import (
    NGRAM,
    THRESHOLD,
    all_similar_pairs,
    find_duplicates,
    score_near_duplicates,
    similar_pairs,
)
from textkit.paths import PROJECT_ROOT, SAMPLE_DIR

RESULTS = PROJECT_ROOT / "bench" / "results"
TRUTH = SAMPLE_DIR / "truth" / "ground_truth.csv.gz"
LARGE_TRUTH = PROJECT_ROOT / "data" / "raw" / "bench" / "truth" / "ground_truth.csv.gz"
DUP_COLUMNS = ["dup_group", "is_canonical", "dup_kind"]
LARGE_COLUMNS = ["platform", "post_id", "created_at", "time_precision", "is_repost", "parent_post_id",
                 "text_clean", "own_text"]


def datasketch_pairs(texts: list[str], threshold: float, num_perm: int = 128) -> np.ndarray:
    """datasketch ``MinHashLSH``: candidates whose MinHash Jaccard estimate reaches ``threshold``."""
    shingle_sets = [[t[i:i + NGRAM].encode("utf-8") for i in range(max(1, len(t) - NGRAM + 1))]
                    for t in texts]
    signatures = MinHash.bulk(shingle_sets, num_perm=num_perm, seed=1)
    index = MinHashLSH(threshold=threshold, num_perm=num_perm)
    pairs = []
    for i, signature in enumerate(signatures):
        for j in index.query(signature):
            if signature.jaccard(signatures[j]) >= threshold:
                pairs.append((i, j))
        index.insert(i, signature)
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def sklearn_pairs(texts: list[str], threshold: float) -> np.ndarray:
    """Binary char 3-gram hashing vectors, cosine radius neighbours at the cosine equal to ``threshold``
    Jaccard for sets of equal size."""
    vectors = HashingVectorizer(analyzer="char", ngram_range=(NGRAM, NGRAM), n_features=2**20, binary=True,
                                norm="l2", alternate_sign=False).transform(texts)
    cosine = 2 * threshold / (1 + threshold)
    neighbours = NearestNeighbors(radius=1 - cosine, metric="cosine", algorithm="brute").fit(vectors)
    _, found = neighbours.radius_neighbors(vectors)
    rows = np.repeat(np.arange(len(texts)), [len(f) for f in found])
    columns = np.concatenate(found) if len(found) else np.zeros(0, dtype=np.int64)
    keep = columns < rows
    return np.stack([rows[keep], columns[keep]], axis=1)


def no_pairs(texts: list[str], threshold: float) -> np.ndarray:
    return np.zeros((0, 2), dtype=np.int64)


def jaccard_only_pairs(texts: list[str], threshold: float) -> np.ndarray:
    """textkit's LSH search without the containment criterion."""
    return similar_pairs(texts, threshold, containment=None)


METHODS: dict[str, dict] = {
    "exact": {"search": all_similar_pairs},
    "textkit": {"search": None},
    "textkit, Jaccard only": {"search": jaccard_only_pairs},
    "textkit (0.75, ≥50 chars)": {"search": jaccard_only_pairs, "threshold": 0.75, "near_min_chars": 50},
    "datasketch": {"search": datasketch_pairs},
    "sklearn": {"search": sklearn_pairs},
}


def cpu_seconds() -> float:
    """CPU seconds of this process and of its finished child processes (the forked workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(function: Callable[[], pd.DataFrame], repeat: int) -> tuple[pd.DataFrame, float, float]:
    """Result, best wall seconds and best CPU seconds over ``repeat`` runs."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), cpu_seconds()
        result = function()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, cpu_seconds() - cpu)
    return result, best_wall, best_cpu


def score_methods(prepared: pd.DataFrame, truth: pd.DataFrame, repeat: int) -> dict[str, dict]:
    posts = prepared.drop(columns=DUP_COLUMNS, errors="ignore")
    out = {}
    for name, options in METHODS.items():
        options = dict(options)
        search = options.pop("search")
        kwargs = {"threshold": options.pop("threshold", THRESHOLD), **options}
        if search is not None:
            kwargs["search"] = search
        marked, wall, cpu = timed(lambda kwargs=kwargs: find_duplicates(posts, **kwargs), repeat)
        scores = score_near_duplicates(posts.join(marked), truth)
        out[name] = {"precision": scores["precision"], "recall": scores["recall"], "wall_seconds": wall,
                     "cpu_seconds": cpu, "marked_near": scores["marked_near"],
                     "truth_near": scores["truth_near"], "group_recall": scores["group_recall"]}
    base = out["exact"]
    for row in out.values():
        for key in ("precision", "recall", "wall_seconds", "cpu_seconds"):
            row[f"{key}_vs_exact"] = row[key] / base[key] if base[key] else float("nan")
    return out


def time_large(analysis_dir: Path, truth_path: Path | None) -> dict:
    posts = pd.read_parquet(analysis_dir / "prepared.parquet", columns=LARGE_COLUMNS)
    load_before = os.getloadavg()
    _, exact_wall, exact_cpu = timed(lambda: find_duplicates(posts, search=no_pairs), 1)
    workers = textkit.dedup._WORKERS
    serial, serial_wall, serial_cpu = timed(lambda: find_duplicates(posts, n_jobs=1), 1)
    marked, wall, cpu = timed(lambda: find_duplicates(posts), 1)
    load_after = os.getloadavg()
    scores = jaccard_scores = {}
    if truth_path is not None and truth_path.exists():
        truth = pd.read_csv(truth_path, dtype=str, keep_default_na=False,
                            usecols=["platform", "post_id", "duplicate_of", "dup_kind"])
        scores = score_near_duplicates(posts[["platform", "post_id"]].join(marked), truth)
        jaccard_only = find_duplicates(posts, containment=None)
        jaccard_scores = score_near_duplicates(posts[["platform", "post_id"]].join(jaccard_only), truth)
    return {"posts": len(posts), "workers": workers, "wall_seconds": wall, "cpu_seconds": cpu,
            "one_process_wall_seconds": serial_wall, "one_process_cpu_seconds": serial_cpu,
            "same_as_one_process": bool(marked.equals(serial)),
            "scores": scores, "jaccard_only_scores": jaccard_scores,
            "exact_only_wall_seconds": exact_wall, "exact_only_cpu_seconds": exact_cpu,
            "wall_vs_one_process": wall / serial_wall,
            "wall_vs_exact_only": wall / exact_wall, "cpu_vs_exact_only": cpu / exact_cpu,
            "load_average_before_after": [load_before[0], load_after[0]],
            "dup_kinds": {k: int(v) for k, v in marked["dup_kind"].value_counts().sort_index().items()},
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "peak_rss_workers_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def table(methods: dict[str, dict]) -> str:
    lines = ["| method | precision | recall | wall s | CPU s | precision/exact | recall/exact | wall/exact |",
             "|---|---|---|---|---|---|---|---|"]
    for name, r in methods.items():
        lines.append(f"| {name} | {r['precision']:.4f} | {r['recall']:.4f} | {r['wall_seconds']:.2f} | "
                     f"{r['cpu_seconds']:.2f} | {r['precision_vs_exact']:.3f} | {r['recall_vs_exact']:.3f} | "
                     f"{r['wall_seconds_vs_exact']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--analysis-dir", type=Path, help="prepared sample (default: a temporary folder)")
    parser.add_argument("--large", type=Path, help="analysis folder with a large prepared.parquet to time")
    parser.add_argument("--large-truth", type=Path, default=LARGE_TRUTH,
                        help="ground truth of the large corpus (scored when present)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per method; the best time counts")
    args = parser.parse_args(argv)
    truth = pd.read_csv(TRUTH, dtype=str, keep_default_na=False)
    with tempfile.TemporaryDirectory() as scratch:
        analysis_dir = pipeline.ensure(args.analysis_dir or Path(scratch) / "sample", "prepare")
        prepared = pd.read_parquet(analysis_dir / "prepared.parquet")
    methods = score_methods(prepared, truth, args.repeat)
    results = {"posts": len(prepared), "threshold": THRESHOLD, "methods": methods}
    print(f"Near-duplicates on the sample's ground truth ({len(prepared)} posts, "
          f"{results['methods']['exact']['truth_near']} truth near-duplicates)\n")
    print(table(results["methods"]))
    if args.large is not None:
        results["large"] = large = time_large(args.large, args.large_truth)
        print(f"\nfind_duplicates on {large['posts']} posts, {large['workers']} workers: "
              f"{large['wall_seconds']:.1f} s wall, {large['cpu_seconds']:.1f} s CPU (one process: "
              f"{large['one_process_wall_seconds']:.1f} s wall, "
              f"{large['one_process_cpu_seconds']:.1f} s CPU, "
              f"same output: {large['same_as_one_process']}; exact-copy grouping alone: "
              f"{large['exact_only_wall_seconds']:.1f} s wall); load average "
              f"{large['load_average_before_after'][0]:.1f} → {large['load_average_before_after'][1]:.1f}; "
              f"peak RSS {large['peak_rss_mb']:.0f} MB (workers {large['peak_rss_workers_mb']:.0f} MB)")
        for name, key in (("textkit", "scores"), ("Jaccard only", "jaccard_only_scores")):
            if large[key]:
                print(f"{name} on its ground truth: precision {large[key]['precision']:.4f}, "
                      f"recall {large[key]['recall']:.4f} ({large[key]['truth_near']} truth near)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "near_duplicates.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    return results


if __name__ == "__main__":
    main()
