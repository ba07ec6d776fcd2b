"""Chain the stages over one analysis folder: ingest → prepare → cluster → timeline → news → charts.

Each stage lives in its own module and exposes ``<stage>_dir``; this module only orders them.
Notebooks call :func:`ensure` so that any notebook can start at any stage; ``textkit run`` calls
:func:`run`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import time
from collections.abc import Sequence
from pathlib import Path

from tqdm.auto import tqdm

from textkit import io as tkio
from textkit.paths import SAMPLE_DIR

# stage -> (module, function, artefact that shows the stage has run)
STAGES: dict[str, tuple[str, str, str]] = {
    "ingest": ("textkit.ingest", "ingest_dir", "posts.parquet"),
    "prepare": ("textkit.prepare", "prepare_dir", "prepared.parquet"),
    "cluster": ("textkit.cluster", "cluster_dir", "clusters.parquet"),
    "timeline": ("textkit.timeline", "timeline_dir", "complaints.parquet"),
    "news": ("textkit.news", "news_dir", "articles.parquet"),
}
# Inside `run`, Parquet artefacts are written behind (textkit.io.write_behind) and kept in memory until
# the last stage that reads them through textkit.io has run (or lets them go itself); then they are
# released to disk.
LAST_MEMORY_READER = {
    "posts.parquet": "prepare",  # which lets go of it at once (its `raw` column is large)
    "prepared.parquet": "cluster",  # timeline reads it dictionary-encoded, cheaper from the file
    "clusters.parquet": "timeline",
}


def _stage_function(stage: str):
    module, function, _ = STAGES[stage]
    return getattr(importlib.import_module(module), function)


def ensure(
    analysis_dir: str | os.PathLike,
    stage: str,
    *,
    sources: Sequence[str | os.PathLike] = (SAMPLE_DIR,),
) -> Path:
    """Run every stage up to ``stage`` whose artefact is missing in ``analysis_dir``; return the folder."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; stages are {', '.join(STAGES)}")
    analysis_dir = Path(analysis_dir)
    for name in list(STAGES)[: list(STAGES).index(stage) + 1]:
        if (analysis_dir / STAGES[name][2]).exists():
            continue
        if name == "ingest":
            _stage_function(name)(list(sources), analysis_dir)
        else:
            _stage_function(name)(analysis_dir)
    return analysis_dir


def run(
    sources: Sequence[str | os.PathLike],
    out_dir: str | os.PathLike,
    *,
    crawl_time: str | None = None,
    source_format: str | None = None,
    freq: str = "H",
    k: int | None = None,
    semantic: bool = False,
    figures_dir: str | os.PathLike | None = None,
) -> dict[str, dict]:
    """Run ingest → prepare → cluster → timeline → news (→ charts with ``figures_dir``) into ``out_dir``.

    Returns each stage's report plus its wall time in seconds under ``"seconds"``.
    """
    out_dir = Path(out_dir)
    steps = [
        ("ingest", lambda: _stage_function("ingest")(
            list(sources), out_dir, crawl_time=crawl_time, fmt=source_format)),
        ("prepare", lambda: _stage_function("prepare")(out_dir)),
        ("cluster", lambda: _stage_function("cluster")(out_dir, k=k, semantic=semantic)),
        ("timeline", lambda: _stage_function("timeline")(out_dir, freq=freq)),
        ("news", lambda: _stage_function("news")(out_dir)),
    ]
    if figures_dir is not None:
        from textkit.charts import charts_dir

        steps.append(("charts", lambda: charts_dir(out_dir, Path(figures_dir))))
    reports: dict[str, dict] = {}
    with tkio.write_behind(), tqdm(steps, desc="textkit run", unit="stage", disable=None) as bar:
        for name, step in bar:
            bar.set_postfix_str(name)
            started = time.perf_counter()
            report = step() or {}
            for artefact in tkio.held_in_memory():
                if LAST_MEMORY_READER.get(artefact.name, name) == name:
                    tkio.release(artefact)
            tkio.settle()  # later stages may read released files from disk
            reports[name] = {**report, "seconds": round(time.perf_counter() - started, 3)}
    return reports


def register(subparsers) -> argparse.ArgumentParser:
    """The ``textkit run`` subcommand."""
    parser = subparsers.add_parser(
        "run", help="ingest → prepare → cluster → timeline (→ charts) in one go",
        description="Run the whole suite on scraper files into one analysis folder.",
    )
    parser.add_argument("paths", nargs="+", help="scraper files or folders (read recursively)")
    parser.add_argument("--out", required=True, help="analysis folder to write")
    parser.add_argument("--crawl-time", help="ISO time the files were scraped (resolves 3小时前, 12月20日)")
    parser.add_argument("--format", dest="source_format", help="force one reader instead of detecting")
    parser.add_argument("--freq", choices=("H", "D"), default="H", help="timeline bin: hour or day")
    parser.add_argument("--k", type=int, help="number of clusters (default: chosen automatically)")
    parser.add_argument("--semantic", action="store_true", help="cluster on sentence embeddings")
    parser.add_argument("--figures", help="also export the chart set into this folder")
    parser.set_defaults(func=_main)
    return parser


def _main(args: argparse.Namespace) -> int:
    reports = run(
        args.paths, args.out, crawl_time=args.crawl_time, source_format=args.source_format,
        freq=args.freq, k=args.k, semantic=args.semantic, figures_dir=args.figures,
    )
    width = max(map(len, reports))
    for name, report in reports.items():
        print(f"{name:<{width}}  {report['seconds']:8.2f} s")
    print(f"analysis folder: {args.out}")
    return 0
