"""The incident's event timeline (``data/events.csv``): what happened when, and who reported it.

Columns: ``start`` (ISO 8601 with zone), ``end`` (optional, for spans), ``label_zh``, ``label_en``,
``kind`` (``moment`` or ``span``) and ``source`` (short source names). Timelines overlay these events
and spikes list the events inside their window. Point the suite at another incident by editing the
file (or ``TEXTKIT_DATA``), not code.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd

from textkit.paths import EVENTS_CSV
from textkit.schema import CHINA_TZ, STRING, TIMESTAMP

EVENT_COLUMNS = ("start", "end", "label_zh", "label_en", "kind", "source")
KINDS = ("moment", "span")


class EventsError(ValueError):
    """A problem in an events file, naming the file, the row and the reason."""


def _timestamp(value: str, path: Path, row: int, column: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise EventsError(f"{path}: row {row}: {column} {value!r} is not an ISO 8601 time ({exc})") from None
    if ts is pd.NaT:
        raise EventsError(f"{path}: row {row}: {column} {value!r} is not an ISO 8601 time")
    if ts.tzinfo is None:
        raise EventsError(f"{path}: row {row}: {column} {value!r} has no time zone (write e.g. +08:00)")
    return ts.tz_convert(CHINA_TZ)


def load_events(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Read and validate an events file (default ``data/events.csv``).

    Returns a DataFrame with tz-aware ``start``/``end`` in China time (``end`` is missing for moments)
    and string columns ``label_zh``, ``label_en``, ``kind``, ``source``, sorted by ``start``. Raises
    :class:`EventsError` naming the file, the row (1-based, header = row 1) and the reason.
    """
    path = Path(path) if path is not None else EVENTS_CSV
    if not path.exists():
        raise EventsError(f"{path}: events file not found")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in EVENT_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise EventsError(f"{path}: row 1: missing column(s) {missing}; expected {list(EVENT_COLUMNS)}")
        rows = []
        for row_number, row in enumerate(reader, start=2):
            if None in row or any(v is None for v in row.values()):
                raise EventsError(f"{path}: row {row_number}: wrong number of fields")
            start = _timestamp(row["start"].strip(), path, row_number, "start")
            end_text = row["end"].strip()
            end = _timestamp(end_text, path, row_number, "end") if end_text else pd.NaT
            kind = row["kind"].strip()
            if kind not in KINDS:
                raise EventsError(f"{path}: row {row_number}: kind {kind!r} must be one of {list(KINDS)}")
            if kind == "span" and end is pd.NaT:
                raise EventsError(f"{path}: row {row_number}: a span needs an end")
            if end is not pd.NaT and end < start:
                raise EventsError(f"{path}: row {row_number}: end {end_text} is before start")
            for column in ("label_zh", "label_en", "source"):
                if not row[column].strip():
                    raise EventsError(f"{path}: row {row_number}: {column} is empty")
            rows.append(
                {
                    "start": start,
                    "end": end,
                    "label_zh": row["label_zh"].strip(),
                    "label_en": row["label_en"].strip(),
                    "kind": kind,
                    "source": row["source"].strip(),
                }
            )
    frame = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    for column in ("start", "end"):
        frame[column] = pd.to_datetime(frame[column], utc=True).dt.tz_convert(CHINA_TZ).astype(TIMESTAMP)
    for column in ("label_zh", "label_en", "kind", "source"):
        frame[column] = frame[column].astype(STRING)
    return frame.sort_values("start", kind="stable").reset_index(drop=True)
