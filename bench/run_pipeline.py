"""End-to-end benchmark: `textkit run` against the naive recipe, on the same generated corpus.

The naive recipe is what researchers glue together by hand: pandas.read_csv of the CSV files only (the
python engine when the C engine gives up on a damaged file), ``jieba.lcut`` per post,
``TfidfVectorizer`` + ``MiniBatchKMeans`` and an hourly ``resample``; it does far less than textkit (no
JSON files, no redaction, de-duplication, complaints or spikes). Both run in fresh subprocesses
in the same benchmark run, so the ratio is measured on the same machine state; peak RSS is read from
the child's rusage.

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
import glob, sys
import jieba, pandas as pd
from sklearn.cluster import MiniBatchKMeans
from sklearn.feature_extraction.text import TfidfVectorizer
paths = [p for p in glob.glob(sys.argv[1] + "/**/*.csv", recursive=True) if "truth" not in p]
def read(path):
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, on_bad_lines="skip")
    except pd.errors.ParserError:  # e.g. a cut-off last record: the usual fallback
        return pd.read_csv(path, dtype=str, keep_default_na=False, on_bad_lines="skip", engine="python")
frames = [read(p) for p in paths]
df = pd.concat(frames, ignore_index=True)
text_col = "微博正文" if "微博正文" in df else df.columns[4]
time_col = "发布时间" if "发布时间" in df else df.columns[12]
df[text_col] = df[text_col].fillna("")  # files without that column
df = df[df[text_col] != ""]
tokens = df[text_col].apply(jieba.lcut)
X = TfidfVectorizer(analyzer=lambda t: t, min_df=5).fit_transform(tokens)
labels = MiniBatchKMeans(n_clusters=20, random_state=0, n_init=3).fit_predict(X)
times = pd.to_datetime(df[time_col], errors="coerce", format="%Y-%m-%d %H:%M")
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
    with tempfile.TemporaryDirectory() as out:
        results["textkit_run"] = timed([python, "-m", "textkit.cli", "run", str(args.corpus), "--out", out])
    if not args.skip_naive:
        results["naive"] = timed([python, "-c", NAIVE, str(args.corpus)])
        results["speedup"] = round(results["naive"]["seconds"] / results["textkit_run"]["seconds"], 2)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "run_pipeline.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
