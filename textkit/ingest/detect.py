"""Which reader reads a file: every registered reader sniffs the headers/keys, the most confident wins."""

from __future__ import annotations

from collections.abc import Sequence

from textkit.ingest.base import READERS, Reader, SourceFile

MIN_CONFIDENCE = 0.5


class UnknownFormat(ValueError):
    """No reader recognises the file (or ``--format`` names no reader)."""


def reader_for(name: str) -> Reader:
    """The reader registered as ``name`` (``--format NAME``)."""
    try:
        return READERS[name]()
    except KeyError:
        raise UnknownFormat(f"unknown format {name!r}; formats are: {', '.join(sorted(READERS))}") from None


def detect(source: SourceFile, fmt: str | None = None, preferred: Sequence[Reader] = ()) -> Reader:
    """The reader for ``source``: ``fmt`` when given, else the reader whose sniff is most confident.

    ``preferred`` readers (column mappings given to this ingest) come first: the first of them that
    recognises the file reads it, whatever the built-in readers think; ``fmt`` may name one of them.
    """
    if fmt:
        return next((reader for reader in preferred if reader.name == fmt), None) or reader_for(fmt)
    for reader in preferred:
        if _score(reader, source) >= MIN_CONFIDENCE:
            return reader
    scored = []
    for name in sorted(READERS):
        reader = READERS[name]()
        scored.append((_score(reader, source), name, reader))
    best = max(scored, key=lambda item: (item[0], item[1]), default=None)
    if best is None or best[0] < MIN_CONFIDENCE:
        first = source.head_lines(1)
        shown = (first[0][:120] + "…") if first and len(first[0]) > 120 else (first[0] if first else "")
        hint = f" (starts with {shown!r})" if shown else ""
        raise UnknownFormat(f"{source.display_path}: no reader recognises this file{hint}; "
                            f"pass --format NAME or a column mapping (--mapping FILE)")
    return best[2]


def _score(reader: Reader, source: SourceFile) -> float:
    try:
        return float(reader.sniff(source))
    except Exception:  # a sniffer must never stop detection
        return 0.0
