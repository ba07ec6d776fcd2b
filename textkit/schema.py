"""The posts table: one row per post, comment, repost or article, whatever tool scraped it.

This module owns the schema. Every reader in :mod:`textkit.ingest` returns exactly these columns, in
this order and with these dtypes (:func:`conform` enforces it); later stages add columns and never
rename these. The README's schema table is generated from :data:`POST_COLUMNS`
(``python -m textkit.schema``) and a test keeps the two in step.

Conventions:

* ids are strings (16-digit Weibo mids overflow float64 and lose digits in Excel);
* ``created_at`` is tz-aware China time (Asia/Shanghai, UTC+8) whatever form the scraper wrote;
* counts are nullable ``Int64``: missing (``无``, empty) is ``<NA>``, never 0;
* ``raw`` keeps the original record as a JSON string, so nothing a scraper wrote is ever lost.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

CHINA_TZ = "Asia/Shanghai"

STRING = pd.StringDtype("pyarrow")
INT = pd.Int64Dtype()
BOOL = pd.BooleanDtype()
TIMESTAMP = pd.DatetimeTZDtype("ns", CHINA_TZ)
STRING_LIST = pd.ArrowDtype(pa.list_(pa.string()))

KINDS = ("post", "comment", "repost", "article")
PLATFORMS = ("weibo", "xhs", "douyin", "bilibili", "news", "other")
TIME_PRECISIONS = ("second", "minute", "day")


@dataclass(frozen=True)
class Column:
    """One column of the posts table."""

    name: str
    dtype: object
    description: str

    @property
    def dtype_name(self) -> str:
        return {
            id(STRING): "string",
            id(INT): "Int64",
            id(BOOL): "boolean",
            id(TIMESTAMP): "datetime (Asia/Shanghai)",
            id(STRING_LIST): "list of string",
        }[id(self.dtype)]


POST_COLUMNS: tuple[Column, ...] = (
    Column("post_id", STRING, "The platform's id of the record (Weibo mid, note id, comment id, article id). "
           "A mangled id (Excel `4.72E+15`) becomes a stable surrogate `sur:<hash>`."),
    Column("platform", STRING, "weibo, xhs, douyin, bilibili, news or other."),
    Column("source_format", STRING, "The reader that parsed the record, e.g. `weibo-search-csv`."),
    Column("source_file", STRING, "Path of the file the record came from, as given to ingest."),
    Column("source_record", INT, "1-based record number inside that file (CSV row after the header, "
           "JSON array item, JSONL line, table row)."),
    Column("kind", STRING, "post, comment, repost or article."),
    Column("author_id", STRING, "The author's platform id (or creator hash); pseudonymised by `prepare`."),
    Column("author_name", STRING, "The author's nickname as scraped; pseudonymised by `prepare`."),
    Column("created_at", TIMESTAMP, "Publication time in China time. Relative and yearless forms "
           "(`3小时前`, `12月20日 09:15`) are resolved against the crawl time."),
    Column("time_precision", STRING, "second, minute or day: how precise the scraper's time was "
           "(weibo-crawler before 2023 wrote dates only)."),
    Column("text", STRING, "The text as scraped (the author's words plus any repost chain)."),
    Column("likes", INT, "Like count; a `10万+`-style value keeps its lower bound."),
    Column("comments", INT, "Comment count."),
    Column("reposts", INT, "Repost / share count."),
    Column("counts_lower_bound", BOOL, "True when any count was written as a lower bound "
           "(`100万+`, or weibo-crawler's capped 1000000)."),
    Column("is_repost", BOOL, "True when the record reposts another post."),
    Column("parent_post_id", STRING, "The reposted post (for reposts) or the commented post (for comments)."),
    Column("parent_text", STRING, "Text of the reposted post when the scraper saved it."),
    Column("topics", STRING_LIST, "#话题# topics, without the # marks."),
    Column("mentions", STRING_LIST, "@mentioned users, without the @."),
    Column("location", STRING, "Place tagged in the post (发布位置 / geo)."),
    Column("ip_location", STRING, "IP region shown by the platform (IP属地), e.g. 陕西."),
    Column("url", STRING, "Link to the record when known."),
    Column("title", STRING, "Headline (articles, Xiaohongshu notes, videos)."),
    Column("outlet", STRING, "Publishing outlet (articles)."),
    Column("language", STRING, "ISO 639-1 language code when known or detected (zh, en)."),
    Column("raw", STRING, "The original record as a JSON object string: nothing the scraper wrote is lost."),
)

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in POST_COLUMNS)
DTYPES: dict[str, object] = {c.name: c.dtype for c in POST_COLUMNS}


def empty_posts() -> pd.DataFrame:
    """An empty posts table with the right columns and dtypes."""
    return pd.DataFrame({c.name: pd.Series([], dtype=c.dtype) for c in POST_COLUMNS})


def conform(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with exactly the schema's columns, in order and with the schema's dtypes.

    Missing columns are added as all-missing; extra columns are an error (they belong in ``raw``).
    """
    extra = [c for c in df.columns if c not in DTYPES]
    if extra:
        raise ValueError(f"columns not in the posts schema (put them in `raw`): {extra}")
    out = {}
    n = len(df)
    for col in POST_COLUMNS:
        if col.name in df.columns:
            series = df[col.name]
            if series.dtype != col.dtype:
                series = _cast(series, col)
        else:
            series = pd.Series(_missing(col, n), dtype=col.dtype, index=df.index)
        out[col.name] = series
    return pd.DataFrame(out, index=df.index)


def _missing(col: Column, n: int) -> list:
    if col.dtype is BOOL:
        return [False] * n
    return [None] * n


def _cast(series: pd.Series, col: Column) -> pd.Series:
    if col.dtype is TIMESTAMP:
        if getattr(series.dtype, "tz", None) is None:
            series = pd.to_datetime(series)
            series = series.dt.tz_localize(CHINA_TZ) if series.dt.tz is None else series
        return series.dt.tz_convert(CHINA_TZ).astype(TIMESTAMP)
    if col.dtype is BOOL:
        return series.astype(BOOL).fillna(False)
    return series.astype(col.dtype)


def markdown_table() -> str:
    """The schema as a Markdown table (for the README)."""
    lines = ["| column | type | meaning |", "|---|---|---|"]
    lines += [f"| `{c.name}` | {c.dtype_name} | {c.description} |" for c in POST_COLUMNS]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
