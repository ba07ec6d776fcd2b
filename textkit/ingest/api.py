"""Read scraper files into one posts table and account for every record (``read_posts``, ``ingest_dir``)."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from tqdm.auto import tqdm

from textkit import io as tkio
from textkit.ingest.base import Reader, ReadResult, Rejection, SourceFile
from textkit.ingest.detect import UnknownFormat, detect
from textkit.ingest.generic import ColumnMapping, GenericReader
from textkit.ingest.report import FileReport, IngestReport
from textkit.ingest.sources import UnreadableFile, open_source
from textkit.schema import COLUMN_NAMES, DTYPES, STRING, STRING_LIST, conform, empty_posts
from textkit.timeparse import china_time

SYNTH_MARKER = "textkit_synthetic.json"
AUTHOR_COLUMNS = ("platform", "author_id", "author_name", "gender", "location", "ip_location",
                  "description", "followers", "following", "statuses", "verified", "source_format",
                  "source_file", "source_record", "raw")
_MANGLED_ID = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d+$")
_NAME_STAMP = re.compile(r"_(\d{14})\.jsonl?$")
_PROGRESS_BYTES = 20 << 20
_PARALLEL_BYTES = 64 << 20
_LOCAL_BYTES = 1 << 20  # smaller files of a parallel read are read by the parent process


def _surrogate(file_name: str, record: int, text: str | None) -> str:
    digest = hashlib.sha256(f"{file_name}\x1f{record}\x1f{text or ''}".encode()).hexdigest()
    return f"sur:{digest[:16]}"


def crawl_time_from_name(name: str) -> pd.Timestamp | None:
    """The crawl time a file name carries (nghuyong ``<spider>_<YYYYmmddHHMMSS>.jsonl``), in China time."""
    match = _NAME_STAMP.search(name)
    if not match:
        return None
    try:
        stamp = pd.to_datetime(match.group(1), format="%Y%m%d%H%M%S")
        return pd.Timestamp(stamp).tz_localize("Asia/Shanghai")
    except ValueError:
        return None


def _marker(folder: Path) -> dict | None:
    path = folder / SYNTH_MARKER
    if not path.is_file():
        return None
    try:
        marker = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def expand_paths(paths: Iterable[str | os.PathLike]) -> tuple[list[tuple[Path, str, dict | None]], list[str]]:
    """Files to read (path, display path, synthetic marker) and problems with the given paths.

    Folders are read recursively in sorted order; hidden files, the synthetic marker and the files it
    lists as non-data are skipped; a file listed twice is read once.
    """
    files: list[tuple[Path, str, dict | None]] = []
    problems: list[str] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            markers: dict[Path, dict] = {}
            for folder in [path, *sorted(p for p in path.rglob("*") if p.is_dir())]:
                marker = _marker(folder)
                if marker is not None:
                    markers[folder] = marker
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                rel_parts = file.relative_to(path).parts
                if any(part.startswith(".") for part in rel_parts) or file.name == SYNTH_MARKER:
                    continue
                owner = next((folder for folder in sorted(markers, key=lambda f: -len(f.parts))
                              if folder in file.parents), None)
                marker = markers.get(owner) if owner else None
                if marker is not None:
                    skip = {(owner / name).resolve() for name in marker.get("non_data", [])}
                    if file.resolve() in skip or any(parent in skip for parent in file.resolve().parents):
                        continue
                _add(files, seen, file, str(path / file.relative_to(path)), marker)
        elif path.is_file():
            marker = next((m for m in (_marker(p) for p in path.parents) if m), None)
            _add(files, seen, path, str(given), marker)
        else:
            problems.append(f"{given}: no such file or folder")
    return files, problems


def _add(files, seen, file: Path, display: str, marker) -> None:
    key = file.resolve()
    if key not in seen:
        seen.add(key)
        files.append((file, display, marker))


def _finish_posts(result: ReadResult, source: SourceFile, reader, report: FileReport) -> pd.DataFrame:
    posts = result.posts
    if posts is None or len(posts) == 0:
        return empty_posts()
    posts = posts.reset_index(drop=True)
    n = len(posts)
    fill = {"platform": reader.platform, "source_format": reader.name, "source_file": source.display_path}
    for column, value in fill.items():
        constant = pd.Series(pd.arrays.ArrowStringArray(pa.repeat(value, n)), index=posts.index)
        posts[column] = constant if column not in posts.columns else posts[column].fillna(constant)
    if "source_record" not in posts.columns:
        posts["source_record"] = np.arange(1, n + 1)
    for column in COLUMN_NAMES:  # typed empty columns: conform would build them value by value
        if column not in posts.columns and DTYPES[column] == STRING:
            posts[column] = pd.Series(pd.arrays.ArrowStringArray(pa.nulls(n, pa.string())), index=posts.index)
        elif column not in posts.columns and DTYPES[column] == STRING_LIST:  # empty lists, not missing
            offsets, no_items = pa.array(np.zeros(n + 1, dtype=np.int32)), pa.array([], pa.string())
            empty = pa.ListArray.from_arrays(offsets, no_items, type=STRING_LIST.pyarrow_dtype)
            posts[column] = pd.Series(pd.arrays.ArrowExtensionArray(empty), index=posts.index)
    posts = conform(posts)
    for column in ("topics", "mentions"):
        posts[column] = _empty_lists_for_missing(posts[column])
    ids = posts["post_id"].astype(STRING).str.strip()
    mangled = ids.str.match(_MANGLED_ID).fillna(False).to_numpy(dtype=bool)
    missing = ids.isna().to_numpy() | (ids == "").fillna(True).to_numpy(dtype=bool)
    need = mangled | missing
    if need.any():
        name = source.path.name
        records = posts["source_record"].to_numpy()
        texts = posts["text"].astype(object).to_numpy()
        values = ids.astype(object).to_numpy().copy()
        for i in np.flatnonzero(need):
            values[i] = _surrogate(name, int(records[i]), texts[i] if isinstance(texts[i], str) else None)
        ids = pd.Series(values, dtype=STRING)
        if mangled.any():
            report.warnings.append(f"{int(mangled.sum())} id(s) mangled by Excel (e.g. 4.72E+15) "
                                   "got surrogate ids sur:<hash>")
        if (missing & ~mangled).any():
            report.warnings.append(f"{int((missing & ~mangled).sum())} record(s) without an id got "
                                   "surrogate ids sur:<hash>")
    posts["post_id"] = ids
    return posts


def _empty_lists_for_missing(series: pd.Series) -> pd.Series:
    """A list column with empty lists where it had missing values (built from the list offsets:
    ``fill_null`` with a list scalar goes value by value)."""
    if not series.isna().any():
        return series
    array = pa.chunked_array(series.array._pa_array).combine_chunks()
    lengths = pc.fill_null(pc.list_value_length(array), 0).to_numpy()
    offsets = np.zeros(len(array) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    filled = pa.ListArray.from_arrays(pa.array(offsets), array.flatten(), type=array.type)
    return pd.Series(pd.arrays.ArrowExtensionArray(filled), index=series.index, dtype=series.dtype)


def _finish_authors(result: ReadResult, source: SourceFile, reader) -> pd.DataFrame | None:
    authors = result.authors
    if authors is None or len(authors) == 0:
        return None
    authors = authors.reset_index(drop=True).copy()
    authors["platform"] = authors.get("platform", pd.Series(reader.platform, index=authors.index))
    authors["platform"] = authors["platform"].fillna(reader.platform)
    authors["source_format"] = reader.name
    authors["source_file"] = source.display_path
    for column in AUTHOR_COLUMNS:
        if column not in authors.columns:
            authors[column] = None
    authors = authors[list(AUTHOR_COLUMNS)]
    for column in AUTHOR_COLUMNS:
        if column in ("followers", "following", "statuses", "source_record"):
            authors[column] = authors[column].astype("Int64")
        elif column == "verified":
            authors[column] = authors[column].astype("boolean")
        else:
            authors[column] = authors[column].astype(STRING)
    authors["author_id"] = authors["author_id"].str.strip()
    return authors


def read_posts(
    paths: Sequence[str | os.PathLike] | str | os.PathLike,
    crawl_time: str | pd.Timestamp | None = None,
    fmt: str | None = None,
    *,
    mappings: Sequence[ColumnMapping | str | os.PathLike] = (),
    rejected_out: list[dict] | None = None,
    authors_out: list[pd.DataFrame] | None = None,
    n_jobs: int | None = None,
) -> tuple[pd.DataFrame, IngestReport]:
    """Read scraper files and folders into one posts table (:mod:`textkit.schema`) and its report.

    ``crawl_time`` resolves relative and yearless times (``3小时前``, ``12月20日 09:15``); without it
    ingest uses the crawl time the record or file states. ``fmt`` forces one reader. ``mappings``
    (:class:`~textkit.ingest.generic.ColumnMapping` objects or mapping JSON files) read every file
    whose columns they name, before any built-in reader is asked; ``fmt`` may name one of them.
    Duplicates (same platform and post_id, across all files) keep the first record. Rejected records
    are appended to ``rejected_out`` and author tables to ``authors_out`` when given. Several files
    of 64 MB or more together are read by ``n_jobs`` worker processes (None: one per core; 1: in
    this process), with the same output, byte for byte.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    preferred = mapping_readers(mappings)
    given_crawl = china_time(crawl_time) if crawl_time is not None else None
    files, problems = expand_paths(paths)
    report = IngestReport(crawl_time=given_crawl.isoformat() if given_crawl is not None else None)
    for problem in problems:
        report.files.append(FileReport(file=problem.split(":")[0], error=problem))
    frames: list[pd.DataFrame] = []
    author_frames: list[pd.DataFrame] = []
    rejected: list[dict] = [] if rejected_out is None else rejected_out
    tasks = []
    for path, display, marker in files:
        if marker is not None:
            report.synthetic = report.synthetic or bool(marker.get("synthetic", True))
        crawl = given_crawl
        if crawl is None and marker is not None and marker.get("crawl_time"):
            crawl = china_time(marker["crawl_time"])
        if crawl is None:
            crawl = crawl_time_from_name(path.name)
        tasks.append((path, display, crawl, fmt, given_crawl is not None, preferred))
    sizes = [path.stat().st_size for path, _, _ in files]
    with tqdm(total=sum(sizes), unit="B", unit_scale=True, desc="ingest",
              disable=None if sum(sizes) > _PROGRESS_BYTES else True) as bar:
        for result in _read_all(tasks, sizes, n_jobs, bar):
            report.files.append(result.report)
            rejected.extend(result.rejected)
            if result.posts is not None:
                frames.append(result.posts)
            if result.authors is not None:
                author_frames.append(result.authors)
    posts = pd.concat(frames, ignore_index=True) if frames else empty_posts()
    posts = _dedupe(posts, ["platform", "post_id"], report, "posts")
    if author_frames:
        authors = pd.concat(author_frames, ignore_index=True)
        authors = _dedupe(authors, ["platform", "author_id"], report, "authors")
        if authors_out is not None:
            authors_out.append(authors.reset_index(drop=True))
    for file_report in report.files:
        file_report.accepted = file_report.posts + file_report.authors
    times = posts["created_at"].dropna()
    if len(times):
        report.time_range = (times.min().isoformat(), times.max().isoformat())
    report.check()
    return conform(posts.reset_index(drop=True)), report


