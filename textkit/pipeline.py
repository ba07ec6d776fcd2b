"""Chain the stages over one analysis folder: ingest → prepare → cluster → timeline → charts.

Each stage lives in its own module and exposes ``<stage>_dir``; this module only orders them.
Notebooks call :func:`ensure` so that any notebook can start at any stage.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from pathlib import Path

from textkit.paths import SAMPLE_DIR

# stage -> (module, function, artefact that shows the stage has run)
STAGES: dict[str, tuple[str, str, str]] = {
    "ingest": ("textkit.ingest", "ingest_dir", "posts.parquet"),
    "prepare": ("textkit.prepare", "prepare_dir", "prepared.parquet"),
    "cluster": ("textkit.cluster", "cluster_dir", "clusters.parquet"),
    "timeline": ("textkit.timeline", "timeline_dir", "complaints.parquet"),
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
