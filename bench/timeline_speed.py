"""Timeline and news stage speed: complaint scoring against a per-text baseline, the stages against their
baselines, and the timeline stage's parts per 1M posts.

    python bench/timeline_speed.py [DIR] [--texts 20000] [--jobs 2]

DIR is an analysis folder with ``prepared.parquet`` and ``posts.parquet`` (default: the bundled sample
run through :func:`textkit.pipeline.ensure` into a temporary folder). DIR is only read: the stages run
on a copy.

* **scoring** — ``--texts`` distinct texts of DIR scored by the textbook recipe, measured in the same
  run as the baseline: the lexicon's regex alternations with ``re.finditer`` one text at a time (no
  negation or degree windows, so the baseline is flattered) plus sklearn's ``TfidfVectorizer.transform``
  and the three logistic-regression heads; against :func:`textkit.complaints.score_texts` on the same
  texts. Reported as µs per distinct text and the speed-up ratio.
* **stages** — :func:`textkit.timeline.timeline_dir` with complaint scoring on one thread (``n_jobs=1``,
  the baseline) and on ``--jobs`` threads; :func:`textkit.news.news_dir` against its baseline,
  ``pd.read_parquet`` of the whole ``posts.parquet`` (where a news stage that reads the posts table as a
  table starts, and where this one started). Wall and CPU seconds (CPU includes the worker threads)
  and the ratios baseline / stage.
* **steps** — the timeline stage's steps timed one by one on one thread (read, detect, write,
  build_timeline, spikes, explain), wall and CPU seconds, scaled to 1M posts.

Prints tables and writes ``bench/results/timeline_speed.json``. The machine may be shared: CPU seconds
are the steadier figure; the load average is recorded beside them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textkit import complaints  # noqa: E402
from textkit.timeline import _PREPARED_COLUMNS, build_timeline, read_columns  # noqa: E402

RESULTS = ROOT / "bench" / "results"


class Clock:
    """Wall and CPU seconds of named steps."""

    def __init__(self):
        self.steps: dict[str, dict[str, float]] = {}

    def __call__(self, name: str, function, *args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function(*args, **kwargs)
        self.steps[name] = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}
        return result


def _baseline_scores(texts: list[str]) -> None:
    """The per-text recipe: regex matches of terms and sentiment words, sklearn features and heads."""
    lexicon = complaints.Lexicon.load()
    patterns = [complaints._alternation(lexicon.terms), complaints._alternation(lexicon.sentiment)]
    weights = {**lexicon.sentiment}
    for text in texts:
        for pattern in patterns:
            sum(weights.get(m.group(), 1.0) for m in pattern.finditer(text))
    model = complaints.default_classifier()
    features = model.vectorizer_.transform(texts)
    for head in (model.complaint_model_, model.category_model_, model.help_model_):
        head.predict_proba(features)


def scoring(folder: Path, n_texts: int, jobs: int) -> dict:
    column = pq.read_table(folder / "prepared.parquet", columns=["text_clean"]).column(0)
    distinct = pc.unique(complaints.as_strings(column))
    rng = np.random.default_rng(0)
    chosen = np.sort(rng.choice(len(distinct), size=min(n_texts, len(distinct)), replace=False))
    texts = distinct.take(chosen).to_pylist()
    complaints.score_texts(texts[:10])  # fit the default classifier and build the lexicon once
    clock = Clock()
    clock("baseline", _baseline_scores, texts)
    clock("textkit", complaints.score_texts, texts, n_jobs=jobs)
    per_text = {name: {k: 1e6 * v / len(texts) for k, v in step.items()}
                for name, step in clock.steps.items()}
    return {"texts": len(texts), "us_per_text": per_text,
            "speedup_cpu": per_text["baseline"]["cpu"] / per_text["textkit"]["cpu"],
            "speedup_wall": per_text["baseline"]["wall"] / per_text["textkit"]["wall"]}


def steps(folder: Path) -> dict:
    from textkit.explain import explain_spikes
    from textkit.io import write_parquet
    from textkit.spikes import detect_spikes
    from textkit.timeline import _read_clusters, value_codes

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        clock = Clock()
        frame = clock("read", read_columns, folder / "prepared.parquet", (*_PREPARED_COLUMNS, "author_name"),
                      len(_PREPARED_COLUMNS),
                      where=lambda table: pc.not_equal(table["kind"], "article").fill_null(True),
                      dictionary=("tokens", "text_clean"))
        found = clock("detect", complaints.detect, frame, n_jobs=1)
        clock("write", write_parquet, work / "complaints.parquet", found)
        if "author_name" in frame.columns:
            frame["author_id"] = frame["author_id"].fillna(frame.pop("author_name"))
        authors = value_codes(frame["author_id"])
        frame["author_id"] = pd.arrays.IntegerArray(authors, authors < 0)
        frame["category"] = found["category"].array
        timeline = clock("build_timeline", build_timeline, frame, freq="H")
        spikes = clock("spikes", detect_spikes, timeline, freq="H")
        clock("explain", explain_spikes, spikes, frame, freq="H", clusters=_read_clusters(folder))
    scale = 1_000_000 / len(frame)
    table = {name: {k: round(v * scale, 2) for k, v in step.items()} for name, step in clock.steps.items()}
    table["total"] = {k: round(sum(s[k] for s in table.values()), 2) for k in ("wall", "cpu")}
    return {"posts": len(frame), "spikes": len(spikes), "seconds_per_1M_posts": table}


STAGE_INPUTS = ("prepared.parquet", "posts.parquet", "clusters.parquet", "cluster_labels.csv",
                "provenance.json")


def stages(folder: Path, jobs: int) -> dict:
    """Each stage on a fresh copy of the folder's inputs, against its baseline."""
    import os
    import shutil

    from textkit.news import news_dir
    from textkit.timeline import timeline_dir

    clock = Clock()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "analysis"
        work.mkdir()
        for name in STAGE_INPUTS:
            if (folder / name).exists():
                shutil.copy2(folder / name, work / name)
        timeline_dir(work, n_jobs=1)  # warm: the default classifier and lexicon, the file cache
        clock("timeline_dir, n_jobs=1 (baseline)", timeline_dir, work, n_jobs=1)
        clock(f"timeline_dir, n_jobs={jobs}", timeline_dir, work, n_jobs=jobs)
        clock("news baseline: pd.read_parquet(posts.parquet)", pd.read_parquet, work / "posts.parquet")
        news_dir(work)  # warm: the tokenizer the prepare stage would have loaded in `textkit run`
        clock("news_dir", news_dir, work)
    table = {name: {k: round(v, 3) for k, v in step.items()} for name, step in clock.steps.items()}
    names = list(table)
    ratios = {
        "timeline_threads_wall": table[names[0]]["wall"] / table[names[1]]["wall"],
        "news_vs_whole_read_wall": table[names[2]]["wall"] / table[names[3]]["wall"],
        "news_vs_whole_read_cpu": table[names[2]]["cpu"] / table[names[3]]["cpu"],
    }
    return {"seconds": table, "ratios": {k: round(v, 2) for k, v in ratios.items()},
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", type=Path, help="analysis folder with prepared.parquet")
    parser.add_argument("--texts", type=int, default=20_000, help="distinct texts for the scoring comparison")
    parser.add_argument("--jobs", type=int, default=2, help="threads for complaint scoring")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.dir
        if folder is None:
            from textkit import pipeline

            folder = Path(tmp) / "sample"
            pipeline.ensure(folder, "cluster")
        results = {"scoring": scoring(folder, args.texts, args.jobs), "stages": stages(folder, args.jobs),
                   "steps": steps(folder)}
    score = results["scoring"]
    print(f"complaint scoring, {score['texts']} distinct texts (µs per text):")
    print(pd.DataFrame(score["us_per_text"]).T.round(1).to_string())
    print(f"speed-up: {score['speedup_cpu']:.1f}× CPU, {score['speedup_wall']:.1f}× wall\n")
    print(f"stages on a copy of {folder} (seconds; load average {results['stages']['load_average']}):")
    print(pd.DataFrame(results["stages"]["seconds"]).T.to_string())
    print("ratios (baseline / stage):", results["stages"]["ratios"], "\n")
    print(f"timeline steps on {results['steps']['posts']} posts, one thread, seconds per 1M posts:")
    print(pd.DataFrame(results["steps"]["seconds_per_1M_posts"]).T.to_string())
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "timeline_speed.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n",
                                                 encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
