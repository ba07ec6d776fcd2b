"""Cluster stage speed: ``cluster_dir`` against the previous code and a naive recipe, in the same run.

Every method runs in its own subprocess on its own copy of ``SOURCE/prepared.parquet`` (SOURCE is only
read; ``--posts N`` copies the first N posts only):

* ``textkit``: ``cluster_dir`` of the working tree;
* ``previous``: ``cluster_dir`` of ``textkit/cluster.py`` at ``--baseline-rev`` (default ``a053c27``, the
  stage before tokens were read as Arrow codes), loaded from git into a temporary module. Its three
  artefacts are compared byte for byte with those of ``textkit``;
* ``naive``: what a researcher would write: ``pd.read_parquet``, scikit-learn's ``TfidfVectorizer`` over
  the token lists and ``MiniBatchKMeans`` (k = the number of clusters textkit found), ``clusters.parquet``
  written (no labels, representatives, curation or counts over time).

For each: the stage's wall and CPU seconds (all threads, measured in the child after its imports), the
child's CPU seconds in all and its peak RSS, and the ratios of the stage times against ``previous`` and
``naive``. The load average is printed: the machine may be
shared.

Run: ``.venv/bin/python bench/cluster_stage.py --source /tmp/run1m/a`` (default source: ``build/sample``).
Writes ``bench/results/cluster_stage.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import filecmp
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
ARTEFACTS = ("clusters.parquet", "cluster_labels.csv", "clusters_over_time.csv")
METHODS = ("previous", "textkit", "naive")


def copy_input(source: Path, folder: Path, posts: int | None) -> None:
    """Copy prepared.parquet (or its first ``posts`` rows, sliced in a subprocess: a child's peak RSS
    as the kernel reports it includes what its parent held when it was started)."""
    folder.mkdir(parents=True)
    if posts is None:
        shutil.copyfile(source / "prepared.parquet", folder / "prepared.parquet")
        return
    script = ("import sys, pyarrow.parquet as pq; "
              "pq.write_table(pq.read_table(sys.argv[1]).slice(0, int(sys.argv[3])), sys.argv[2], "
              "compression='zstd')")
    subprocess.run([sys.executable, "-c", script, str(source / "prepared.parquet"),
                    str(folder / "prepared.parquet"), str(posts)], check=True)


def naive_recipe(folder: Path, k: int) -> dict:
    import pandas as pd
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    posts = pd.read_parquet(folder / "prepared.parquet", columns=["platform", "post_id", "tokens"])
    tokens = [list(t) for t in posts["tokens"]]
    matrix = TfidfVectorizer(analyzer=lambda t: t, min_df=2, max_df=0.5).fit_transform(tokens)
    kmeans = MiniBatchKMeans(k, n_init=1, random_state=0, batch_size=4096)
    posts["cluster"] = kmeans.fit_predict(matrix)
    posts[["platform", "post_id", "cluster"]].to_parquet(folder / "clusters.parquet", index=False)
    return {"posts": len(posts), "clusters": k}


def run_child(method: str, folder: Path, k: int, module_file: Path | None) -> dict:
    """Run one method in this process: what it found and the time of the stage itself (after imports)."""
    import pandas  # noqa: F401  (imports are not part of the stage time)
    import sklearn.cluster  # noqa: F401

    if method == "previous":
        spec = importlib.util.spec_from_file_location("textkit_cluster_previous", module_file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    else:
        import textkit.cluster as module
    started, cpu_started = time.perf_counter(), time.process_time()
    if method == "naive":
        found = naive_recipe(folder, k)
    else:
        report = module.cluster_dir(folder)
        found = {"posts": report["posts"], "clusters": report["clusters"], "outliers": report["outliers"]}
    return {**found, "stage_wall_s": round(time.perf_counter() - started, 2),
            "stage_cpu_s": round(time.process_time() - cpu_started, 2)}


def measure(method: str, folder: Path, k: int, module_file: Path | None) -> dict:
    """Run a method in a subprocess: wall and CPU seconds and peak RSS of that child alone."""
    cmd = [sys.executable, __file__, "--child", method, "--folder", str(folder), "--k", str(k)]
    if module_file is not None:
        cmd += ["--module-file", str(module_file)]
    started = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "TQDM_DISABLE": "1"})
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{method} failed (exit status {status})")
    found = json.loads(output.strip().splitlines()[-1])
    return {"method": method, **found, "process_wall_s": round(seconds, 2),
            "process_cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024), "load_1min_after": round(os.getloadavg()[0], 2)}


def previous_module(revision: str, folder: Path) -> Path:
    text = subprocess.run(["git", "show", f"{revision}:textkit/cluster.py"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout
    path = folder / "cluster_previous.py"
    path.write_text(text, encoding="utf-8")
    return path


def markdown(rows: list[dict]) -> str:
    by_method = {r["method"]: r for r in rows}
    lines = ["| method | posts | clusters | stage wall s | stage CPU s | process CPU s | peak RSS MB "
             "| wall ÷ previous | CPU ÷ previous | wall ÷ naive | CPU ÷ naive |", "|---" * 11 + "|"]
    for r in rows:
        ratios = [f"{r[key] / by_method[base][key]:.2f}" if base in by_method else ""
                  for base in ("previous", "naive") for key in ("stage_wall_s", "stage_cpu_s")]
        cells = [r["method"], r["posts"], r["clusters"], r["stage_wall_s"], r["stage_cpu_s"],
                 r["process_cpu_s"], r["peak_rss_mb"], *ratios]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=str(ROOT / "build" / "sample"),
                        help="analysis folder holding prepared.parquet (read only)")
    parser.add_argument("--posts", type=int, help="use only the first N posts")
    parser.add_argument("--baseline-rev", default="a053c27", help="git revision of the previous cluster.py")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--child", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--k", type=int, default=10, help=argparse.SUPPRESS)
    parser.add_argument("--module-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        module_file = Path(args.module_file) if args.module_file else None
        print(json.dumps(run_child(args.child, Path(args.folder), args.k, module_file)))
        return 0

    source = Path(args.source)
    if not (source / "prepared.parquet").exists():
        print(f"{source / 'prepared.parquet'} not found (run `textkit run` or `make demo`)", file=sys.stderr)
        return 2
    load_before = round(os.getloadavg()[0], 2)
    rows = []
    with tempfile.TemporaryDirectory(prefix="cluster_stage_") as tmp:
        tmp = Path(tmp)
        module_file = previous_module(args.baseline_rev, tmp) if "previous" in args.methods else None
        k = 10
        for method in [m for m in METHODS if m in args.methods]:  # naive last: it uses textkit's k
            folder = tmp / method
            copy_input(source, folder, args.posts)
            rows.append(measure(method, folder, k, module_file if method == "previous" else None))
            if method == "textkit":
                k = max(2, rows[-1]["clusters"])
            print(json.dumps(rows[-1]), flush=True)
        same = None
        if {"previous", "textkit"} <= set(args.methods):
            same = {name: filecmp.cmp(tmp / "previous" / name, tmp / "textkit" / name, shallow=False)
                    for name in ARTEFACTS}
    result = {"source": str(source), "posts_limit": args.posts, "baseline_rev": args.baseline_rev,
              "cpus": os.cpu_count(), "load_1min_before": load_before, "runs": rows,
              "artefacts_identical_to_previous": same}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "cluster_stage.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print()
    print(markdown(rows))
    if same is not None:
        print(f"\nartefacts byte-identical to {args.baseline_rev}: {same}")
    print(f"load average (1 min) before: {load_before}, after: {round(os.getloadavg()[0], 2)} "
          f"on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
