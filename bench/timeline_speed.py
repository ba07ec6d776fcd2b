"""Timeline stage speed: complaint scoring against a per-text baseline, and the stage's parts per 1M posts.

    python bench/timeline_speed.py [DIR] [--texts 20000] [--jobs 2]

DIR is an analysis folder with ``prepared.parquet`` (default: the bundled sample, built with
:func:`textkit.pipeline.ensure` into a temporary folder). DIR is only read: the stage runs on a copy.

* **scoring** — ``--texts`` distinct texts of DIR scored by the textbook recipe, measured in the same
  run as the baseline: the lexicon's regex alternations with ``re.finditer`` one text at a time (no
  negation or degree windows, so the baseline is flattered) plus sklearn's ``TfidfVectorizer.transform``
  and the three logistic-regression heads; against :func:`textkit.complaints.score_texts` on the same
  texts. Reported as µs per distinct text and the speed-up ratio.
* **stage** — :func:`textkit.timeline.timeline_dir`'s steps timed one by one (read, detect, write,
  build_timeline, spikes, explain), wall and CPU seconds, scaled to 1M posts.

Prints tables and writes ``bench/results/timeline_speed.json``. The machine may be shared: CPU seconds
are the steadier figure.
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


def stage(folder: Path, jobs: int) -> dict:
    from textkit.explain import explain_spikes
    from textkit.io import write_parquet
    from textkit.spikes import detect_spikes
    from textkit.timeline import _read_clusters

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        clock = Clock()
        frame = clock("read", read_columns, folder / "prepared.parquet", (*_PREPARED_COLUMNS, "author_name"),
                      len(_PREPARED_COLUMNS),
                      where=lambda table: pc.not_equal(table["kind"], "article").fill_null(True))
        found = clock("detect", complaints.detect, frame, n_jobs=jobs)
        clock("write", write_parquet, work / "complaints.parquet", found)
        if "author_name" in frame.columns:
            frame["author_id"] = frame["author_id"].fillna(frame.pop("author_name"))
        frame["category"] = found["category"].to_numpy()
        timeline = clock("build_timeline", build_timeline, frame, freq="H")
        spikes = clock("spikes", detect_spikes, timeline, freq="H")
        clock("explain", explain_spikes, spikes, frame, freq="H", clusters=_read_clusters(folder))
    scale = 1_000_000 / len(frame)
    steps = {name: {k: round(v * scale, 2) for k, v in step.items()} for name, step in clock.steps.items()}
    steps["total"] = {k: round(sum(s[k] for s in steps.values()), 2) for k in ("wall", "cpu")}
    return {"posts": len(frame), "distinct_texts": int(frame["text_clean"].nunique()), "spikes": len(spikes),
            "jobs": jobs, "seconds_per_1M_posts": steps}


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
            pipeline.ensure(folder, "prepare")
        results = {"scoring": scoring(folder, args.texts, args.jobs), "stage": stage(folder, args.jobs)}
    score = results["scoring"]
    print(f"complaint scoring, {score['texts']} distinct texts (µs per text):")
    print(pd.DataFrame(score["us_per_text"]).T.round(1).to_string())
    print(f"speed-up: {score['speedup_cpu']:.1f}× CPU, {score['speedup_wall']:.1f}× wall\n")
    steps = results["stage"]["seconds_per_1M_posts"]
    print(f"timeline stage on {results['stage']['posts']} posts, seconds per 1M posts:")
    print(pd.DataFrame(steps).T.to_string())
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "timeline_speed.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n",
                                                 encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
