"""End-to-end benchmark: `textkit run` against the naive recipe, on the same generated corpus.

The naive recipe is what researchers glue together by hand over the same scraper files: pandas.read_csv
(the python engine when the C engine gives up on a damaged file) or read_json per file with the text and
time columns picked by name, ``jieba.lcut`` per post, ``TfidfVectorizer`` + ``MiniBatchKMeans`` and an
hourly ``resample``; it does far less than textkit (no validation, redaction, de-duplication, complaints
or spikes). Both run in fresh subprocesses
in the same benchmark run, so the ratio is measured on the same machine state. Wall times come from runs
without a memory sampler (the kernel's peak RSS of the largest process is free); textkit's process-tree
PSS comes from a second, sampled run.

    python bench/run_pipeline.py [--n 1000000] [--corpus data/raw/bench] [--skip-naive]

Goals (issue 6): textkit run on 1M posts in ≤ 60 s wall, ≤ 4 GB peak RSS, ≥ 5× faster than naive.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from measure import load_average, timed

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"

NAIVE = r"""
import glob, json, sys
import jieba, pandas as pd
from sklearn.cluster import MiniBatchKMeans
from sklearn.feature_extraction.text import TfidfVectorizer
TEXT = ["微博正文", "正文", "content", "text", "title"]
TIME = ["发布时间", "完整日期", "created_at", "create_date_time", "publish_date", "date"]
def read_csv(path):
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, on_bad_lines="skip")
    except pd.errors.ParserError:  # e.g. a cut-off last record: the usual fallback
        return pd.read_csv(path, dtype=str, keep_default_na=False, on_bad_lines="skip", engine="python")
def loads_or_none(line):
    try:
        return json.loads(line)
    except ValueError:
        return None
def read(path):
    if path.endswith(".csv"):
        df = read_csv(path)
    elif path.endswith(".jsonl"):
        try:
            df = pd.read_json(path, lines=True, dtype=False)
        except ValueError:  # a broken line: the usual fallback, line by line, skipping bad ones
            df = pd.DataFrame(loads_or_none(line) or {} for line in open(path, encoding="utf-8"))
    else:  # weibo-crawler: {"user": ..., "weibo": [...]}
        with open(path, encoding="utf-8") as fh:
            df = pd.DataFrame(json.load(fh)["weibo"])
    text = next(c for c in TEXT if c in df)
    time = next(c for c in TIME if c in df)
    return pd.DataFrame({"text": df[text].fillna("").astype(str), "time": df[time].fillna("").astype(str)})
paths = [p for p in glob.glob(sys.argv[1] + "/**/*.*", recursive=True)
         if p.endswith((".csv", ".jsonl", ".json")) and "/truth/" not in p
         and not p.endswith("textkit_synthetic.json")]
df = pd.concat([read(p) for p in sorted(paths)], ignore_index=True)
df = df[df["text"] != ""]
tokens = df["text"].apply(jieba.lcut)
X = TfidfVectorizer(analyzer=lambda t: t, min_df=5).fit_transform(tokens)
labels = MiniBatchKMeans(n_clusters=20, random_state=0, n_init=3).fit_predict(X)
minutes = df["time"].str.replace("T", " ").str.slice(0, 16)
times = pd.to_datetime(minutes, errors="coerce", format="%Y-%m-%d %H:%M")
hourly = pd.Series(1, index=times).dropna().resample("h").sum()
print(len(df), len(hourly))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--corpus", type=Path, default=ROOT / "data" / "raw" / "bench")
    parser.add_argument("--skip-naive", action="store_true")
    args = parser.parse_args()
    python = sys.executable
    if not (args.corpus / "textkit_synthetic.json").exists():
        subprocess.run([python, "-m", "textkit.cli", "synth", "--out", str(args.corpus), "--n", str(args.n)],
                       check=True, cwd=ROOT)
    results = {"n": args.n, "load_average_before": load_average()}
    run = [python, "-m", "textkit.cli", "run", str(args.corpus), "--out"]
    with tempfile.TemporaryDirectory() as out:  # wall time: no /proc sampler slowing the run down
        results["textkit_run"] = timed([*run, out], sample_memory=False)
    with tempfile.TemporaryDirectory() as out:  # memory: the process tree's PSS, sampled
        results["textkit_run_memory"] = timed([*run, out])
    if not args.skip_naive:  # one process: its peak RSS is its memory; no sampler either
        results["naive"] = timed([python, "-c", NAIVE, str(args.corpus)], sample_memory=False)
        results["speedup"] = round(results["naive"]["seconds"] / results["textkit_run"]["seconds"], 2)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "run_pipeline.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
