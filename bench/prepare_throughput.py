"""Prepare-stage speed: tokenization against ``df.text.apply(jieba.lcut)``, and clean + redact +
de-duplicate + tokenize at scale, each against a baseline measured in the same run.

Tokenization (MB/s of UTF-8 input, distinct cleaned texts, fresh tokenizer so no cache is warm). The
machine is shared, so each figure is the best of ``--repeats`` runs, in CPU seconds (``process_time``,
plus the workers' ``RUSAGE_CHILDREN`` with two processes), all in the same run; the load average is
reported with them:

* ``jieba.lcut``: the usual ``df.text.apply(jieba.lcut)`` (one core, no filters) on ``--baseline-texts``
  of the texts — the baseline;
* ``textkit 1 core`` / ``textkit 2 cores``: :class:`textkit.tokenize.Tokenizer` (the fast backend:
  jieba's algorithm in C, user dictionary, stop words and filters), ``n_jobs`` 1 and 2; per core = MB /
  CPU seconds of all processes, and the 2-core wall-clock speed-up over ``jieba.lcut``;
* ``textkit rjieba 1 core``: the same tokenizer on the jieba-rs engine (``backend="rjieba"``, what the
  fast backend falls back to where the C extension was not built);
* ``compiled cut`` / ``rjieba cut``: each engine alone on the distinct jieba blocks of the texts, joined
  by newlines (no filters, no Arrow): about the floor that the tokenizer's own work adds to;
* ``identical``: texts whose textkit tokens differ between each fast engine and the jieba backend
  (the reference, text by text), on up to ``--identical-texts`` texts.

Corpora: the generated corpus (``--corpus``, made with ``textkit synth`` when missing) and, when
../shared is present, the real posts of guangzhou-2022-weibo (read in place).

Scale: ``textkit prepare`` on ``--n`` generated posts in a subprocess (wall time, peak PSS of the
process tree), and against a naive pandas recipe (regex cleaning with ``str.replace``, a phone/ID regex,
``drop_duplicates``, ``jieba.lcut``) on a ``--naive-n`` slice, same run: both on the slice (start-up
costs included) and as posts per second (textkit on the whole corpus against naive on the slice).

Goals (issue 4): ≥ 8 MB/s per core with jieba-identical tokens; ≥ 8× ``jieba.lcut`` with both cores;
1M posts in ≤ 40 s wall and ≤ 3 GB peak RSS. Near-duplicate methods: ``bench/near_duplicates.py``.

Run: ``.venv/bin/python bench/prepare_throughput.py [--n 1000000] [--corpus data/raw/bench]``.
Writes ``bench/results/prepare_throughput.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jieba
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from measure import load_average, timed

from textkit.clean import DEFAULT_PIPELINE, repost_chains_arrow
from textkit.ingest import read_posts
from textkit.paths import PROJECT_ROOT, SHARED_DIR
from textkit.tokenize import HAN_BLOCK, USERDICT, Tokenizer, _rjieba, _segmenter

RESULTS = PROJECT_ROOT / "bench" / "results"
GUANGZHOU = SHARED_DIR / "data" / "real" / "guangzhou-2022-weibo" / "guangzhou_weibo_2022.csv"

NAIVE_PREPARE = r"""
import re, sys, jieba, pandas as pd
df = pd.read_parquet(sys.argv[1], columns=["text"]).head(int(sys.argv[2]))
text = df["text"].fillna("")
for pattern in (r"https?://\S+", r"t\.cn/\w+", r"O?网页链接", r"展开全文", r"<[^>]+>", r"\s+"):
    text = text.str.replace(pattern, " ", regex=True)
