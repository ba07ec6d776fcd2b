"""Records of JSON, JSON Lines and Excel files as ``(record number, dict)`` pairs, damage counted.

Used by the MediaCrawler and generic readers. A JSON file may be a list of objects (MediaCrawler
writes ``indent=4``) or one object; a truncated list keeps every complete item and rejects the rest
with the reason. In JSON Lines every non-blank line is one record; a broken line is rejected alone.
Excel workbooks are read with openpyxl, one header row per sheet.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass, field

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from textkit.ingest.base import Rejection, SourceFile


@dataclass
class Records:
    """Parsed records of one file (``items``: record number, object, and the sheet it came from)."""

    items: list[tuple[int, dict]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sheets: dict[int, str] = field(default_factory=dict)  # record number -> sheet name (Excel)
    raw_texts: dict[int, str] = field(default_factory=dict)  # record number -> JSON Lines line as written
    line_numbers: np.ndarray | None = None  # JSON Lines read in one pass: record number of each line …
    line_texts: pa.Array | None = None  # … and that line as written, stripped (instead of raw_texts)

    def raw_lines(self, numbers: np.ndarray) -> pa.Array:
        """The JSON Lines text of each record in ``numbers`` (null where the record is not a line)."""
        texts = pa.nulls(len(numbers), pa.string())
        if self.line_numbers is not None and len(self.line_numbers):
            at = np.searchsorted(self.line_numbers, numbers).clip(max=len(self.line_numbers) - 1)
            found = self.line_numbers[at] == numbers
            if len(at) and found.all() and (np.diff(at) == 1).all():
                texts = self.line_texts.slice(int(at[0]), len(at))  # a run of lines: no copy
            else:
                texts = self.line_texts.take(pa.array(at, mask=~found))
        elif self.raw_texts:
            texts = pa.array([self.raw_texts.get(int(n)) for n in numbers], pa.string())
        return texts

    @property
    def count(self) -> int:
        return len(self.items) + len(self.rejected)


_INT64_SPAN = 2.0**63


def loads_line(line: str) -> object:
    """``json.loads(line)``, through orjson (several times faster) where that gives the same value.

    orjson turns integers beyond 64 bits into floats (of magnitude 2**63 or more), so a value holding
    such a float is parsed again by ``json.loads``; so is what orjson refuses (broken JSON, NaN, lone
    surrogates), for its value or its error.
    """
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)
    return json.loads(line) if _has_huge_float(value) else value


_OTHER_LINE_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # str.splitlines breaks lines there too
# lines to parse as loads_line does, one by one: an integer orjson may read otherwise than json has
# 19 digits or more; a line break of str.splitlines other than \n makes the pass give up
_CAREFUL_LINE = "[0-9]{19}|[" + _OTHER_LINE_BREAKS + "]"


@dataclass
class JsonLines:
    """The non-blank lines of a JSON Lines file, parsed as :func:`loads_line` parses them.

    ``values[i]`` is the value of record ``numbers[i]`` (records count the non-blank lines from 1)
    and ``texts[i]`` that line as written; ``broken`` holds (record, line, error) of the lines that
    are not JSON; ``total`` counts every non-blank line.
    """

    numbers: np.ndarray
    values: list[object]
    texts: pa.Array
    broken: list[tuple[int, str, json.JSONDecodeError]]
    total: int


def json_lines(source: SourceFile) -> JsonLines | None:
    """Every line of a file of two or more JSON lines, parsed in one pass over its UTF-8 bytes.

    Gives what splitting the decoded text with ``str.splitlines`` and parsing each non-blank line
    with :func:`loads_line` gives, without decoding the file or most lines in Python. None when the
    file is not such a file (its first line is not a JSON value by itself, so it may be one
    pretty-printed value; fewer than two lines) or when this pass cannot promise the same lines
    (not UTF-8, a BOM left after the first, line breaks other than ``\\n`` and ``\\r\\n``): the
    caller then reads the decoded text line by line.
    """
    data = source.utf8_bytes()
    if data is None or data.startswith(b"\xef\xbb\xbf"):
        return None
    if b"\r" in data:
        if data.count(b"\r") != data.count(b"\r\n"):
            return None
        data = data.replace(b"\r\n", b"\n")
    lines = data.split(b"\n")
    try:  # every line as an Arrow string, without copying it out of the file's bytes one by one
        all_texts = _string_array(lines, data.replace(b"\n", b""))
    except pa.ArrowInvalid:  # not UTF-8
        return None
    careful = set(np.flatnonzero(pc.match_substring_regex(all_texts, _CAREFUL_LINE)
                                 .to_numpy(zero_copy_only=False)).tolist())
    numbers: list[int] = []
    values: list[object] = []
    kept: list[int] = []
    broken: list[tuple[int, str, json.JSONDecodeError]] = []
    record = 0
    loads = orjson.loads
    for index, line in enumerate(lines):
        if not line or line.isspace():
            continue
        if index not in careful:
            try:
                value = loads(line)
            except orjson.JSONDecodeError:
                pass
            else:
                record += 1
                numbers.append(record)
                values.append(value)
                kept.append(index)
                continue
        text = line.decode("utf-8")
        if any(char in text for char in _OTHER_LINE_BREAKS):
            return None
        if not text.strip():  # blank to str.strip (U+3000 …), not to bytes.isspace
            continue
        record += 1
        try:
            value = loads_line(text)
        except json.JSONDecodeError as error:  # a copy never raised: the error's traceback (and its
            # context's) would hold this frame, and so every value, in a cycle only gc frees
            broken.append((record, text, json.JSONDecodeError(error.msg, error.doc, error.pos)))
            continue
        numbers.append(record)
        values.append(value)
        kept.append(index)
    if record < 2 or not numbers or numbers[0] != 1:
        return None
    source.confirm_utf8()
    contiguous = kept[-1] - kept[0] + 1 == len(kept)
    texts = (all_texts.slice(kept[0], len(kept)) if contiguous else all_texts.take(pa.array(kept)))
    return JsonLines(np.array(numbers, dtype=np.int64), values, texts, broken, record)


def _string_array(lines: list[bytes], joined: bytes) -> pa.Array:
    """``lines`` as an Arrow string array over ``joined`` (their concatenation); raises ArrowInvalid
    when they are not UTF-8."""
    offsets = np.zeros(len(lines) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, lines), dtype=np.int64, count=len(lines)), out=offsets[1:])
    if len(joined) < 2**31 - 1:
        array = pa.StringArray.from_buffers(len(lines), pa.py_buffer(offsets.astype(np.int32)),
                                            pa.py_buffer(joined))
    else:
        array = pa.LargeStringArray.from_buffers(len(lines), pa.py_buffer(offsets), pa.py_buffer(joined))
    array.validate(full=True)
    return array


def _has_huge_float(value: object) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind is float and not -_INT64_SPAN < item < _INT64_SPAN:
            return True
    return False


def is_json_text(source: SourceFile) -> bool:
    """True when the file's text starts like JSON (``[`` or ``{``)."""
    return source.kind == "text" and source.head(64).lstrip("\ufeff \t\r\n")[:1] in ("[", "{")


