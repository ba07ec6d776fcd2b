"""Stage ``prepare``: clean, redact, de-duplicate and tokenize posts → ``prepared.parquet``.

``prepare(posts)`` returns the posts table (:mod:`textkit.schema`) with ``text`` (and ``parent_text``,
``title``) redacted, ``author_id``/``author_name`` pseudonymised and ``raw`` dropped, plus:

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
import os
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from textkit import io as tkio
from textkit.clean import (
    EMOTION,
    TOPIC,
    clean_series,
    extract_emotions,
    extract_lists,
    extract_mentions,
    extract_topics,
    repost_chains,
)
from textkit.dedup import find_duplicates
from textkit.redact import PLACEHOLDERS, pseudonym_key, pseudonymize, redact_series
from textkit.schema import STRING, STRING_LIST
from textkit.tokenize import Tokenizer

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
    n_jobs: int | None = None,
    near_threshold: float = 0.75,
    near_min_chars: int = 50,
    report: dict | None = None,
) -> pd.DataFrame:
    """Clean, redact, de-duplicate and tokenize a posts table (see the module docstring).

    ``key`` is the pseudonym key (default: :func:`textkit.redact.pseudonym_key` of ``key_dir``).
    When ``report`` is a dict it is filled with counts and per-step timings.
    """
    if "text" not in posts.columns:
        raise ValueError("prepare needs a `text` column (a posts.parquet table)")
    timings: dict[str, float] = {}
    steps = tqdm(total=5, desc="prepare", unit="step", disable=None)

    def step(name: str, started: float) -> None:
        timings[name] = round(time.perf_counter() - started, 3)
        steps.set_postfix_str(name)
        steps.update()

    df = posts.reset_index(drop=True).copy()
    started = time.perf_counter()
    text_clean = clean_series(df["text"])
    step("clean", started)

    started = time.perf_counter()
    redacted_clean, pii_types, counts = redact_series(text_clean)
    if redact:
        text_clean = redacted_clean
        for column in ("text", "parent_text", "title"):
            if column in df.columns:
                df[column] = redact_series(df[column])[0].where(df[column].notna(), None).astype(STRING)
        key = key if key is not None else pseudonym_key(key_dir)
        for column in ("author_id", "author_name"):
            if column in df.columns:
                df[column] = pseudonymize(df[column], key, prefix="u_" if column == "author_id" else "n_")
        df = df.drop(columns=["raw"], errors="ignore")
    step("redact", started)

    started = time.perf_counter()
    df["text_clean"] = text_clean
    chains = repost_chains(text_clean)
    for column in chains.columns:
        df[column] = chains[column]
    df["emotions"] = extract_lists(text_clean, extract_emotions, EMOTION)
    df["pii_types"] = pii_types
    for column, extractor, screen in (("topics", extract_topics, TOPIC), ("mentions", extract_mentions, "@")):
        found = extract_lists(text_clean, extractor, screen)
        if column in df.columns:
            empty = df[column].isna() | (df[column].list.len() == 0 if len(df) else df[column].isna())
            df[column] = found.where(empty.to_numpy(), df[column]).astype(STRING_LIST)
        else:
            df[column] = found
    step("extract", started)

    started = time.perf_counter()
    dups = find_duplicates(df, threshold=near_threshold, near_min_chars=near_min_chars)
    step("dedup", started)

    started = time.perf_counter()
    codes, uniques = pd.factorize(df["own_text"].fillna(""))
    tokenizer = Tokenizer(backend=backend)
    unique_tokens = tokenizer.tokenize_arrow(list(uniques), n_jobs=n_jobs)
    tokens = pc.take(unique_tokens, pa.array(codes))
    df["tokens"] = pd.Series(pd.array(tokens, dtype=STRING_LIST))
    step("tokenize", started)
    steps.close()
    for column in dups.columns:
        df[column] = dups[column].to_numpy() if column != "dup_group" else dups[column].array
    if report is not None:
        report.update(_report(df, counts, redact, tokens, timings))
    return df


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
    with tkio.atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    return Path(path)


def load_prepared(analysis_dir: str | os.PathLike, columns: list[str] | None = None) -> pd.DataFrame:
    """``prepared.parquet`` of an analysis folder with pandas dtypes (strings, Int64, list columns)."""
    table = pq.read_table(Path(analysis_dir) / PREPARED_FILE, columns=columns)
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


def prepare_dir(analysis_dir: str | os.PathLike, *, redact: bool = True, backend: str = "fast",
                n_jobs: int | None = None, near_threshold: float = 0.75, near_min_chars: int = 50) -> dict:
    """Stage ``prepare``: posts.parquet → prepared.parquet + prepare_report.json; returns the report.

    The pseudonym key is ``$TEXTKIT_PSEUDONYM_KEY`` or ``.textkit-key`` in the analysis folder's parent.
    The report file holds counts only (same input → same bytes); the returned dict adds step timings.
    """
    from textkit.ingest import load_posts

    folder = Path(analysis_dir)
    posts_path = folder / "posts.parquet"
    if not posts_path.exists():
        raise FileNotFoundError(f"{posts_path} not found: run `textkit ingest … --out {folder}` first")
    report: dict = {}
    prepared = prepare(load_posts(folder), redact=redact, key_dir=folder.resolve().parent, backend=backend,
                       n_jobs=n_jobs, near_threshold=near_threshold, near_min_chars=near_min_chars,
                       report=report)
    write_prepared(folder / PREPARED_FILE, prepared)
    stable = {k: v for k, v in report.items() if k != "seconds"}
    tkio.write_json(folder / REPORT_FILE, stable)
    tkio.record_stage(folder, "prepare", {
        "parameters": {"redact": redact, "backend": backend, "near_threshold": near_threshold,
                       "near_min_chars": near_min_chars},
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
    parser.add_argument("--backend", choices=("fast", "jieba"), default="fast", help="tokenizer backend")
    parser.add_argument("--jobs", type=int, help="tokenizer processes (default: all cores for large inputs)")
    parser.add_argument("--near-threshold", type=float, default=0.75,
                        help="character 3-gram Jaccard similarity for near-duplicates (default 0.75)")
    parser.add_argument("--near-min-chars", type=int, default=50,
                        help="shortest normalised text searched for near-duplicates (default 50)")
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