def _dedupe(frame: pd.DataFrame, key: list[str], report: IngestReport, what: str) -> pd.DataFrame:
    by_file = {f.file: f for f in report.files}
    has_key = frame[key].notna().all(axis=1).to_numpy()
    combined = np.zeros(len(frame), dtype=np.int64)
    for column in key:  # one integer per key combination: hashing ints beats hashing string pairs
        codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
        combined = combined * (len(uniques) + 1) + codes + 1
    duplicate = pd.Series(combined).duplicated(keep="first").to_numpy() & has_key
    files, names = pd.factorize(frame["source_file"])
    duplicates = np.bincount(files[duplicate], minlength=len(names))
    kept_counts = np.bincount(files[~duplicate], minlength=len(names))
    for name, dropped, kept in zip(names, duplicates, kept_counts, strict=True):
        by_file[name].duplicates += int(dropped)
        setattr(by_file[name], what, getattr(by_file[name], what) + int(kept))
    return frame.loc[~duplicate] if duplicate.any() else frame


class _FileResult(NamedTuple):
    report: FileReport
    posts: pd.DataFrame | None
    authors: pd.DataFrame | None
    rejected: list[dict]


def _read_one(path: Path, display: str, crawl, fmt, crawl_given: bool = False,
              preferred: Sequence[Reader] = ()) -> _FileResult:
    """Read one file: its report, posts, authors and rejected records (nothing shared, so a worker
    process can run it)."""
    file_report = FileReport(file=display)
    rejected: list[dict] = []
    failed = _FileResult(file_report, None, None, rejected)
    try:
        source = open_source(path, display, crawl)
        source.crawl_time_given = crawl_given
    except UnreadableFile as error:
        _file_failed(file_report, str(error), rejected, counts_as_record="empty file" not in str(error))
        return failed
    try:
        reader = detect(source, fmt, preferred)
    except UnknownFormat as error:
        _encoding_notes(source, file_report)
        _file_failed(file_report, str(error), rejected, counts_as_record=True)
        return failed
    file_report.format = reader.name
    try:
        with _no_cycle_collection():
            result = reader.read(source)
    except (ValueError, KeyError, TypeError) as error:
        _encoding_notes(source, file_report)
        _file_failed(file_report, f"{display}: {reader.name} reader failed: {error}", rejected,
                     counts_as_record=True)
        return failed
    _encoding_notes(source, file_report)  # after reading: a file read as UTF-8 on disk is never decoded
    file_report.records = result.records
    file_report.rejected = len(result.rejected)
    file_report.warnings.extend(result.warnings)
    for rejection in result.rejected:
        rejected.append({"file": display, "record": rejection.record, "reason": rejection.reason,
                         "raw": rejection.raw, "format": reader.name})
    posts = _finish_posts(result, source, reader, file_report)
    return _FileResult(file_report, posts if len(posts) else None, _finish_authors(result, source, reader),
                       rejected)


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector: parsing builds millions of small dicts and lists (no cycles),
    and the collector would walk all of them again and again (it cost JSON Lines parsing 3x)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_all(tasks: list[tuple], sizes: list[int], n_jobs: int | None, bar) -> Iterator[_FileResult]:
    """Results of :func:`_read_one` for every task, in task order.

    Large inputs (64 MB or more) of several files are read by ``n_jobs`` worker processes (None:
    one per core), the largest files first; their posts come back through shared memory as Arrow
    columns (no pickling, no copy), taken over as soon as a worker finishes a file. Files under
    1 MB are read meanwhile by this process, which would otherwise only wait (a reader's first use
    may import a library: once here rather than in every worker). The results, and so the output,
    are the same as reading the files one after another.
    """
    jobs = min((os.cpu_count() or 1) if n_jobs is None else n_jobs, len(tasks))
    if jobs < 2 or sum(sizes) < _PARALLEL_BYTES or not hasattr(os, "fork"):
        for task, size in zip(tasks, sizes, strict=True):
            yield _read_one(*task)
            bar.update(size)
        return
    # fork: workers start at once with every reader the caller registered; spawn and forkserver
    # would run the caller's main script again (a script without a __main__ guard would break)
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"))
    order = sorted(range(len(tasks)), key=lambda i: -sizes[i])
    index = {pool.submit(_read_one_shared, *tasks[i]): i for i in order if sizes[i] >= _LOCAL_BYTES}
    done: dict[int, _FileResult] = {}
    taken = 0
    try:
        for i in order:  # after every submit: the workers are forked by then, before any reader thread
            if sizes[i] < _LOCAL_BYTES:
                done[i] = _read_one(*tasks[i])
                bar.update(sizes[i])
        while taken in done:
            yield done.pop(taken)
            taken += 1
        for future in as_completed(index):
            i = index.pop(future)
            result = future.result()
            done[i] = result._replace(posts=_posts_from_shared(result.posts))
            bar.update(sizes[i])
            while taken in done:
                yield done.pop(taken)
                taken += 1
    finally:  # stopped early (an error, the caller gave up): remove what the other workers left behind
        for future in index:
            future.cancel()
        pool.shutdown(wait=True)
        for future in index:
            left = future.result().posts if not future.cancelled() and future.exception() is None else None
            if isinstance(left, str):
                shutil.rmtree(left, ignore_errors=True)


