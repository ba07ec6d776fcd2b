"""`textkit run` (stages chained in one process, artefacts written behind and handed over in memory)
gives the same files as the stages run one by one."""

from __future__ import annotations

import pytest

from textkit import io as tkio
from textkit import pipeline
from textkit.paths import SAMPLE_DIR
from textkit.redact import KEY_ENV


def test_run_equals_the_stages_one_by_one(tmp_path, monkeypatch):
    if not (SAMPLE_DIR / "textkit_synthetic.json").exists():
        pytest.skip(f"bundled sample not found at {SAMPLE_DIR}")
    monkeypatch.setenv(KEY_ENV, "test-key-not-secret")
    reports = pipeline.run([SAMPLE_DIR], tmp_path / "run")
    assert list(reports) == list(pipeline.STAGES)
    assert all(report["seconds"] >= 0 for report in reports.values())
    assert tkio.held_in_memory() == []  # nothing kept once the run is over
    for stage in pipeline.STAGES:
        pipeline.ensure(tmp_path / "stages", stage, sources=[SAMPLE_DIR])
    made = sorted(path.name for path in (tmp_path / "run").iterdir())
    assert made == sorted(path.name for path in (tmp_path / "stages").iterdir())
    assert {"posts.parquet", "prepared.parquet", "clusters.parquet", "complaints.parquet"} <= set(made)
    for name in made:
        assert (tmp_path / "run" / name).read_bytes() == (tmp_path / "stages" / name).read_bytes(), name
