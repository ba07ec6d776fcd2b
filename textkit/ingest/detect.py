"""Which reader reads a file: every registered reader sniffs the headers/keys, the most confident wins."""

from __future__ import annotations

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


def detect(source: SourceFile, fmt: str | None = None) -> Reader:
    """The reader for ``source``: ``fmt`` when given, else the reader whose sniff is most confident."""
    if fmt:
        return reader_for(fmt)
    scored = []
    for name in sorted(READERS):
        reader = READERS[name]()
        try:
            score = float(reader.sniff(source))
        except Exception:  # a sniffer must never stop detection
            score = 0.0
        scored.append((score, name, reader))
    best = max(scored, key=lambda item: (item[0], item[1]), default=None)
    if best is None or best[0] < MIN_CONFIDENCE:
        first = source.head_lines(1)
        shown = (first[0][:120] + "…") if first and len(first[0]) > 120 else (first[0] if first else "")
        hint = f" (starts with {shown!r})" if shown else ""
        raise UnknownFormat(f"{source.display_path}: no reader recognises this file{hint}; "
                            f"pass --format NAME or a column mapping")
    return best[2]