def first_objects(source: SourceFile, n: int = 5) -> list[dict]:
    """Up to ``n`` objects from the start of a JSON or JSON Lines file (for sniffing)."""
    if not is_json_text(source):
        return []
    head = source.head(65536).lstrip("\ufeff \t\r\n")
    decoder = json.JSONDecoder()
    objects: list[dict] = []
    if head.startswith("["):
        pos = 1
        while len(objects) < n:
            pos = _skip(head, pos, ",")
            try:
                obj, pos = decoder.raw_decode(head, pos)
            except json.JSONDecodeError:
                break
            if isinstance(obj, dict):
                objects.append(obj)
        return objects
    for line in head.splitlines():
        if len(objects) == n:
            break
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            objects.append(obj)
    return objects


def json_records(source: SourceFile) -> Records:
    """Every record of a JSON (list or object) or JSON Lines file."""
    if source.head(4096).lstrip("\ufeff \t\r\n")[:1] == "{" and (lines := json_lines(source)) is not None:
        return _line_records(lines)
    text = (source.text or "").lstrip("\ufeff \t\r\n")
    out = Records()
    if text.startswith("["):
        _json_list(text, out)
        return out
    try:  # one pretty-printed object
        obj = json.loads(text)
    except json.JSONDecodeError:
        obj = None
    if isinstance(obj, dict) and "\n" in text.strip() and not _all_lines_are_objects(text):
        _add(out, 1, obj, text)
        return out
    record = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        record += 1
        try:
            obj = loads_line(line)
        except json.JSONDecodeError as error:
            reason = f"broken JSON line: {error.msg} at column {error.colno}"
            out.rejected.append(Rejection(record, reason, line))
            continue
        _add(out, record, obj, line)
        out.raw_texts[record] = line.strip()
    return out


def _line_records(lines: JsonLines) -> Records:
    """:func:`json_records` of a JSON Lines file read by :func:`json_lines` (the same records)."""
    out = Records(line_numbers=lines.numbers, line_texts=pc.utf8_trim_whitespace(lines.texts))
    for record, line, error in lines.broken:
        out.rejected.append(Rejection(record, f"broken JSON line: {error.msg} at column {error.colno}", line))
    others = []
    for i, (record, value) in enumerate(zip(lines.numbers.tolist(), lines.values, strict=True)):
        if isinstance(value, dict):
            out.items.append((record, value))
        else:
            others.append(i)
    for i in others:  # not an object: rejected with the line as written
        _add(out, int(lines.numbers[i]), lines.values[i], lines.texts[i].as_py())
    if others:
        out.rejected.sort(key=lambda rejection: rejection.record)
    return out


def _all_lines_are_objects(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    return all(line.lstrip().startswith("{") and line.rstrip().endswith("}") for line in lines)


def _add(out: Records, record: int, obj: object, raw: str) -> None:
    if isinstance(obj, dict):
        out.items.append((record, obj))
    else:
        out.rejected.append(Rejection(record, f"not a JSON object but {type(obj).__name__}", raw))


def _skip(text: str, pos: int, separators: str) -> int:
    while pos < len(text) and (text[pos].isspace() or text[pos] in separators):
        pos += 1
    return pos


def _json_list(text: str, out: Records) -> None:
    decoder = json.JSONDecoder()
    pos, record = 1, 0
    while True:
        pos = _skip(text, pos, ",")
        if pos >= len(text) or text[pos] == "]":
            break
        record += 1
        try:
            obj, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as error:
            out.rejected.append(Rejection(record, f"broken JSON from this item on: {error.msg} "
                                          f"(line {error.lineno}); the file is probably truncated",
                                          text[pos:]))
            out.warnings.append(f"JSON list broken after {record - 1} item(s)")
            return
        _add(out, record, obj, text[pos:end])
        pos = end
    if pos >= len(text):
        out.warnings.append("JSON list has no closing ']' (truncated file?); every complete item was kept")


def xlsx_records(source: SourceFile, sheets: tuple[str, ...] | None = None) -> Records:
    """Rows of the sheets of an Excel workbook as dicts keyed by each sheet's header row.

    Record numbers run on across sheets in workbook order; ``sheets`` limits which are read.
    """
    from openpyxl import load_workbook

    out = Records()
    workbook = load_workbook(source.path, read_only=True, data_only=True)
    try:
        record = 0
        for sheet in workbook.worksheets:
            if sheets is not None and sheet.title not in sheets:
                continue
            rows = sheet.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                continue
            names = [str(h).strip() if h is not None else f"column_{i + 1}" for i, h in enumerate(header)]
            for row in rows:
                if row is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                    continue
                record += 1
                values = dict(zip(names, (_cell(v) for v in row), strict=False))
                if len(row) > len(names):
                    values["_unnamed_extra_values"] = [_cell(v) for v in row[len(names):]]
                out.items.append((record, values))
                out.sheets[record] = sheet.title
    finally:
        workbook.close()
    return out


def xlsx_headers(source: SourceFile) -> dict[str, list[str]]:
    """The header row of every sheet of a workbook (for sniffing; cached, every reader asks)."""
    stat = source.path.stat()
    return dict(_xlsx_headers(str(source.path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=32)
def _xlsx_headers(path: str, mtime_ns: int, size: int) -> tuple[tuple[str, list[str]], ...]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        headers = []
        for sheet in workbook.worksheets:
            first = next(sheet.iter_rows(values_only=True, max_row=1), None) or ()
            headers.append((sheet.title, [str(h).strip() for h in first if h is not None]))
        return tuple(headers)
    finally:
        workbook.close()


def _cell(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return value
