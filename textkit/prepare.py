"""Stage ``prepare``: clean, redact, de-duplicate and tokenize posts → ``prepared.parquet``.

``prepare(posts)`` returns the posts table (:mod:`textkit.schema`) with ``text`` (and ``parent_text``,
``title``) redacted and their ``@mentions`` pseudonymised, ``author_id``/``author_name`` pseudonymised
(``u_…``, ``n_…``: a mention of a user gets the same ``n_…`` as their posts), and, for everything but news
articles, ``url`` blanked (post links name the account) and ``source_file`` pseudonymised (``f_…``:
weibo-crawler names its files after the account); ``raw`` is dropped. Added columns:

==================  =========================================================================================
``text_clean``      cleaned text (:mod:`textkit.clean`), personal data replaced by ``<TYPE>`` placeholders
``own_text``        the author's own words (``text_clean`` before the first ``//@用户:``)
``chain_depth``     Int64, number of ``//@用户:`` links (0 = no repost chain)
``quoted_text``     the quoted chain's texts joined by `` // `` (user names removed)
``emotions``        list of ``[表情]`` names in the text
``pii_types``       list of placeholder types found (``PHONE``, ``ID``, ``EMAIL``, ``QQ``, ``WECHAT``,
                    ``PLATE``, ``CARD``)
``tokens``          list of jieba tokens of ``own_text`` (:mod:`textkit.tokenize`)
``dup_group``       Int64 duplicate group; ``is_canonical`` bool; ``dup_kind`` unique/exact/near/repost
                    (:mod:`textkit.dedup`)
==================  =========================================================================================

``topics`` and ``mentions`` left empty by the scraper are filled from the text. Redaction and pseudonyms
are the default; ``prepare(posts, redact=False)`` keeps everything as scraped (and says so in the report
and provenance). ``prepare_dir`` is the pipeline stage; ``textkit prepare DIR`` its command line.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time
import types
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from tqdm.auto import tqdm

from textkit import io as tkio
from textkit.clean import (
    DEFAULT_PIPELINE,
    EMOTION,
    TOPIC,
    extract_emotions,
    extract_lists_arrow,
    extract_mentions,
    extract_topics,
    repost_chains_arrow,
    text_array,
)
from textkit.clean import preload as preload_cleaning
from textkit.dedup import THRESHOLD as NEAR_THRESHOLD
from textkit.dedup import find_duplicates
from textkit.redact import (
    PLACEHOLDERS,
    pseudonym_key,
    pseudonymize,
    pseudonymize_mentions,
    redact_arrays,
    redact_arrow,
    redact_column,
)
from textkit.schema import STRING, STRING_LIST, conform
from textkit.tokenize import BACKENDS, Tokenizer, parallel_jobs

PREPARED_FILE = "prepared.parquet"
REPORT_FILE = "prepare_report.json"
ADDED_COLUMNS = ("text_clean", "own_text", "chain_depth", "quoted_text", "emotions", "pii_types", "tokens",
                 "dup_group", "is_canonical", "dup_kind")


def prepare(
    posts: pd.DataFrame,
    *,
    redact: bool = True,
    key: bytes | None = None,
    key_dir: str | os.PathLike | None = None,
    backend: str = "fast",
    tokenizer: Tokenizer | None = None,
    n_jobs: int | None = None,
    near_threshold: float = NEAR_THRESHOLD,
    near_min_chars: int | None = None,
    report: dict | None = None,
) -> pd.DataFrame:
    """Clean, redact, de-duplicate and tokenize a posts table (see the module docstring).

    Each distinct text is processed once; large inputs are split over ``n_jobs`` processes (default:
    all cores from 20,000 distinct texts on), and so is the near-duplicate search. ``key`` is the
    pseudonym key (default: :func:`textkit.redact.pseudonym_key` of ``key_dir``). When ``report`` is a
    dict it is filled with counts and per-step timings. ``tokenizer`` replaces the default one of
    ``backend`` (its dictionaries may still be loading on a thread: see :func:`start_preload`).
    """
    if "text" not in posts.columns:
        raise ValueError("prepare needs a `text` column (a posts.parquet table)")
    timings: dict[str, float] = {}
    steps = tqdm(total=3, desc="prepare", unit="step", disable=None)

    def step(name: str, started: float) -> None:
        timings[name] = round(time.perf_counter() - started, 3)
        steps.set_postfix_str(name)
        steps.update()

    started = time.perf_counter()
    if tokenizer is None:
        tokenizer = Tokenizer(backend=backend)
        if parallel_jobs(n_jobs, len(posts)) > 1:
            start_preload(tokenizer)
    df = posts.reset_index(drop=True)  # copy-on-write: the caller's frame is never changed
    del posts  # replaced columns are freed as soon as nobody else holds the input (prepare_dir holds none)
    text_missing = df["text"].isna().to_numpy()
    for column in ("topics", "mentions"):
        if column in df.columns and not isinstance(df[column].dtype, pd.ArrowDtype):
            df[column] = _as_string_lists(df[column], column)
    if redact:
        key = key if key is not None else pseudonym_key(key_dir)
    encoded = pc.dictionary_encode(text_array(pa.array(df["text"].array)))  # missing text → ""
    texts, rows = encoded.dictionary, encoded.indices
    codes = rows.to_numpy(zero_copy_only=False)
    table = _map_texts(texts, tokenizer=tokenizer, key=key if redact else None, n_jobs=n_jobs,
                       meanwhile=(lambda: _redact_other_columns(df, key)) if redact else None)
    per_text = np.bincount(codes, minlength=len(texts))
    counts = Counter({kind: int(np.dot(table.column(f"n_{kind}").to_numpy(), per_text))
                      for kind in PLACEHOLDERS})
    if redact:
        df["text"] = _string_series(pc.take(table.column("text"), pa.array(codes, mask=text_missing)))
        df = df.drop(columns=["raw"], errors="ignore")
    for column in ("text_clean", "own_text", "quoted_text"):
        df[column] = _string_series(pc.take(table.column(column), rows))
    df["chain_depth"] = pd.array(pc.take(table.column("chain_depth"), rows).to_numpy(), dtype="Int64")
    for column in ("emotions", "pii_types"):
        df[column] = pd.array(pc.take(table.column(column), rows), dtype=STRING_LIST)
    for column in ("topics", "mentions"):
        found = pc.take(table.column(column), rows)
        if column in df.columns:
            scraped = pa.array(df[column].array)
            empty = pc.fill_null(pc.equal(pc.list_value_length(scraped), 0), True)
            found = pc.if_else(empty, found, scraped.cast(found.type))
        df[column] = pd.array(found, dtype=STRING_LIST)
    tokens = pc.take(table.column("tokens"), rows)
    df["tokens"] = pd.array(tokens, dtype=STRING_LIST)
    # the cleaned text of each distinct text, copied out of the workers' mapped files so that they go now
    distinct_clean = pa.concat_arrays(table.column("text_clean").chunks)
    del table
    step("clean, redact, tokenize", started)

    started = time.perf_counter()
    dups = find_duplicates(df, threshold=near_threshold, near_min_chars=near_min_chars,
                           n_jobs=None if n_jobs is None else parallel_jobs(n_jobs, len(df)),
                           text_codes=(codes, distinct_clean))
    del distinct_clean
    for column in dups.columns:
        df[column] = dups[column].to_numpy() if column != "dup_group" else dups[column].array
    step("dedup", started)
    steps.close()
    df = df[[*[c for c in df.columns if c not in ADDED_COLUMNS], *ADDED_COLUMNS]]
    if report is not None:
        report.update(_report(df, counts, redact, tokens, timings))
    return df


def _redact_other_columns(df: pd.DataFrame, key: bytes) -> None:
    """Redact and pseudonymise everything but ``text`` (in place): quoted texts and titles, authors,
    post links and weibo-crawler file names of everything but news articles."""
    for column in ("parent_text", "title"):
        if column in df.columns:
            df[column] = redact_column(df[column], key)
    for column in ("author_id", "author_name"):
        if column in df.columns:
            df[column] = pseudonymize(df[column], key, prefix="u_" if column == "author_id" else "n_")
    not_article = (pc.not_equal(text_array(pa.array(df["kind"].array)), "article") if "kind" in df
                   else pa.repeat(pa.scalar(True), len(df)))
    if "url" in df.columns:  # post links name the account (weibo.com/<uid>/<bid>)
        df["url"] = _string_series(pc.if_else(not_article, pa.scalar(None, pa.large_string()),
                                              pa.array(df["url"].array).cast(pa.large_string())))
    if "source_file" in df.columns:  # weibo-crawler files are named after the account
        hidden = pa.array(pseudonymize(df["source_file"], key, prefix="f_").array).cast(pa.large_string())
        df["source_file"] = _string_series(pc.if_else(not_article, hidden,
                                                      pa.array(df["source_file"].array).cast(pa.large_string())))


def _string_series(array: pa.Array | pa.ChunkedArray) -> pd.Series:
    """A pyarrow string array as a pandas ``string`` column (no copy of the characters)."""
    return pd.Series(pd.array(array, dtype=STRING))


def _as_string_lists(values: pd.Series, column: str) -> pd.Series:
    """A list column read without Arrow types (``pd.read_parquet``, a CSV) as ``list<string>``."""
    def as_list(value) -> list[str]:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return []
        if isinstance(value, str):
            return [value] if value else []
        try:
            return [str(item) for item in value]
        except TypeError:
            raise ValueError(f"column {column!r}: expected lists of strings, got {value!r}") from None
    return pd.Series(pd.array([as_list(v) for v in values], dtype=STRING_LIST), index=values.index)


TEXT_COLUMNS = ("text", "text_clean", "own_text", "quoted_text")


def prepare_texts(texts: pa.Array, *, tokenizer: Tokenizer, key: bytes | None = None) -> pa.Table:
    """Everything ``prepare`` derives from a text alone, for an array of texts (one row per text).

    With a pseudonym ``key`` the texts are redacted: personal data → placeholders, ``@name`` → ``@n_…``.
    Columns: ``text`` (redacted with a key), ``text_clean`` (cleaned, redacted with a key), ``own_text``,
    ``chain_depth``, ``quoted_text``, ``emotions``, ``topics``, ``mentions``, ``pii_types``, ``tokens``
    (of ``own_text``), and ``n_<TYPE>``: how often each placeholder type was put in.
    """
    text_clean = DEFAULT_PIPELINE.apply_arrow(texts)
    if key is None:
        found = redact_arrow(text_clean)[1]
    else:  # one search serves both: a post and its cleaned text mostly search alike
        (redacted_clean, found, _), (redacted, _, _) = redact_arrays(text_clean, texts)
        text_clean = pseudonymize_mentions(redacted_clean, key)
        texts = pseudonymize_mentions(redacted, key)
    counts = _placeholder_counts(found)
    own, depth, quoted = repost_chains_arrow(text_clean)
    tokens = tokenizer.tokenize_batch(own)
    columns = {
        "text": texts, "text_clean": text_clean, "own_text": own, "chain_depth": depth, "quoted_text": quoted,
        "emotions": extract_lists_arrow(text_clean, extract_emotions, EMOTION),
        "topics": extract_lists_arrow(text_clean, extract_topics, TOPIC),
        "mentions": extract_lists_arrow(text_clean, extract_mentions, "@"),
        "pii_types": _present_types(counts), "tokens": tokens,
    }
    for i, kind in enumerate(PLACEHOLDERS):
        columns[f"n_{kind}"] = pa.array(counts[:, i])
    return pa.table(columns)


def _placeholder_counts(found: pa.ListArray) -> np.ndarray:
    """Texts × :data:`PLACEHOLDERS` matrix: how often each type was put into each text."""
    kinds = pc.index_in(found.flatten(), value_set=pa.array(PLACEHOLDERS)).to_numpy(zero_copy_only=False)
    rows = pc.list_parent_indices(found).to_numpy(zero_copy_only=False)
    cells = np.bincount(rows * len(PLACEHOLDERS) + kinds, minlength=len(found) * len(PLACEHOLDERS))
    return cells.reshape(len(found), len(PLACEHOLDERS)).astype(np.int64)


def _present_types(counts: np.ndarray) -> pa.Array:
    """``pii_types``: the distinct placeholder types of each text, sorted by name."""
    by_name = np.argsort(PLACEHOLDERS)
    present = counts[:, by_name] > 0
    names = pa.array(np.asarray(PLACEHOLDERS)[by_name].tolist(), type=pa.string())
    offsets = np.concatenate(([0], np.cumsum(present.sum(axis=1)))).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), names.take(pa.array(np.nonzero(present)[1])))


def start_preload(tokenizer: Tokenizer) -> None:
    """Load ``tokenizer``'s dictionaries and compile the cleaning patterns on a thread, while the caller
    reads and encodes its input; the texts are worked on (and workers forked) only once this is done."""
    def load() -> None:
        with contextlib.suppress(Exception):  # _map_texts loads again in the main thread and raises there
            _preload(tokenizer)

    threading.Thread(target=load, name="textkit-preload", daemon=True).start()


_PRELOAD_LOCK = threading.Lock()


def _preload(tokenizer: Tokenizer) -> None:
    with _PRELOAD_LOCK:  # a second caller waits for the first one's work instead of repeating it
        tokenizer.preload()
        preload_cleaning()


def _map_texts(texts: pa.Array, *, tokenizer: Tokenizer, key: bytes | None, n_jobs: int | None,
               meanwhile: Callable[[], None] | None = None) -> pa.Table:
    """:func:`prepare_texts` over ``jobs`` forked processes; ``meanwhile`` runs here while they work.

    The workers inherit ``texts`` and get only the bounds of their piece (pickling an Arrow slice
    would send its whole buffer); each piece comes back as an Arrow IPC file in a temporary folder
    (in memory, ``/dev/shm``, when it has room), memory-mapped here: no copy through a pipe (pickled
    bytes only when the folder fills up). Pieces are small (8 per process) so that no process idles
    long at the end.
    """
    _preload(tokenizer)  # waits for a preload thread rather than loading the same dictionaries beside it
    jobs = parallel_jobs(n_jobs, len(texts))
    if jobs == 1:
        if meanwhile is not None:
            meanwhile()
        return prepare_texts(texts, tokenizer=tokenizer, key=key)
    size = -(-len(texts) // (jobs * 8))
    bounds = [(start, min(size, len(texts) - start)) for start in range(0, len(texts), size)]
    folder = tempfile.mkdtemp(prefix="textkit-prepare-", dir=_scratch_dir(texts.nbytes * 5))
    global _WORKER_OPTIONS
    _WORKER_OPTIONS = {"texts": texts, "tokenizer": tokenizer, "key": key, "folder": folder}
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            pieces = pool.imap(_prepare_piece, bounds)
            if meanwhile is not None:
                meanwhile()
            tables = [_piece_table(piece) for piece in tqdm(pieces, total=len(bounds), desc="texts",
                                                            unit="chunk", disable=None, leave=False)]
    finally:
        _WORKER_OPTIONS = None
        shutil.rmtree(folder, ignore_errors=True)  # the mappings keep the data until the tables go
    return pa.concat_tables(tables)


def _scratch_dir(needed: int) -> str | None:
    """``/dev/shm`` when it exists and has room for ``needed`` bytes twice over, else the default."""
    try:
        stats = os.statvfs("/dev/shm")
    except OSError:
        return None
    return "/dev/shm" if stats.f_bavail * stats.f_frsize > 2 * needed else None


_WORKER_OPTIONS: dict | None = None


def _prepare_piece(bounds: tuple[int, int]) -> str | bytes:
    """One piece's table as an Arrow IPC file in the scratch folder (its path), or as IPC bytes to be
    pickled when the folder has no room left."""
    assert _WORKER_OPTIONS is not None
    options = dict(_WORKER_OPTIONS)
    folder = options.pop("folder")
    table = prepare_texts(options.pop("texts").slice(*bounds), **options)
    path = os.path.join(folder, f"{bounds[0]}.arrow")
    try:
        with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        return path
    except OSError:  # e.g. a small /dev/shm filled up meanwhile
        with contextlib.suppress(OSError):
            os.unlink(path)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        return sink.getvalue().to_pybytes()


def _piece_table(piece: str | bytes) -> pa.Table:
    source = pa.memory_map(piece) if isinstance(piece, str) else pa.py_buffer(piece)
    return pa.ipc.open_file(source).read_all()


def _report(df: pd.DataFrame, counts: Counter, redacted: bool, tokens, timings: dict) -> dict:
    kinds = df["dup_kind"].value_counts()
    return {
        "posts": len(df),
        "redacted": redacted,
        "redactions": {kind: int(counts.get(kind, 0)) for kind in PLACEHOLDERS},
        "posts_with_pii": int((df["pii_types"].list.len() > 0).sum()) if len(df) else 0,
        "dup_kinds": {kind: int(kinds.get(kind, 0)) for kind in ("unique", "exact", "near", "repost")},
        "dup_groups": int(df["dup_group"].nunique()),
        "dup_groups_with_copies": int((df.groupby("dup_group").size() > 1).sum()) if len(df) else 0,
        "canonical": int(df["is_canonical"].sum()),
        "reposts_with_chain": int((df["chain_depth"] > 0).sum()),
        "tokens": int(pc.sum(pc.list_value_length(tokens)).as_py() or 0) if len(df) else 0,
        "seconds": timings,
    }


def write_prepared(path: str | os.PathLike, prepared: pd.DataFrame) -> Path:
    """Write ``prepared.parquet`` atomically (list columns as Parquet ``list<string>``)."""
    table = pa.Table.from_pandas(prepared, preserve_index=False)
    table = table.replace_schema_metadata(None)  # plain Arrow types: pandas and pyarrow both read it back
    return tkio.write_parquet_table(path, table)


def load_prepared(analysis_dir: str | os.PathLike, columns: list[str] | None = None) -> pd.DataFrame:
    """``prepared.parquet`` of an analysis folder with pandas dtypes (strings, Int64, list columns)."""
    table = tkio.read_parquet_table(Path(analysis_dir) / PREPARED_FILE, columns=columns)
    return table.to_pandas(types_mapper=_types_mapper)


def _types_mapper(arrow_type: pa.DataType):
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return STRING
    if pa.types.is_list(arrow_type):
        return pd.ArrowDtype(arrow_type)
    if pa.types.is_integer(arrow_type):
        return pd.Int64Dtype()
    if pa.types.is_boolean(arrow_type):
        return pd.BooleanDtype()
    return None


def _read_posts(path: Path, columns: list[str] | None) -> pd.DataFrame:
    """posts.parquet as a conformed frame; in ``textkit run`` the table written behind by ingest is let
    go at once, so that its ``raw`` column is freed as soon as the file is on disk."""
    table = tkio.read_parquet_table(path, columns)
    tkio.release(path, wait=False)
    # list columns stay Arrow lists (numpy would make an array object per row and conform undo it)
    return conform(table.to_pandas(types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_list(t) else None))


def prepare_dir(analysis_dir: str | os.PathLike, *, redact: bool = True, backend: str = "fast",
                n_jobs: int | None = None, near_threshold: float = NEAR_THRESHOLD,
                near_min_chars: int | None = None) -> dict:
    """Stage ``prepare``: posts.parquet → prepared.parquet + prepare_report.json; returns the report.

    The pseudonym key is ``$TEXTKIT_PSEUDONYM_KEY`` or ``.textkit-key`` in the analysis folder's parent.
    The report file holds counts only (same input → same bytes); the returned dict adds step timings.
    """
    folder = Path(analysis_dir)
    posts_path = folder / "posts.parquet"
    if not tkio.artefact_exists(posts_path):
        raise FileNotFoundError(f"{posts_path} not found: run `textkit ingest … --out {folder}` first")
    report: dict = {}
    tokenizer = Tokenizer(backend=backend)
    if parallel_jobs(n_jobs, tkio.parquet_row_count(posts_path)) > 1:
        start_preload(tokenizer)  # while the posts are read
    columns = None if not redact else [c for c in tkio.parquet_column_names(posts_path) if c != "raw"]
    prepared = prepare(_read_posts(posts_path, columns), redact=redact, key_dir=folder.resolve().parent,
                       tokenizer=tokenizer, n_jobs=n_jobs, near_threshold=near_threshold,
                       near_min_chars=near_min_chars, report=report)
    write_prepared(folder / PREPARED_FILE, prepared)
    stable = {k: v for k, v in report.items() if k != "seconds"}
    tkio.write_json(folder / REPORT_FILE, stable)
    tkio.record_stage(folder, "prepare", {
        "parameters": {"redact": redact, "backend": backend, "tokenizer_engine": tokenizer.engine,
                       "near_threshold": near_threshold, "near_min_chars": near_min_chars},
        "input": {"path": "posts.parquet", "sha256": tkio.sha256_file(posts_path)},
        "redacted": redact,
        "summary": {k: stable[k] for k in ("posts", "redactions", "dup_kinds", "canonical")},
    })
    return report


def register(subparsers) -> argparse.ArgumentParser:
    """The ``textkit prepare`` subcommand."""
    parser = subparsers.add_parser(
        "prepare", help="clean, redact, de-duplicate and tokenize DIR/posts.parquet",
        description="Read DIR/posts.parquet and write DIR/prepared.parquet and DIR/prepare_report.json. "
        "Personal data is redacted and authors pseudonymised unless --no-redact is given.",
    )
    parser.add_argument("dir", help="analysis folder with posts.parquet")
    parser.add_argument("--no-redact", action="store_true",
                        help="keep personal data and real author ids (recorded in the report and provenance)")
    parser.add_argument("--backend", choices=BACKENDS, default="fast", help="tokenizer backend")
    parser.add_argument("--jobs", type=int,
                        help="worker processes for the text work and de-duplication (default: all cores for "
                        "large inputs; negative: all cores but that many less one)")
    parser.add_argument("--near-threshold", type=float, default=NEAR_THRESHOLD,
                        help=f"character 3-gram Jaccard for near-duplicates (default {NEAR_THRESHOLD})")
    parser.add_argument("--near-min-chars", type=int, default=None,
                        help="shortest normalised text searched for near-duplicates (default: the shortest "
                        "that can reach the threshold, 6 characters at 0.8)")
    parser.set_defaults(func=_main)
    return parser


def _main(args: argparse.Namespace) -> int:
    report = prepare_dir(args.dir, redact=not args.no_redact, backend=args.backend, n_jobs=args.jobs,
                         near_threshold=args.near_threshold, near_min_chars=args.near_min_chars)
    print(f"{report['posts']} posts prepared in {sum(report['seconds'].values()):.1f} s "
          f"({'redacted' if report['redacted'] else 'NOT redacted'})")
    print("redactions: " + ", ".join(f"{k} {v}" for k, v in report["redactions"].items()))
    print("duplicates: " + ", ".join(f"{k} {v}" for k, v in report["dup_kinds"].items()))
    print(f"wrote {Path(args.dir) / PREPARED_FILE} and {Path(args.dir) / REPORT_FILE}")
    return 0


class _CallableModule(types.ModuleType):
    """``textkit.prepare`` is both this module and the :func:`prepare` function: importing the module
    (the CLI and the pipeline do) rebinds the package attribute to it, and ``textkit.prepare(df)``
    must still work."""

    def __call__(self, posts: pd.DataFrame, **options) -> pd.DataFrame:
        return prepare(posts, **options)


sys.modules[__name__].__class__ = _CallableModule
