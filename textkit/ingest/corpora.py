"""Readers for public research corpora of Weibo posts that are not raw scraper output.

Known column layouts, detected from the header like every other format:

* ``guangzhou-2022-csv`` — the Guangzhou 2022 outbreak corpus (``User_ID`` = nickname, ``text``,
  ``Forwarding_amount``, ``Comment_amount``, ``Likes``, ``created_at`` as yearless ``MM月DD日 HH:MM``,
  ``Keywords`` = ``二级评论`` for comments). Yearless times need a crawl time (``--crawl-time``).
* ``ncov-weibo-csv`` — the DataFountain 2020 epidemic-emotion corpus (``微博id`` with a trailing
  space, ``微博发布时间`` yearless, ``发布人账号``, ``微博中文内容``); a derived copy's ``datetime``
  column (with the year) is used when present.
* ``hashtag-daily-csv`` — COVID-19 hashtag posts, one file per day (``userid,text``); the date is only
  in the file name (``2020-01-21.csv``), so times have day precision.

These corpora carry no post ids (or ids that may repeat); posts without an id get surrogate ids.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from textkit.ingest.base import Reader, ReadResult, SourceFile, register_reader
from textkit.ingest.common import (
    as_string,
    clean_ids,
    counts_block,
    drop_rejected,
    mentions_from_text,
    parse_time_column,
    topics_from_text,
)
from textkit.ingest.tables import header_of, read_csv_table
from textkit.schema import BOOL, INT, STRING

_FILE_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def _posts(source: SourceFile, table, *, ids, author_id, author_name, text, time_values, kind, counts,
           column: str) -> ReadResult:
    df = table.frame
    times, precision, bad, rejections = parse_time_column(time_values, source.crawl_time, table.record,
                                                          table.raw, column)
    text = as_string(text)
    posts = pd.DataFrame({
        "post_id": clean_ids(ids) if ids is not None else pd.Series(None, index=df.index, dtype=STRING),
        "source_record": pd.Series(table.record, index=df.index, dtype=INT),
        "kind": kind,
        "author_id": clean_ids(author_id) if author_id is not None else None,
        "author_name": as_string(author_name) if author_name is not None else None,
        "created_at": times,
        "time_precision": precision,
        "text": text,
        **counts,
        "is_repost": pd.Series(False, index=df.index, dtype=BOOL),
        "topics": topics_from_text(text),
        "mentions": mentions_from_text(text),
        "raw": table.raw.set_axis(df.index),
    })
    return ReadResult(drop_rejected(posts, bad), table.records, table.rejected + rejections, table.warnings)


@register_reader
class Guangzhou2022Csv(Reader):
    """Guangzhou 2022 outbreak posts and second-level comments (yearless minute times)."""

    name = "guangzhou-2022-csv"
    platform = "weibo"
    REQUIRED = ("User_ID", "text", "Forwarding_amount", "Comment_amount", "Likes", "created_at", "Keywords")

    def sniff(self, source: SourceFile) -> float:
        header = set(header_of(source)) if source.kind == "text" else set()
        return 0.9 if all(c in header for c in self.REQUIRED) else 0.0

    def read(self, source: SourceFile) -> ReadResult:
        table = read_csv_table(source)
        df = table.frame
        kind = pd.Series(np.where(df["Keywords"].str.strip() == "二级评论", "comment", "post"),
                         index=df.index, dtype=STRING)
        counts = counts_block(df, {"likes": "Likes", "comments": "Comment_amount",
                                   "reposts": "Forwarding_amount"})
        return _posts(source, table, ids=None, author_id=None, author_name=df["User_ID"], text=df["text"],
                      time_values=df["created_at"], kind=kind, counts=counts, column="created_at")


@register_reader
class NcovWeiboCsv(Reader):
    """DataFountain 2020 epidemic-emotion posts (GB18030 original or its UTF-8 copy)."""

    name = "ncov-weibo-csv"
    platform = "weibo"
    REQUIRED = ("微博发布时间", "发布人账号", "微博中文内容")

    def sniff(self, source: SourceFile) -> float:
        header = set(header_of(source)) if source.kind == "text" else set()
        has_id = "微博id" in header or "weibo_id" in header
        return 0.9 if has_id and all(c in header for c in self.REQUIRED) else 0.0

    def read(self, source: SourceFile) -> ReadResult:
        table = read_csv_table(source)
        df = table.frame
        ids = df["weibo_id"] if "weibo_id" in df.columns else df["微博id"]
        time_column = "datetime" if "datetime" in df.columns else "微博发布时间"
        return _posts(source, table, ids=ids, author_id=None, author_name=df["发布人账号"],
                      text=df["微博中文内容"], time_values=df[time_column], kind="post", counts={},
                      column=time_column)


@register_reader
class HashtagDailyCsv(Reader):
    """COVID-19 hashtag posts, one file per day (``userid,text``; the date is the file name)."""

    name = "hashtag-daily-csv"
    platform = "weibo"

    def sniff(self, source: SourceFile) -> float:
        return 0.7 if source.kind == "text" and header_of(source) == ["userid", "text"] else 0.0

    def read(self, source: SourceFile) -> ReadResult:
        table = read_csv_table(source)
        df = table.frame
        match = _FILE_DATE.search(source.path.name)
        day = f"{match.group(1)}-{int(match.group(2)):02d}-{int(match.group(3)):02d}" if match else ""
        result = _posts(source, table, ids=None, author_id=df["userid"], author_name=None, text=df["text"],
                        time_values=pd.Series(day, index=df.index, dtype=STRING), kind="post", counts={},
                        column="date from file name")
        if not match:
            result.warnings.append("no YYYY-MM-DD date in the file name: posts have no time")
        return result