_SHARED_DIR = "/dev/shm" if os.path.isdir("/dev/shm") else None  # RAM-backed where there is one
_POST_TYPES = {pa.string(): STRING, pa.large_string(): STRING, pa.int64(): DTYPES["likes"],
               pa.bool_(): DTYPES["is_repost"], pa.list_(pa.string()): DTYPES["topics"]}


def _read_one_shared(*task) -> _FileResult:
    """:func:`_read_one` in a worker process: the posts go into shared memory, one Arrow file per
    column in a folder the result names (moving a pickled table through a pipe costs several copies)."""
    result = _read_one(*task)
    if result.posts is None:
        return result
    table = pa.Table.from_pandas(result.posts, preserve_index=False)
    try:  # no room in shared memory: the posts travel pickled instead
        folder = tempfile.mkdtemp(dir=_SHARED_DIR, prefix="textkit-ingest-")
    except OSError:
        return result
    try:
        for position, (name, column) in enumerate(zip(table.column_names, table.columns, strict=True)):
            single = pa.table({name: column})
            with (pa.OSFile(os.path.join(folder, f"{position}.arrow"), "wb") as file,
                  pa.ipc.new_file(file, single.schema) as writer):
                writer.write_table(single)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return result
    return result._replace(posts=folder)


def _posts_from_shared(posts: pd.DataFrame | str | None) -> pd.DataFrame | None:
    """The posts a worker left in shared memory (the folder is removed at once).

    The columns stay where the worker wrote them, each in its own mapping: a column keeps only its
    own file alive (``raw`` is freed with the last table that holds it, not with the first column a
    later stage keeps), and nothing is copied."""
    if not isinstance(posts, str):
        return posts
    columns = {}
    try:
        for path in sorted(Path(posts).iterdir(), key=lambda path: int(path.stem)):
            with pa.memory_map(str(path)) as source:
                single = pa.ipc.open_file(source).read_all()
            columns[single.column_names[0]] = single.column(0)
    finally:
        shutil.rmtree(posts, ignore_errors=True)
    frame = pa.table(columns).to_pandas(types_mapper=_POST_TYPES.get, ignore_metadata=True)
    return conform(frame)


