"""CSV to string columns, fast when the file is clean and robust when it is not, with every record counted.

:func:`read_csv_table` tries pyarrow's multi-threaded CSV parser first (every value a string,
nothing turned into NaN). A file it cannot parse (rows with another number of values than the header,
an odd number of quote characters: a quoted field that never closes) goes through Python's :mod:`csv`
module row by row, which keeps ragged rows and collects values beyond the header as unnamed extras.
A quote that never closes mid-file rejects only its own record: the lines it swallowed are read again
(:func:`_records`); a record cut off at the end of the file is rejected. Repeated header rows
(weiboSpider writes one per run) and blank lines are not records.

:func:`json_objects` builds the ``raw`` JSON object of every row without a Python loop.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from textkit.ingest.base import Rejection, SourceFile
from textkit.schema import STRING

EXTRA_KEY = "_unnamed_extra_values"


@dataclass
class CsvTable:
    """The records of one CSV file as string columns named by the header.

    ``rows`` holds, for the robust path only, each record's values exactly as parsed (readers of
    formats with shifted columns realign them); ``extras`` the values beyond the header (or None).
    """

    header: list[str]
    frame: pd.DataFrame  # one string column per header name (positional names for duplicates)
    record: np.ndarray  # 1-based record numbers
    raw_json: pd.Series | Future | Callable[[], pd.Series]  # the raw JSON per record, its build still
    # running on a thread, or the function that builds it when first asked for
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: list[list[str]] | None = None
    fast: bool = True

    @property
    def records(self) -> int:
        return len(self.frame) + len(self.rejected)

    @property
    def raw(self) -> pd.Series:
        """The original record of every row as a JSON object string (waits for its build)."""
        if isinstance(self.raw_json, Future):
            self.raw_json = self.raw_json.result()
        elif callable(self.raw_json):
            self.raw_json = self.raw_json()
        return self.raw_json


def header_of(source: SourceFile) -> list[str]:
    """The first CSV row of the file (BOM and surrounding spaces removed)."""
    lines = source.head_lines(1)
    if not lines:
        return []
    try:
        row = next(csv.reader([lines[0]]))
    except (csv.Error, StopIteration):
        return []
    return [name.strip().lstrip("\ufeff") for name in row]


def read_csv_table(source: SourceFile, *, force_robust: bool = False) -> CsvTable:
    """Parse the whole CSV file of ``source`` into a :class:`CsvTable`."""
    header = header_of(source)
    if not header:
        raise ValueError(f"{source.display_path}: no CSV header")
    if not force_robust:
        table = _read_fast(source, header)
        if table is not None:
            return table
    return _read_robust(source, header)


def _unique_names(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    names = []
    for name in header:
        if name in seen:
            seen[name] += 1
            names.append(f"{name}.{seen[name]}")
        else:
            seen[name] = 0
            names.append(name)
    return names


def _read_fast(source: SourceFile, header: list[str]) -> CsvTable | None:
    names = _unique_names(header)
    bad_rows = []

    def on_invalid(row) -> str:
        bad_rows.append(row)
        return "skip"

    odd_quotes = source.count_char('"') % 2 == 1  # a quoted field never closes somewhere
    on_disk = source.maybe_utf8  # the bytes as on disk (in memory when not decoded yet: no second read)
    undecoded = source.undecoded_bytes() if on_disk else None
    data = (pa.BufferReader(pa.py_buffer(undecoded)) if undecoded is not None else str(source.path) if on_disk
            else pa.BufferReader(pa.py_buffer(source.text.encode("utf-8"))))
    try:
        table = pacsv.read_csv(
            data,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24,
                                           encoding="utf8"),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if on_disk:
        source.confirm_utf8()  # pyarrow validated every value as UTF-8
    tail = None
    if bad_rows:
        # only a damaged last record (a truncated file) stays on the fast path
        last = bad_rows[-1].text.rstrip("\r\n")
        if len(bad_rows) > 1 or not last or not source.ends_with(last):
            return None
        tail = bad_rows[0]
    if odd_quotes and (tail is None or not _truncated_record(tail.text, len(header))):
        return None  # the quote that never closes is not in a cut-off last record: row by row
    # at most this many line breaks are inside values (blank lines count too)
    line_breaks_in_values = max(source.count_char("\n"), source.count_char("\r")) - table.num_rows - 1
    if _swallowed_records(table, names, line_breaks_in_values, tail.text if tail is not None else ""):
        return None  # two quotes that never close (an even count) merged the records between them
    # a repeated header row is not a record
    repeated = None
    for name, title in list(zip(names, header, strict=True))[:3]:
        same = pc.equal(table[name], title)
        repeated = same if repeated is None else pc.and_(repeated, same)
    warnings = []
    if repeated is not None and pc.any(repeated).as_py():
        count = pc.sum(repeated).as_py()
        table = table.filter(pc.invert(repeated))
        warnings.append(f"{count} repeated header row(s) skipped")
    # the raw JSON is built on other threads while the reader parses the columns
    builder = ThreadPoolExecutor(1)
    raw = builder.submit(lambda: pd.Series(pd.arrays.ArrowStringArray(
        json_objects(header, [table[n] for n in names])), dtype=STRING))
    builder.shutdown(wait=False)
    frame = table.to_pandas(types_mapper=lambda t: STRING if t == pa.string() else None)
    frame.columns = names
    rejected = []
    if tail is not None:
        text = tail.text.rstrip("\r\n")
        reason = ("unterminated quote: the record runs to the end of the file (truncated file?)"
                  if text.count('"') % 2 else
                  f"{tail.actual_columns} values where the header has {tail.expected_columns} "
                  "(truncated file?)")
        rejected.append(Rejection(len(frame) + 1, reason, text))
    return CsvTable(header, frame, np.arange(1, len(frame) + 1), raw, rejected=rejected, warnings=warnings,
                    fast=True)


def _read_robust(source: SourceFile, header: list[str]) -> CsvTable:
    names = _unique_names(header)
    lines = list(io.StringIO(source.text.lstrip("\ufeff"), newline=""))
    width = len(header)
    widths: Counter[int] = Counter()  # value counts of the records read so far
    rows: list[list[str]] = []
    numbers: list[int] = []
    rejected: list[Rejection] = []
    repeated = 0
    record = 0
    for values, raw_text, reason in _records(lines[1:], width, widths):
        if values is not None:
            if not values or (len(values) == 1 and not values[0].strip()):
                continue
            if [v.strip() for v in values[:width]] == header and len(values) <= width:
                repeated += 1
                continue
        record += 1
        if values is None:
            rejected.append(Rejection(record, reason, raw_text))
            continue
        widths[len(values)] += 1
        rows.append(values)
        numbers.append(record)
    columns = {name: [r[i] if i < len(r) else "" for r in rows] for i, name in enumerate(names)}
    frame = pd.DataFrame({n: pd.Series(v, dtype=STRING) for n, v in columns.items()})
    warnings = []
    if repeated:
        warnings.append(f"{repeated} repeated header row(s) skipped")
    short = sum(len(r) < width for r in rows)
    long = sum(len(r) > width for r in rows)
    if short or long:
        warnings.append(f"{short} row(s) with fewer and {long} with more values than the "
                        f"{width}-column header")
    return CsvTable(header, frame, np.array(numbers, dtype=np.int64), lambda: _raw_rows(header, rows),
                    rejected=rejected, warnings=warnings, rows=rows, fast=False)


def _raw_rows(header: list[str], rows: list[list[str]]) -> pd.Series:
    """The raw JSON object of every row read row by row (values beyond the header under
    :data:`EXTRA_KEY`); built only for the readers that ask for it."""
    width = len(header)
    raws = []
    for values in rows:
        record = dict(zip(header, values, strict=False))
        if len(values) > width:
            record[EXTRA_KEY] = values[width:]
        raws.append(json.dumps(record, ensure_ascii=False))
    return pd.Series(raws, dtype=STRING)


_TRUNCATED = "unterminated quote: the record runs to the end of the file (truncated file?)"
_UNTERMINATED = ("unterminated quote: a quoted field of this record never closes (the lines after it "
                 "were read again as records)")


Parsed = tuple[list[str] | None, str, str]  # values (None when rejected), raw text, reason


def _records(lines: list[str], width: int, widths: Counter[int]) -> Iterator[Parsed]:
    """``(values, raw text, "")`` per CSV record of ``lines``, ``(None, raw text, reason)`` when damaged.

    A quote that opens a field and never closes makes a lenient CSV parser swallow the following
    lines (up to the next quote, or the end of the file) into one record. Such a record spans several
    lines and fails strict parsing or has an implausible number of values. When a clean record with
    a plausible number of values (the header's, or one already seen in the file) starts at one of
    its later lines, the lines before that one are rejected as the damaged record and parsing starts
    again there. A record still open at the end of the file is rejected.
    """
    start = 0
    while start is not None:
        reader = csv.reader(itertools.islice(lines, start, None))
        begin, restart = start, None
        while True:
            try:
                values = next(reader)
            except StopIteration:
                break
            except csv.Error as error:  # e.g. field larger than the limit
                yield None, "".join(lines[begin:start + reader.line_num]), f"CSV error: {error}"
                begin = start + reader.line_num
                continue
            end = start + reader.line_num
            raw_text = "".join(lines[begin:end])
            problem = _strict_problem(lines[begin:end]) if '"' in raw_text else None
            suspect = end - begin > 1 and (problem is not None or not _plausible(values, width, widths))
            resync = _resync(lines, begin + 1, end, width, widths) if suspect else None
            if resync is not None:
                yield None, "".join(lines[begin:resync]), _UNTERMINATED
                restart = resync
                break
            if problem == "unexpected end of data":
                yield None, raw_text, _TRUNCATED
            else:  # a stray quote a lenient reading copes with
                yield values, raw_text, ""
            begin = end
        start = restart


_RESYNC_LINES = 100
_ID_SHAPES = (r"[0-9]+", r"[0-9A-Za-z]+", r"[0-9A-Za-z_.:+\-]+", r"\S+")


def _swallowed_records(table: pa.Table, names: list[str], line_breaks: int, tail: str = "") -> bool:
    """True when a value (or the ``tail`` the parser left over) holds a line that starts like a
    record: a quote that opened and never closed swallowed the lines up to the next quote (which
    closed it) into one field.

    A line starts like a record when it has a separator and its first value has the shape of the
    file's first column (the same characters, a length it has). Multi-line values are rare, so this
    looks at few rows; a text that merely looks like that sends the file row by row (same result).
    ``line_breaks`` bounds how many line breaks the values hold (columns are searched until found).
    """
    first = pc.fill_null(table[names[0]], "")
    spans = {}
    for name in names:
        if line_breaks <= 0:
            break
        column = table[name]
        holding = pc.or_(pc.match_substring(column, "\n"), pc.match_substring(column, "\r"))
        if pc.any(holding).as_py():
            spans[name] = column.filter(holding).to_pylist()
            line_breaks -= sum(max(value.count("\n"), value.count("\r")) for value in spans[name])
    if len(tail.rstrip("\r\n").splitlines()) > 1:
        spans[""] = [tail]
    if not spans:
        return False
    present = first.filter(pc.greater(pc.utf8_length(first), 0))
    if not len(present):
        return True  # no clean record to learn the first column from: row by row
    lengths = pc.min_max(pc.utf8_length(present)).as_py()
    shape = next((pattern for pattern in _ID_SHAPES
                  if (pc.sum(pc.match_substring_regex(present, f"^(?:{pattern})$")).as_py() or 0)
                  >= 0.99 * len(present)), None)
    if shape is None:  # a first column of free text: no record start to look for
        return False
    starts = re.compile(f"(?:{shape})")
    for values in spans.values():
        for value in values:
            for line in value.splitlines()[1:]:
                head, comma, _ = line.partition(",")
                if comma and starts.fullmatch(head) and lengths["min"] <= len(head) <= lengths["max"]:
                    return True
    return False


def _truncated_record(text: str, width: int) -> bool:
    """True when ``text`` (what a parser left over at the end of a file) is one record cut off inside
    a quoted field, not a damaged record that swallowed the records after it."""
    lines = list(io.StringIO(text, newline=""))
    return text.count('"') % 2 == 1 and _resync(lines, 1, len(lines), width, Counter()) is None


def _resync(lines: list[str], low: int, high: int, width: int, widths: Counter[int]) -> int | None:
    """The first line in ``low..high`` (at most :data:`_RESYNC_LINES` tried) where a clean record
    with a plausible number of values starts, or None."""
    for line in range(low, min(high, low + _RESYNC_LINES)):
        try:
            values = next(csv.reader(itertools.islice(lines, line, None), strict=True), None)
        except csv.Error:
            continue
        if values and _plausible(values, width, widths):
            return line
    return None


def _plausible(values: list[str], width: int, widths: Counter[int]) -> bool:
    """A number of values the header has, or one already seen in the file."""
    return len(values) == width or widths[len(values)] > 0


def _strict_problem(span: list[str]) -> str | None:
    try:
        for _ in csv.reader(span, strict=True):
            pass
    except csv.Error as error:
        return str(error)
    return None


_NEEDS_ESCAPE = r'[\x00-\x1f"\\]'
_OTHER_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
_PARALLEL_ROWS = 50_000


def _may_need_escape(values: pa.ChunkedArray | pa.Array) -> bool:
    """False when no byte of the column's data needs a JSON escape (a cheap scan of the raw buffers)."""
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    for chunk in chunks:
        data = chunk.buffers()[2]
        if data is None or not data.size:
            continue
        octets = np.frombuffer(data, dtype=np.uint8)
        if octets.min() < 0x20 or (octets == ord('"')).any() or (octets == ord("\\")).any():
            return True
    return False


def _escape(values: pa.ChunkedArray | pa.Array) -> tuple[pa.ChunkedArray | pa.Array, np.ndarray | None]:
    """JSON-escape a string column; also return a mask of rows holding control characters that
    need ``\\uXXXX`` escapes (None when there are none). Only the rows that need it are rewritten."""
    values = pc.fill_null(values, "")
    if not _may_need_escape(values):
        return values, None
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    rows = pc.match_substring_regex(values, _NEEDS_ESCAPE)
    positions = np.flatnonzero(rows.to_numpy(zero_copy_only=False))
    if not len(positions):
        return values, None
    subset = values.take(pa.array(positions))
    other = pc.match_substring_regex(subset, _OTHER_CONTROL).to_numpy(zero_copy_only=False)
    for old, new in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        subset = pc.replace_substring(subset, old, new)
    values = pc.replace_with_mask(values, rows, subset)
    if not other.any():
        return values, None
    control = np.zeros(len(values), dtype=bool)
    control[positions[other]] = True
    return values, control


def json_objects(keys: list[str], columns: list[pa.ChunkedArray | pa.Array]) -> pa.Array | pa.ChunkedArray:
    """One JSON object string per row, ``{key: value}`` over string columns, built column-wise.

    Equal to ``json.dumps(dict(zip(keys, row)), ensure_ascii=False)`` for every row (a missing value
    is written as ``""``, as the CSV had it). Large inputs
    are built in row ranges on parallel threads (Arrow releases the GIL).
    """
    if not columns or len(columns[0]) == 0:
        return pa.array([], pa.string())
    rows = len(columns[0])
    parts = min(os.cpu_count() or 1, 4, max(1, rows // _PARALLEL_ROWS))
    if parts == 1:
        return _json_objects(keys, columns)
    bounds = np.linspace(0, rows, parts + 1).astype(int)
    slices = [[c.slice(start, stop - start) for c in columns] for start, stop in itertools.pairwise(bounds)]
    with ThreadPoolExecutor(parts) as pool:
        built = list(pool.map(lambda part: _json_objects(keys, part), slices))
    return pa.chunked_array([chunk for part in built for chunk in
                             (part.chunks if isinstance(part, pa.ChunkedArray) else [part])], pa.string())


def _json_objects(keys: list[str], columns: list[pa.ChunkedArray | pa.Array]) -> pa.Array | pa.ChunkedArray:
    pieces: list[object] = []
    needs_exact = None
    for i, (key, column) in enumerate(zip(keys, columns, strict=True)):
        escaped, control = _escape(column)
        if control is not None:
            needs_exact = control if needs_exact is None else needs_exact | control
        prefix = "{" if i == 0 else '", '
        pieces += [pa.scalar(prefix + json.dumps(key, ensure_ascii=False) + ': "'), escaped]
    pieces.append(pa.scalar('"}'))
    out = pc.binary_join_element_wise(*pieces, "")
    if needs_exact is not None:
        values = out.to_pylist()
        for i in np.flatnonzero(needs_exact):
            record = {k: c[int(i)].as_py() for k, c in zip(keys, columns, strict=True)}
            values[i] = json.dumps({k: "" if v is None else v for k, v in record.items()}, ensure_ascii=False)
        return pa.array(values, pa.string())
    return out
