"""A generic reader for CSV, JSON, JSON Lines and Excel files, driven by a column mapping.

For any tabular export no dedicated reader knows, say which source column holds which posts column::

    reader = GenericReader(mapping={"post_id": "微博id", "created_at": "微博发布时间",
                                    "author_name": "发布人账号", "text": "微博中文内容"},
                           platform="weibo", kind="post", crawl_time="2020-02-20 23:59")
    result = reader.read(open_source("posts.csv"))

or keep the mapping in a JSON file (:meth:`ColumnMapping.from_json`)::

    {"name": "my-corpus", "platform": "weibo", "kind": "post", "crawl_time": "2020-02-20 23:59",
     "columns": {"post_id": "微博id", "created_at": "微博发布时间", "text": "微博中文内容"},
     "optional": [], "kind_column": null, "kind_values": {}, "date_from_file_name": false}

Mappable posts columns: :data:`MAPPABLE`. ``kind_column``/``kind_values`` set ``kind`` per record
(``{"二级评论": "comment"}``); ``date_from_file_name`` takes the date from a ``YYYY-MM-DD`` in the
file name (day precision) for corpora with no per-post time; ``crawl_time`` resolves yearless and
relative times when the file has no crawl time of its own (``--crawl-time`` wins). Every source
column, mapped or not, stays in ``raw``. A record whose time cannot be parsed is rejected with the
reason; a mapped column missing from the file fails the file with the names of the missing columns.

Built-in mappings, detected from the header: :class:`ZhengwuMessagesReader` (citizen messages to a
government message board: 留言编号, 留言用户, 留言主题, 留言时间, 留言详情, 点赞数) and
:class:`BazhuayuWeiboReader` (Bazhuayu/Octoparse Weibo exports as 4CAT imports them: ``from1`` time,
``标题`` author, ``txt`` text).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from textkit.ingest.base import READERS, Reader, ReadResult, SourceFile, register_reader
from textkit.ingest.common import (
    as_string,
    clean_ids,
    counts_block,
    drop_rejected,
    mentions_from_text,
    parse_time_column,
    split_list,
    topics_from_text,
    true_values,
)
from textkit.ingest.records import is_json_text, json_records, xlsx_headers, xlsx_records
from textkit.ingest.tables import header_of, read_csv_table
from textkit.schema import INT, KINDS, PLATFORMS, STRING, TIMESTAMP
from textkit.timeparse import china_time

MAPPABLE = ("post_id", "author_id", "author_name", "created_at", "text", "title", "likes", "comments",
            "reposts", "is_repost", "parent_post_id", "parent_text", "topics", "mentions", "location",
            "ip_location", "url", "outlet", "language")
_COUNTS = ("likes", "comments", "reposts")
_FILE_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


@dataclass(frozen=True)
class ColumnMapping:
    """Which source column holds which posts column, plus how to fill what no column holds."""

    columns: dict[str, str]
    platform: str = "other"
    kind: str = "post"
    optional: tuple[str, ...] = ()
    kind_column: str | None = None
    kind_values: dict[str, str] = field(default_factory=dict)
    crawl_time: str | None = None
    date_from_file_name: bool = False
    list_separator: str = ","
    name: str = "generic"

    def __post_init__(self) -> None:
        unknown = sorted(set(self.columns) - set(MAPPABLE))
        if unknown:
            raise ValueError(f"mapping names columns the posts table has no place for: {unknown}; "
                             f"mappable: {', '.join(MAPPABLE)}")
        if self.platform not in PLATFORMS:
            raise ValueError(f"platform {self.platform!r} is not one of {PLATFORMS}")
        bad_kinds = sorted({self.kind, *self.kind_values.values()} - set(KINDS))
        if bad_kinds:
            raise ValueError(f"kinds {bad_kinds} are not among {KINDS}")
        if "created_at" not in self.columns and not self.date_from_file_name:
            raise ValueError("mapping needs a created_at column or date_from_file_name=true")
        if "text" not in self.columns:
            raise ValueError("mapping needs a text column")

    @classmethod
    def from_dict(cls, spec: dict[str, Any]) -> ColumnMapping:
        """A mapping from a plain dict (the JSON file's content)."""
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(spec) - known)
        if unknown:
            raise ValueError(f"unknown mapping keys {unknown}; known: {sorted(known)}")
        spec = dict(spec)
        spec["optional"] = tuple(spec.get("optional", ()))
        return cls(**spec)

    @classmethod
    def from_json(cls, path: str | os.PathLike) -> ColumnMapping:
        """A mapping read from a JSON file."""
        try:
            spec = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not valid JSON ({error.msg}, line {error.lineno})") from None
        if not isinstance(spec, dict):
            raise ValueError(f"{path}: a mapping file holds one JSON object")
        return cls.from_dict(spec)

    def source_columns(self, required_only: bool = False) -> set[str]:
        """Source columns the mapping reads."""
        names = {column for target, column in self.columns.items()
                 if not (required_only and target in self.optional)}
        if self.kind_column:
            names.add(self.kind_column)
        return names