def _encoding_notes(source: SourceFile, file_report: FileReport) -> None:
    file_report.encoding = source.encoding
    file_report.replaced_bytes = source.replaced_bytes
    file_report.nul_bytes = source.nul_bytes
    if source.replaced_bytes:
        file_report.warnings.append(f"{source.replaced_bytes} undecodable byte(s) replaced with U+FFFD "
                                    f"(read as {source.encoding})")
    if source.nul_bytes:
        file_report.warnings.append(f"{source.nul_bytes} NUL byte(s) removed")


def _file_failed(file_report: FileReport, reason: str, rejected: list[dict], *,
                 counts_as_record: bool) -> None:
    """A file that yields no records: the whole file is one rejected record (an empty file holds none)."""
    file_report.error = reason
    if counts_as_record:
        file_report.records = 1
        file_report.rejected = 1
        rejected.append({"file": file_report.file, "record": 0, "reason": reason, "raw": "",
                         "format": file_report.format})


def mapping_readers(mappings: Sequence[ColumnMapping | str | os.PathLike]) -> list[GenericReader]:
    """One generic reader per column mapping (object or JSON file); two mappings may not share a name."""
    readers = [GenericReader(mapping) for mapping in mappings]
    names = [reader.name for reader in readers]
    clashes = sorted({name for name in names if names.count(name) > 1})
    if clashes:
        raise ValueError(f"two column mappings are named {clashes[0]!r}; give each its own \"name\"")
    return readers


