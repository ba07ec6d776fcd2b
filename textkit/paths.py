"""Where textkit finds its data: the project's data/ folder, figures/ and the shared real material.

Every path can be overridden by an environment variable so that a researcher can point the suite at
another incident without touching code: ``TEXTKIT_DATA`` (the data/ folder with lexicon/ and
events.csv), ``TEXTKIT_SHARED`` (real material for tests, default ``../shared`` beside the repo).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("TEXTKIT_DATA", PROJECT_ROOT / "data"))
LEXICON_DIR = DATA_DIR / "lexicon"
EVENTS_CSV = DATA_DIR / "events.csv"
SAMPLE_DIR = DATA_DIR / "raw" / "sample"
FIGURES_DIR = PROJECT_ROOT / "figures"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
SHARED_DIR = Path(os.environ.get("TEXTKIT_SHARED", PROJECT_ROOT.parent / "shared"))
