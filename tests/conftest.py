"""Shared test fixtures. Real material is read in place from ../shared and skipped when absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from textkit.paths import PROJECT_ROOT, SHARED_DIR

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def shared() -> Path:
    """The ../shared folder of real material; tests using it skip with a reason when it is absent."""
    if not (SHARED_DIR / "data").is_dir():
        pytest.skip(f"real material not found at {SHARED_DIR} (set TEXTKIT_SHARED to its path)")
    return SHARED_DIR


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES
