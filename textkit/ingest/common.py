"""Column transforms shared by the readers, all vectorised: times, counts, ids, list fields, raw JSON."""

from __future__ import annotations

import ast
import json
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from textkit.counts import parse_counts
from textkit.ingest.base import Rejection
from textkit.schema import BOOL, INT, STRING, STRING_LIST
from textkit.timeparse import parse_times

WEIBO_CRAWLER_CAP = 1_000_000  # weibo-crawler writes "100万+" as 1000000: a lower bound
_TOPIC = re.compile(r"#([^#\n]{1,60})#")
_MENTION = re.compile(r"@([\w\-]{1,30})")


def as_string(values) -> pd.Series:
    """Any column as a pyarrow string Series: None/NaN stay missing, other values become str."""
    if isinstance(values, pd.Series) and values.dtype == STRING:
        return values
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    texts = _arrow_texts(series)
    if texts is None:
        out = series.astype(object).where(series.notna(), None)
        texts = pa.array([None if v is None else v if isinstance(v, str) else _scalar_text(v) for v in out],
                         pa.string())
    return pd.Series(pd.arrays.ArrowStringArray(texts), index=series.index, dtype=STRING)


def _arrow_texts(series: pd.Series) -> pa.Array | pa.ChunkedArray | None:
    """What :func:`as_string` makes of ``series``, built in Arrow, when it holds only text and
    integers (None when it holds anything else: the caller converts it value by value)."""
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return pa.chunked_array(series.array._pa_array).cast(pa.string())
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return pa.array(series.to_numpy()).cast(pa.string())
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        numbers = series.to_numpy()
        missing = np.isnan(numbers)
        present = numbers[~missing]
        if not (np.all(present == np.floor(present)) and np.all(np.abs(present) < 2.0**63)):
            return None  # fractions print as Python prints them; infinities and huge values too
        return pa.array(np.where(missing, 0, numbers).astype(np.int64), mask=missing).cast(pa.string())
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        values = series.to_numpy()
        try:
            array = pa.array(values, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            return _texts_and_integers(values)
        if array.type in (pa.string(), pa.large_string(), pa.null()) or pa.types.is_integer(array.type):
            return array.cast(pa.string())
    return None


def _texts_and_integers(values: np.ndarray) -> pa.Array | None:
    """Strings of an object column that mixes text with integers (and missing values): one odd
    record must not send a whole column value by value. None when it holds anything else."""
    is_text = np.fromiter((type(v) is str for v in values), dtype=bool, count=len(values))
    try:
        others = pa.array(values[~is_text], from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return None
    if not (pa.types.is_integer(others.type) or others.type == pa.null()):
        return None
    texts = pa.array(values[is_text], pa.string())
    order = np.concatenate([np.flatnonzero(is_text), np.flatnonzero(~is_text)])
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    return pa.concat_arrays([texts, others.cast(pa.string())]).take(pa.array(back))


def _scalar_text(value) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def clean_ids(values) -> pd.Series:
    """Ids as strings with surrounding tabs/spaces removed (weibo-crawler writes ``id + "\\t"``)."""
    series = as_string(values).str.strip()
    return series.mask(series == "", None)


def blank_to_missing(values, markers: tuple[str, ...] = ("", "无", "None", "null", "[]")) -> pd.Series:
    """Strings with empty markers (``无``, ``None``, ``[]``…) turned into missing values."""
    series = as_string(values).str.strip()
    return series.mask(series.isin(markers), None)


def parse_time_column(values, crawl_time, records: np.ndarray, raw, column: str):
    """Parse a time column; return (times, precision, rejected mask, rejections).

    A non-empty value that cannot be parsed (or is relative/yearless with no crawl time) rejects its
    record with the reason; empty values stay missing. ``raw`` is the raw record Series, or a
    function returning it (called only when a record is rejected).
    """
    result = parse_times(as_string(values).reset_index(drop=True), crawl_time)
    bad = result.errors.notna().to_numpy()
    if bad.any() and callable(raw):
        raw = raw()
    rejections = [Rejection(int(records[i]), f"{column}: {result.errors.iloc[i]}", str(raw.iloc[i]))
                  for i in np.flatnonzero(bad)]
    times = result.times.set_axis(values.index if isinstance(values, pd.Series) else result.times.index)
    precision = result.precision.astype(STRING).set_axis(times.index)
    return times, precision, bad, rejections


def record_crawl_times(values, source) -> pd.DatetimeIndex | pd.Timestamp | None:
    """The crawl time of each record for resolving relative and yearless times.

    ``--crawl-time`` (``source.crawl_time_given``) beats everything; else the record's own crawl time
    (``values``: MediaCrawler ``last_modify_ts``, Zeeschuimer ``timestamp_collected``), else the
    file's (``source.crawl_time``: its name, the synthetic-corpus marker).
    """
    if source.crawl_time_given:
        return source.crawl_time
    crawl = parse_times(values).times
    if source.crawl_time is not None:
        crawl = crawl.fillna(source.crawl_time)
    return pd.DatetimeIndex(crawl)


def parse_count_column(values) -> tuple[pd.Series, pd.Series]:
    """(Int64 counts, lower-bound flags) of a count column (``1.2万``, ``10万+``, ``无`` …)."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    counts, lower = parse_counts(series.reset_index(drop=True))
    return (pd.Series(counts.to_numpy(), index=series.index, dtype=INT),
            pd.Series(np.asarray(lower, dtype=bool), index=series.index))


def counts_block(df: pd.DataFrame, columns: dict[str, str], *, capped: bool = False) -> dict[str, pd.Series]:
    """``likes``/``comments``/``reposts`` and ``counts_lower_bound`` from source columns.

    ``columns`` maps schema count name → source column. ``capped``: the scraper wrote "100万+" as
    1000000 (weibo-crawler), so that exact value is a lower bound too.
    """
    out: dict[str, pd.Series] = {}
    lower = pd.Series(False, index=df.index)
    for name, source in columns.items():
        if source not in df.columns:
            continue
        counts, flags = parse_count_column(df[source])
        out[name] = counts
        lower |= flags
        if capped:
            lower |= (counts == WEIBO_CRAWLER_CAP).fillna(False).astype(bool)
    out["counts_lower_bound"] = lower.astype(BOOL)
    return out


def arrow_strings(values) -> pa.ChunkedArray:
    """Any column as an Arrow string array (zero-copy for pyarrow-backed string Series)."""
    series = as_string(values)
    return pa.chunked_array(series.array._pa_array).cast(pa.string())


def string_series(array: pa.Array | pa.ChunkedArray, index: pd.Index | None = None) -> pd.Series:
    """An Arrow string array as a :data:`STRING` Series (no copy)."""
    if array.type != pa.string():
        array = array.cast(pa.string())
    return pd.Series(pd.arrays.ArrowStringArray(array), index=index, dtype=STRING)


def split_list(values, sep: str = ",") -> pd.Series:
    """Separator-joined strings (or Python list literals) → list-of-string column, [] when empty."""
    index = values.index if isinstance(values, pd.Series) else None
    array = pc.utf8_trim_whitespace(pc.fill_null(arrow_strings(values), ""))
    if pc.any(pc.starts_with(array, "[")).as_py():
        items = [_list_literal(v) if v.startswith("[") else _split(v, sep) for v in array.to_pylist()]
        return pd.Series(items, index=index, dtype=STRING_LIST)
    parts = pc.split_pattern(array, sep).combine_chunks()
    items = pc.utf8_trim_whitespace(parts.flatten())
    keep = pc.not_equal(items, "")  # "" splits into [""]; "a,,b" and "a, " hold empty items too
    counts = np.bincount(pc.list_parent_indices(parts).filter(keep).to_numpy(), minlength=len(parts))
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]), pa.int32())
    lists = pa.ListArray.from_arrays(offsets, items.filter(keep))
    return pd.Series(pd.arrays.ArrowExtensionArray(lists), index=index, dtype=STRING_LIST)


def _split(value: str, sep: str) -> list[str]:
    return [v.strip() for v in value.split(sep) if v.strip()]


def _list_literal(value: str) -> list[str]:
    try:
        items = ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return _split(value.strip("[]"), ",")
    if isinstance(items, (list, tuple)):
        return [str(v).strip() for v in items if str(v).strip()]
    return [str(items)]


def topics_from_text(texts) -> pd.Series:
    """``#话题#`` topics found in the text, without the # marks."""
    return find_all(texts, _TOPIC, "#")


def mentions_from_text(texts) -> pd.Series:
    """``@user`` mentions found in the text, without the @."""
    return find_all(texts, _MENTION, "@")


def find_all(texts, pattern: re.Pattern, marker: str) -> pd.Series:
    """``pattern.findall`` of every text (missing = "") as a list column; only the texts holding
    ``marker``, which every match contains, are searched in Python."""
    series = as_string(texts)
    array = pc.fill_null(arrow_strings(series), "")
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    holding = np.flatnonzero(pc.match_substring(array, marker).to_numpy(zero_copy_only=False))
    found = [pattern.findall(text) for text in array.take(pa.array(holding)).to_pylist()]
    counts = np.zeros(len(array), dtype=np.int64)
    counts[holding] = [len(matches) for matches in found]
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    items = pa.array([match for matches in found for match in matches], pa.string())
    lists = pa.ListArray.from_arrays(pa.array(offsets), items)
    return pd.Series(pd.arrays.ArrowExtensionArray(lists), index=series.index, dtype=STRING_LIST)


def records_raw(records: list[dict]) -> pd.Series:
    """Original JSON records as compact JSON object strings."""
    return pd.Series([json.dumps(r, ensure_ascii=False) for r in records], dtype=STRING)


def true_values(values) -> pd.Series:
    """``True``/``true``/``1`` → True, anything else False."""
    series = as_string(values).fillna("").str.strip().str.lower()
    return series.isin(("true", "1", "yes")).astype(BOOL)


def drop_rejected(frame: pd.DataFrame, bad: np.ndarray) -> pd.DataFrame:
    """Rows of ``frame`` whose flag in ``bad`` is False.

    Arrow-backed columns keep the runs of kept rows as slices of their chunks, without copying
    them (a take copies value by value: for the text and raw records of a million rows it cost more
    than parsing them); with more than :data:`MAX_RUN_CHUNKS` runs the slices are concatenated
    into one chunk. Other columns are taken as usual.
    """
    if not bad.any():
        return frame
    keep = ~bad
    edges = np.flatnonzero(np.diff(np.concatenate([[False], keep, [False]]).astype(np.int8)))
    runs = list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))  # [start, stop) of kept rows
    columns = {}
    for name in frame.columns:
        values = frame[name].array
        if isinstance(values, pd.arrays.ArrowExtensionArray):  # ArrowStringArray too
            whole = pa.chunked_array(values._pa_array)
            pieces = [chunk for start, stop in runs for chunk in whole.slice(start, stop - start).chunks]
            if len(pieces) > MAX_RUN_CHUNKS:
                pieces = [pa.concat_arrays(pieces)]
            columns[name] = type(values)(pa.chunked_array(pieces, whole.type))
        else:
            columns[name] = values[keep]
    return pd.DataFrame(columns, index=frame.index[keep])


MAX_RUN_CHUNKS = 64  # more runs of kept rows than this: one copied chunk (many tiny chunks slow later steps)


POST_FIELDS = ("post_id", "kind", "author_id", "author_name", "text", "is_repost", "parent_post_id",
               "parent_text", "location", "ip_location", "url", "title", "platform")


def build_posts(rows: list[dict], crawl_time, *, capped: bool = False, topics_in_text: bool = False,
                record_crawl_times: bool = True):
    """Posts (schema columns) and rejections from per-record dicts with the schema's names.

    Each dict holds ``record`` (1-based), ``raw`` (dict or JSON string), ``created_at`` (as written),
    optional ``crawl_time`` (from the record; ignored when ``record_crawl_times`` is False, i.e. the
    user gave ``--crawl-time``), ``likes``/``comments``/``reposts`` as written, ``topics``
    and ``mentions`` (list or comma-joined string) and any of :data:`POST_FIELDS`.
    """
    names = dict.fromkeys(name for row in rows for name in row)
    return build_posts_columns({name: [row.get(name) for row in rows] for name in names}, crawl_time,
                               capped=capped, topics_in_text=topics_in_text,
                               record_crawl_times=record_crawl_times)


def build_posts_columns(fields: dict[str, list], crawl_time, *, capped: bool = False,
                        topics_in_text: bool = False, record_crawl_times: bool = True):
    """:func:`build_posts` of records given column by column: ``fields`` maps each name a record may
    hold to one value per record (None where a record lacks it); ``raw`` may be an Arrow string array."""
    if not fields or not len(fields["record"]):
        return pd.DataFrame(), []
    records = np.asarray(fields["record"], dtype=np.int64)
    raw_values = fields["raw"]
    if isinstance(raw_values, (pa.Array, pa.ChunkedArray)):
        raw = string_series(raw_values)
    else:
        raw = pd.Series([r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in raw_values],
                        dtype=STRING)
    none = [None] * len(records)
    row_crawl = fields.get("crawl_time", none)
    crawl = crawl_time
    if record_crawl_times and any(c is not None for c in row_crawl):
        from textkit.timeparse import china_time

        codes, uniques = pd.factorize(pd.Series(row_crawl, dtype=object), use_na_sentinel=True)
        resolved = _china_times(uniques, china_time)
        missing = codes < 0
        if missing.any():  # records without a crawl time take the file's
            resolved.append(crawl_time)
            codes = np.where(missing, len(resolved) - 1, codes)
        crawl = pd.DatetimeIndex(resolved)[codes]
    times, precision, bad, rejections = parse_time_column(
        pd.Series(fields.get("created_at", none), dtype=object), crawl, records, raw, "time")
    out = {"post_id": clean_ids(fields.get("post_id", none)), "created_at": times,
           "time_precision": precision, "source_record": pd.Series(records, dtype=INT), "raw": raw}
    for name in POST_FIELDS[1:]:
        if name in fields:
            values = fields[name]
            if name == "is_repost":
                flags = np.fromiter(map(bool, values), dtype=bool, count=len(values))
                out[name] = pd.Series(flags, dtype=BOOL)
            elif name in ("author_id", "parent_post_id"):
                out[name] = clean_ids(values)
            else:
                out[name] = as_string(values)
    count_frame = pd.DataFrame({n: pd.Series(fields[n], dtype=object)
                                for n in ("likes", "comments", "reposts") if n in fields})
    if len(count_frame.columns):
        out.update(counts_block(count_frame, {c: c for c in count_frame.columns}, capped=capped))
    for name in ("topics", "mentions"):
        values = fields.get(name, none)
        if any(isinstance(v, list) for v in values):
            out[name] = pd.Series([[str(x) for x in v if str(x).strip()] if isinstance(v, list) else []
                                   for v in values], dtype=STRING_LIST)
        elif any(v for v in values):
            out[name] = split_list(values)
    if topics_in_text and "topics" not in out and "text" in out:
        out["topics"] = topics_from_text(out["text"])
    posts = pd.DataFrame(out)
    return drop_rejected(posts, bad), rejections


def _china_times(values, one_time) -> list:
    """``one_time`` (:func:`textkit.timeparse.china_time`) of every value, parsed in one batch.

    Falls back to value by value (which raises the reason) when a value is not a plain string or
    number or does not parse.
    """
    if all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in values):
        result = parse_times(pd.Series(list(values), dtype=object))
        if not result.errors.notna().any() and not result.times.isna().any():
            return list(result.times)
    return [one_time(value) for value in values]


_BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def bid_to_mid(bid: str) -> str | None:
    """Weibo's base62 ``bid`` (``IonM9ryMy``) as the numeric mid, or None when it is not a bid.

    Groups of 4 characters from the right each encode 7 decimal digits (nghuyong ``url_to_mid``).
    """
    bid = (bid or "").strip()
    if not bid or not all(c in _BASE62 for c in bid) or bid.isdigit():
        return None
    groups = []
    end = len(bid)
    while end > 0:
        start = max(0, end - 4)
        number = 0
        for char in bid[start:end]:
            number = number * 62 + _BASE62.index(char)
        groups.append(number)
        end = start
    digits = [str(groups[-1])] + [str(g).zfill(7) for g in reversed(groups[:-1])]
    return "".join(digits)


def authors_frame(rows: list[dict]) -> pd.DataFrame:
    """Author records from dicts (``author_id``, ``author_name``, ``followers``…, ``record``, ``raw``)."""
    raw = records_raw([r["raw"] for r in rows]) if rows else pd.Series([], dtype=STRING)
    frame = pd.DataFrame({"source_record": pd.Series([r["record"] for r in rows], dtype=INT), "raw": raw})
    for name in ("author_id", "author_name", "gender", "location", "ip_location", "description"):
        frame[name] = as_string([r.get(name) for r in rows]) if rows else pd.Series([], dtype=STRING)
    frame["author_id"] = clean_ids(frame["author_id"])
    for name in ("followers", "following", "statuses"):
        frame[name] = parse_count_column(pd.Series([r.get(name) for r in rows], dtype=object))[0]
    frame["verified"] = true_values([r.get("verified") for r in rows])
    return frame
