"""Execute the numbered notebooks headless with papermill, each against one analysis folder.

    python -m textkit.notebooks --analysis-dir DIR [--in-place] [--only 01_ingest] [--out OUTDIR]

Every ``notebooks/*.ipynb`` runs top to bottom in the ``notebooks/`` folder with its ``ANALYSIS_DIR``
parameter set to ``DIR`` (made absolute). Executed copies go to ``OUTDIR`` (default: a new temporary
folder) or replace the originals with ``--in-place``. A failing cell stops that notebook and the
command exits non-zero, naming the notebook and the cell's error.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from textkit.paths import NOTEBOOKS_DIR


def notebook_paths(only: Iterable[str] | None = None, folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The notebooks to run, in reading order; ``only`` selects by stem (``01_ingest``)."""
    paths = sorted(folder.glob("[0-9]*.ipynb"))
    if only:
        wanted = set(only)
        unknown = wanted - {p.stem for p in paths}
        if unknown:
            raise ValueError(f"no such notebook(s) in {folder}: {', '.join(sorted(unknown))}")
        paths = [p for p in paths if p.stem in wanted]
    return paths


def run_notebook(path: Path, analysis_dir: str | os.PathLike, output: Path, *,
                 parameters: dict | None = None, timeout: int = 1200) -> Path:
    """Execute one notebook with ``ANALYSIS_DIR`` (and any other ``parameters``) injected."""
    import papermill

    # relative to the notebook's folder, so executed copies carry no machine-specific path
    folder = os.path.relpath(Path(analysis_dir).resolve(), path.parent.resolve())
    params = {"ANALYSIS_DIR": folder, **(parameters or {})}
    papermill.execute_notebook(
        str(path), str(output), parameters=params, cwd=str(path.parent), kernel_name="python3",
        progress_bar=False, execution_timeout=timeout, log_output=False,
    )
    return output


def run_all(analysis_dir: str | os.PathLike, *, out_dir: str | os.PathLike | None = None,
            in_place: bool = False, only: Iterable[str] | None = None) -> list[Path]:
    """Execute the selected notebooks in order; return the executed copies."""
    if out_dir is None and not in_place:
        out_dir = tempfile.mkdtemp(prefix="textkit-notebooks-")
    executed = []
    for path in notebook_paths(only):
        output = path if in_place else Path(out_dir) / path.name
        output.parent.mkdir(parents=True, exist_ok=True)
        print(f"running {path.name} …", flush=True)
        executed.append(run_notebook(path, analysis_dir, output))
    return executed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m textkit.notebooks", description=__doc__.splitlines()[0])
    parser.add_argument("--analysis-dir", required=True, help="analysis folder passed as ANALYSIS_DIR")
    parser.add_argument("--in-place", action="store_true", help="overwrite the notebooks with executed ones")
    parser.add_argument("--out", help="folder for executed copies (default: a temporary folder)")
    parser.add_argument("--only", nargs="+", metavar="STEM", help="run only these notebooks (e.g. 01_ingest)")
    args = parser.parse_args(argv)
    import papermill

    try:
        executed = run_all(args.analysis_dir, out_dir=args.out, in_place=args.in_place, only=args.only)
    except papermill.PapermillExecutionError as error:
        print(f"notebook failed: {error.ename}: {error.evalue}", file=sys.stderr)
        return 1
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    for path in executed:
        print(f"executed: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