def load_posts(analysis_dir: str | os.PathLike) -> pd.DataFrame:
    """``posts.parquet`` of an analysis folder with the schema's exact dtypes."""
    return conform(pd.read_parquet(Path(analysis_dir) / "posts.parquet"))


def _inputs(paths: Sequence[str | os.PathLike]) -> list[dict]:
    files, _ = expand_paths(paths)
    return [{"path": _relative(display), "sha256": tkio.sha256_file(path), "bytes": path.stat().st_size}
            for path, display, _ in files]


def _relative(display: str) -> str:
    """A path under the working directory is recorded relative to it, so provenance is machine-independent."""
    try:
        return Path(display).resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return display


def ingest_dir(
    paths: Sequence[str | os.PathLike] | str | os.PathLike,
    out_dir: str | os.PathLike,
    crawl_time: str | pd.Timestamp | None = None,
    fmt: str | None = None,
    mappings: Sequence[ColumnMapping | str | os.PathLike] = (),
    n_jobs: int | None = None,
) -> dict:
    """Ingest ``paths`` into the analysis folder ``out_dir``; return the report as a dict.

    Writes ``posts.parquet``, ``ingest_report.json``, ``rejected.jsonl`` (and ``authors.parquet``
    when the files hold user records) atomically and records provenance (the column mappings used
    included, in full).
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    out_dir = Path(out_dir)
    rejected: list[dict] = []
    authors: list[pd.DataFrame] = []
    readers = mapping_readers(mappings)
    posts, report = read_posts(paths, crawl_time, fmt, mappings=[r.mapping for r in readers],
                               rejected_out=rejected, authors_out=authors, n_jobs=n_jobs)
    # provenance hashes the inputs on a thread while the artefacts are written (both release the
    # GIL); not while reading: worker processes are forked then, and a fork should not meet a thread
    hasher = ThreadPoolExecutor(1)
    inputs = hasher.submit(_inputs, paths)
    hasher.shutdown(wait=False)
    report_dict = report.to_dict()
    out_dir.mkdir(parents=True, exist_ok=True)
    tkio.write_parquet(out_dir / "posts.parquet", posts)
    if authors and len(authors[0]):
        tkio.write_parquet(out_dir / "authors.parquet", authors[0])
    else:
        (out_dir / "authors.parquet").unlink(missing_ok=True)
    tkio.write_jsonl(out_dir / "rejected.jsonl", rejected)
    tkio.write_json(out_dir / "ingest_report.json", report_dict)
    tkio.record_stage(
        out_dir, "ingest",
        {"parameters": {"paths": [str(p) for p in paths], "crawl_time": report.crawl_time, "format": fmt,
                        "mappings": [_mapping_spec(r.mapping) for r in readers]},
         "total": report_dict["total"], "time_range": report_dict["time_range"],
         "columns": list(COLUMN_NAMES)},
        inputs=inputs.result(), synthetic=report.synthetic,
    )
    return report_dict


def _mapping_spec(mapping: ColumnMapping) -> dict:
    spec = dataclasses.asdict(mapping)
    spec["optional"] = list(spec["optional"])
    return spec


__all__ = ["Rejection", "crawl_time_from_name", "expand_paths", "ingest_dir", "load_posts", "mapping_readers",
           "read_posts"]