class GenericReader(Reader):
    """Read any CSV/JSON/JSONL/XLSX file through a :class:`ColumnMapping`."""

    name: ClassVar[str] = "generic"
    platform: ClassVar[str] = "other"
    default_mapping: ClassVar[ColumnMapping | None] = None

    def __init__(self, mapping: ColumnMapping | dict[str, str] | str | os.PathLike | None = None,
                 platform: str | None = None, kind: str | None = None, **options: Any) -> None:
        if mapping is None:
            mapping = self.default_mapping
        elif isinstance(mapping, (str, os.PathLike)):
            mapping = ColumnMapping.from_json(mapping)
        elif isinstance(mapping, dict):
            mapping = ColumnMapping(columns=dict(mapping), platform=platform or "other",
                                    kind=kind or "post", **options)
        if mapping is not None and isinstance(mapping, ColumnMapping) and (platform or kind):
            spec = {**mapping.__dict__, "platform": platform or mapping.platform,
                    "kind": kind or mapping.kind}
            mapping = ColumnMapping(**spec)
        self.mapping = mapping
        if type(self) is GenericReader and mapping is not None:
            self.name = mapping.name

    # -- detection ---------------------------------------------------------------------------------

    def sniff(self, source: SourceFile) -> float:
        if self.mapping is None:
            return 0.0
        header = set(_header(source))
        return 0.9 if header and self.mapping.source_columns(required_only=True) <= header else 0.0

    # -- reading -----------------------------------------------------------------------------------

    def read(self, source: SourceFile) -> ReadResult:
        if self.mapping is None:
            raise ValueError("the generic reader needs a column mapping (GenericReader(mapping=...))")
        mapping = self.mapping
        frame, records, raw, rejected, warnings = _table(source)
        missing = sorted(mapping.source_columns(required_only=True) - set(frame.columns))
        if missing:
            raise ValueError(f"mapped column(s) not in the file: {missing}; the file has "
                             f"{list(frame.columns)[:20]}")
        n = len(frame)
        index = frame.index

        def column(target: str) -> pd.Series | None:
            name = mapping.columns.get(target)
            return frame[name] if name is not None and name in frame.columns else None

        if mapping.date_from_file_name and "created_at" not in mapping.columns:
            match = _FILE_DATE.search(source.path.name)
            if match is None:
                raise ValueError(f"no YYYY-MM-DD date in the file name {source.path.name!r}")
            day = pd.Timestamp(f"{match[1]}-{match[2]}-{match[3]}", tz="Asia/Shanghai")
            times = pd.Series(day, index=index, dtype=TIMESTAMP)
            precision = pd.Series("day", index=index, dtype=STRING)
            bad = np.zeros(n, dtype=bool)
            time_rejections = []
        else:
            crawl = source.crawl_time
            if crawl is None and mapping.crawl_time is not None:
                crawl = china_time(mapping.crawl_time)
            times, precision, bad, time_rejections = parse_time_column(
                column("created_at"), crawl, records, raw, mapping.columns["created_at"])
        text = as_string(column("text")).set_axis(index)
        out: dict[str, pd.Series] = {
            "source_record": pd.Series(records, index=index, dtype=INT),
            "platform": pd.Series(mapping.platform, index=index, dtype=STRING),
            "kind": self._kinds(frame, index),
            "created_at": times, "time_precision": precision, "text": text,
            "raw": raw.set_axis(index),
        }
        for target in ("post_id", "author_id", "parent_post_id"):
            if (values := column(target)) is not None:
                out[target] = clean_ids(values).set_axis(index)
        for target in ("author_name", "title", "parent_text", "location", "ip_location", "url", "outlet",
                       "language"):
            if (values := column(target)) is not None:
                series = as_string(values).str.strip().set_axis(index)
                out[target] = series.mask(series == "", None)
        counts = {target: mapping.columns[target] for target in _COUNTS if column(target) is not None}
        if counts:
            out.update(counts_block(frame, counts))
        if (values := column("is_repost")) is not None:
            out["is_repost"] = true_values(values).set_axis(index)
        for target, from_text in (("topics", topics_from_text), ("mentions", mentions_from_text)):
            values = column(target)
            out[target] = (split_list(values, mapping.list_separator) if values is not None
                           else from_text(text)).set_axis(index)
        posts = drop_rejected(pd.DataFrame(out, index=index), bad)
        return ReadResult(posts=posts, records=n + len(rejected), rejected=rejected + time_rejections,
                          warnings=warnings)

    def _kinds(self, frame: pd.DataFrame, index: pd.Index) -> pd.Series:
        mapping = self.mapping
        kinds = pd.Series(mapping.kind, index=index, dtype=STRING)
        if mapping.kind_column:
            values = as_string(frame[mapping.kind_column]).str.strip().set_axis(index)
            mapped = values.map(mapping.kind_values).astype(STRING)
            kinds = mapped.fillna(mapping.kind)
        return kinds


def _header(source: SourceFile) -> list[str]:
    if source.kind == "xlsx":
        headers = xlsx_headers(source)
        return next(iter(headers.values()), [])
    if source.kind != "text":
        return []
    if is_json_text(source):
        from textkit.ingest.records import first_objects

        objects = first_objects(source, 1)
        return list(objects[0]) if objects else []
    return header_of(source)


def _table(source: SourceFile) -> tuple[pd.DataFrame, np.ndarray, pd.Series, list, list[str]]:
    """(frame of source columns, record numbers, raw JSON per record, rejections, warnings)."""
    if source.kind == "xlsx" or is_json_text(source):
        parsed = xlsx_records(source, sheets=None) if source.kind == "xlsx" else json_records(source)
        if source.kind == "xlsx" and len(set(parsed.sheets.values())) > 1:
            first = next(iter(parsed.sheets.values()))
            keep = [(n, r) for n, r in parsed.items if parsed.sheets[n] == first]
            parsed.warnings.append(f"only the first sheet ({first!r}) was read as posts; "
                                   f"{len(parsed.items) - len(keep)} rows of other sheets were not")
            parsed.items = keep
        rows = [r for _, r in parsed.items]
        frame = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
        records = np.array([n for n, _ in parsed.items], dtype=np.int64)
        raw = pd.Series([json.dumps(r, ensure_ascii=False, default=str) for r in rows], dtype=STRING)
        return frame, records, raw, list(parsed.rejected), list(parsed.warnings)
    table = read_csv_table(source)
    return table.frame, table.record, table.raw, list(table.rejected), list(table.warnings)


def register_mapping(mapping: ColumnMapping | str | os.PathLike) -> type[GenericReader]:
    """Register a mapping (or a mapping JSON file) as a reader named ``mapping.name``.

    Afterwards ingest detects files with the mapped columns and ``--format NAME`` selects it.
    Registering the same mapping again is a no-op; another mapping under a taken name is an error.
    """
    if not isinstance(mapping, ColumnMapping):
        mapping = ColumnMapping.from_json(mapping)
    existing = READERS.get(mapping.name)
    if existing is not None:
        if getattr(existing, "default_mapping", None) == mapping:
            return existing
        raise ValueError(f"a reader named {mapping.name!r} exists already; give the mapping another name")
    reader = type(f"MappedReader_{len(READERS)}", (GenericReader,),
                  {"name": mapping.name, "platform": mapping.platform, "default_mapping": mapping,
                   "__doc__": f"Column mapping {mapping.name!r}."})
    return register_reader(reader)


ZHENGWU = ColumnMapping(
    name="zhengwu-messages",
    columns={"post_id": "留言编号", "author_id": "留言用户", "title": "留言主题", "created_at": "留言时间",
             "text": "留言详情", "likes": "点赞数"},
    optional=("likes",),
    platform="other",
    kind="post",
)

BAZHUAYU_WEIBO = ColumnMapping(
    name="bazhuayu-weibo",
    columns={"created_at": "from1", "author_name": "标题", "text": "txt"},
    platform="weibo",
    kind="post",
)


@register_reader
class ZhengwuMessagesReader(GenericReader):
    """Citizen messages to a government message board (问政 留言: 留言编号, 留言时间, 留言详情…)."""

    name = "zhengwu-messages"
    platform = "other"
    default_mapping = ZHENGWU


@register_reader
class BazhuayuWeiboReader(GenericReader):
    """Bazhuayu/Octoparse Weibo exports (``from1``, ``标题``, ``txt``); yearless times need a crawl time."""

    name = "bazhuayu-weibo"
    platform = "weibo"
    default_mapping = BAZHUAYU_WEIBO
