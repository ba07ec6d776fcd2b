"""Every notebook under notebooks/ runs headless, top to bottom, against one analysis folder.

The folder is built once per test session (per xdist worker) from the bundled sample with
``pipeline.ensure`` up to the highest stage whose module exists. A notebook that needs a stage whose
module does not exist yet is skipped with that reason; any cell error fails the test.
"""

from __future__ import annotations

import importlib.util
import re

import pytest

from textkit import pipeline
from textkit.notebooks import notebook_paths, run_notebook
from textkit.paths import NOTEBOOKS_DIR, SAMPLE_DIR

NOTEBOOKS = notebook_paths()
_ENSURE = re.compile(r"pipeline\.ensure\([^,]+,\s*[\"'](\w+)[\"']")


def _available(stage: str) -> bool:
    module = pipeline.STAGES[stage][0]
    return importlib.util.find_spec(module) is not None


def _highest_available_stage() -> str:
    highest = None
    for stage in pipeline.STAGES:
        if not _available(stage):
            break
        highest = stage
    return highest


def _required_stages(notebook) -> list[str]:
    source = notebook.with_suffix(".py")
    text = source.read_text(encoding="utf-8") if source.exists() else notebook.read_text(encoding="utf-8")
    needed = set(_ENSURE.findall(text))
    order = list(pipeline.STAGES)
    return order[: max((order.index(s) for s in needed if s in order), default=-1) + 1]


@pytest.fixture(scope="session")
def analysis_dir(tmp_path_factory):
    if not any(SAMPLE_DIR.rglob("*")):
        pytest.skip(f"no bundled sample at {SAMPLE_DIR}")
    folder = tmp_path_factory.mktemp("analysis")
    stage = _highest_available_stage()
    if stage is None:
        pytest.skip("no pipeline stage is implemented")
    return pipeline.ensure(folder, stage)


def test_every_notebook_has_a_paired_script():
    assert NOTEBOOKS, f"no notebooks in {NOTEBOOKS_DIR}"
    for notebook in NOTEBOOKS:
        assert notebook.with_suffix(".py").exists(), f"{notebook.name} has no jupytext .py pair"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_headless(notebook, analysis_dir, tmp_path):
    missing = [s for s in _required_stages(notebook) if not _available(s)]
    if missing:
        pytest.skip(f"{notebook.name} needs stage(s) not implemented yet: {', '.join(missing)}")
    executed = run_notebook(notebook, analysis_dir, tmp_path / notebook.name)
    assert executed.exists()