text = text.str.replace(r"1[3-9]\d{9}|\d{17}[\dXx]", "<PII>", regex=True).str.strip()
df["text_clean"] = text
df["is_duplicate"] = df.duplicated("text_clean")
df["tokens"] = df["text_clean"].apply(jieba.lcut)
print(len(df))
"""


def own_texts(posts: pd.DataFrame, limit: int, seed: int = 0) -> list[str]:
    """Distinct cleaned own words (what prepare tokenizes) of up to ``limit`` posts, sampled."""
    texts = pa.array(posts["text"].fillna("").unique(), type=pa.large_string())
    own = repost_chains_arrow(DEFAULT_PIPELINE.apply_arrow(texts))[0]
    distinct = [t for t in pc.unique(own).to_pylist() if t]
    if len(distinct) > limit:
        picked = np.sort(np.random.default_rng(seed).choice(len(distinct), limit, replace=False))
        distinct = [distinct[i] for i in picked]
    return distinct


def tokenization(texts: list[str], baseline_texts: int, identical_texts: int, repeats: int) -> dict:
    """MB/s of each method on ``texts`` (the jieba.lcut baseline on a slice of them), best of ``repeats``."""
    logging.getLogger("jieba").setLevel(logging.WARNING)
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    jieba.initialize()
    sample = texts[:baseline_texts]
    sample_mb = sum(len(t.encode("utf-8")) for t in sample) / 1e6
    baseline_cpu = baseline_wall = 0.0
    for _ in range(repeats):
        started_cpu, started = time.process_time(), time.perf_counter()
        pd.Series(sample).apply(jieba.lcut)
        baseline_cpu = max(baseline_cpu, sample_mb / (time.process_time() - started_cpu))
        baseline_wall = max(baseline_wall, sample_mb / (time.perf_counter() - started))
    rows = {"texts": len(texts), "mb": round(mb, 2), "load_average": load_average(),
            "jieba_lcut_mb_s_per_core": round(baseline_cpu, 3),
            "jieba_lcut_mb_s_wall": round(baseline_wall, 3)}
    blocks = "\n".join(sorted({block for text in texts for block in HAN_BLOCK.findall(text)}))
    encoded = blocks.encode("utf-8")
    for name, cut in (("compiled", lambda: _segmenter(str(USERDICT)).cut(encoded, True)),
                      ("rjieba", lambda: _rjieba(str(USERDICT)).cut(blocks, True))):
        cut()  # dictionaries loaded
        cut_cpu = []
        for _ in range(repeats):
            started_cpu = time.process_time()
            cut()
            cut_cpu.append(time.process_time() - started_cpu)
        rows[f"{name}_cut_distinct_blocks_mb_s_per_core"] = round(mb / min(cut_cpu), 2)
    for backend, jobs in (("fast", 1), ("fast", 2), ("rjieba", 1)):
        cpu, wall = [], []
        for _ in range(repeats):
            tokenizer = Tokenizer(backend=backend)
            tokenizer.preload()
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            started_cpu, started = time.process_time(), time.perf_counter()
            tokenizer.tokenize_arrow(texts, n_jobs=jobs)
            wall.append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(time.process_time() - started_cpu + after.ru_utime + after.ru_stime
                       - children.ru_utime - children.ru_stime)
        name = f"textkit_{jobs}_cores" if backend == "fast" else f"textkit_{backend}_{jobs}_core"
        rows[f"{name}_mb_s_per_core"] = round(mb / min(cpu), 2)
        rows[f"{name}_mb_s_wall"] = round(mb / min(wall), 2)
        rows[f"{name}_vs_jieba_lcut_wall"] = round(mb / min(wall) / baseline_wall, 1)
    one_core = rows["textkit_1_cores_mb_s_per_core"]
    rows["textkit_1_core_vs_jieba_lcut_per_core"] = round(one_core / baseline_cpu, 1)
    rows["load_average_end"] = load_average()
    check = texts[:identical_texts]
    reference = Tokenizer(backend="jieba")
    expected = [reference.tokenize(text) for text in check]
    rows["identical_checked"] = len(check)
    for backend in ("fast", "rjieba"):
        tokens = Tokenizer(backend=backend).tokenize_many(check, n_jobs=1)
        rows[f"identical_differ_{backend}"] = sum(a != b for a, b in zip(tokens, expected, strict=True))
    return rows


def scale(corpus: Path, naive_n: int) -> dict:
    """``textkit prepare`` on the whole corpus (subprocess), and against the naive recipe on a slice."""
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "analysis"
        subprocess.run([python, "-m", "textkit.cli", "ingest", str(corpus), "--out", str(folder)],
                       check=True, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL)
        posts = pq.read_metadata(folder / "posts.parquet").num_rows
        load = load_average()
        full = timed([python, "-m", "textkit.cli", "prepare", str(folder)])
        small = Path(tmp) / "small"
        small.mkdir()
        head = pq.read_table(folder / "posts.parquet").slice(0, naive_n)
        pq.write_table(head, small / "posts.parquet")
        shutil.copy(folder / "provenance.json", small / "provenance.json")
        textkit_small = timed([python, "-m", "textkit.cli", "prepare", str(small)])
        naive_small = timed([python, "-c", NAIVE_PREPARE, str(folder / "posts.parquet"), str(naive_n)])
    return {
        "posts": posts, "load_average_before": load, "textkit_prepare": full,
        "slice_posts": naive_n, "textkit_prepare_slice": textkit_small, "naive_prepare_slice": naive_small,
        "speedup_on_slice": round(naive_small["seconds"] / textkit_small["seconds"], 1),
        # per-post rates: textkit on the whole corpus (start-up costs spread) against the naive recipe
        "posts_per_s_textkit": round(posts / full["seconds"]),
        "posts_per_s_naive_slice": round(naive_n / naive_small["seconds"]),
        "rate_ratio": round((posts / full["seconds"]) / (naive_n / naive_small["seconds"]), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="generated posts for the scale run")
    parser.add_argument("--corpus", type=Path, default=PROJECT_ROOT / "data" / "raw" / "bench")
    parser.add_argument("--texts", type=int, default=200_000, help="distinct texts for tokenization")
    parser.add_argument("--baseline-texts", type=int, default=20_000, help="texts given to jieba.lcut")
    parser.add_argument("--identical-texts", type=int, default=40_000, help="texts checked fast == jieba")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each tokenizer figure (best kept)")
    parser.add_argument("--naive-n", type=int, default=50_000, help="posts in the naive-recipe slice")
    parser.add_argument("--no-scale", action="store_true")
    args = parser.parse_args()
    if not (args.corpus / "textkit_synthetic.json").exists():
        subprocess.run([sys.executable, "-m", "textkit.cli", "synth", "--out", str(args.corpus), "--n",
                        str(args.n)], check=True, cwd=PROJECT_ROOT)
    results: dict = {"load_average_start": load_average()}
    synthetic, _ = read_posts([args.corpus / "weibo-search"])
    results["tokenize_generated"] = tokenization(own_texts(synthetic, args.texts), args.baseline_texts,
                                                 args.identical_texts, args.repeats)
    if GUANGZHOU.exists():
        real, _ = read_posts([GUANGZHOU], crawl_time="2022-12-05T12:00:00+08:00")  # yearless dates
        results["tokenize_guangzhou_real"] = tokenization(own_texts(real, args.texts), args.baseline_texts,
                                                          args.identical_texts, args.repeats)
    else:
        results["tokenize_guangzhou_real"] = f"skipped: {GUANGZHOU} not found"
    if not args.no_scale:
        results["scale"] = scale(args.corpus, args.naive_n)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "prepare_throughput.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
