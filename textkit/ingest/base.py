"""The reader interface every ingest reader implements, and the registry format detection uses.

A reader turns one opened :class:`SourceFile` into a :class:`ReadResult`: posts (schema columns,
possibly a subset: the framework calls :func:`textkit.schema.conform`), how many records it saw,
the records it rejected (with a reason) and warnings. Readers register themselves with
:func:`register_reader`; :mod:`textkit.ingest.detect` asks every registered reader to
:meth:`Reader.sniff` a file and picks the most confident one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pandas as pd


@dataclass
class SourceFile:
    """One input file, opened and decoded.

    ``text`` is the decoded content of a text file (undecodable bytes replaced with U+FFFD and
    counted in ``replaced_bytes``, NUL bytes removed and counted in ``nul_bytes``); it is None for
    binary formats (SQLite, XLSX), which readers open through ``path``.
    """

    path: Path
    display_path: str
    encoding: str
    text: str | None
    replaced_bytes: int = 0
    nul_bytes: int = 0
    crawl_time: pd.Timestamp | None = None
    kind: str = "text"  # text | sqlite | xlsx
    crawl_time_given: bool = False  # True when crawl_time came from --crawl-time: it beats the records'

    def head(self, n_chars: int = 8192) -> str:
        """The first characters of the decoded text ('' for binary files)."""
        return "" if self.text is None else self.text[:n_chars]

    def head_lines(self, n: int = 5) -> list[str]:
        """The first ``n`` non-empty lines of the decoded text (BOM removed)."""
        lines = []
        for line in self.head(65536).lstrip("\ufeff").splitlines():
            if line.strip():
                lines.append(line)
                if len(lines) == n:
                    break
        return lines

    def head_bytes(self, n: int = 64) -> bytes:
        """The first raw bytes of the file."""
        with open(self.path, "rb") as fh:
            return fh.read(n)


@dataclass
class Rejection:
    """A record a reader could not turn into a post; written to ``rejected.jsonl``."""

    record: int  # 1-based record number in the file
    reason: str
    raw: str


@dataclass
class ReadResult:
    """What a reader returns for one file.

    ``records`` counts every record the file holds (not header rows, blank lines or repeated
    headers); every record ends up either as a row of ``posts`` or ``authors`` or in ``rejected``.
    """

    posts: pd.DataFrame
    records: int
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    authors: pd.DataFrame | None = None


class Reader:
    """Base class of every reader. Subclasses set ``name`` and ``platform`` and implement both methods."""

    name: ClassVar[str] = ""
    platform: ClassVar[str] = "weibo"

    def sniff(self, source: SourceFile) -> float:
        """Confidence 0..1 that this reader reads ``source``, from headers/keys (never the name alone)."""
        raise NotImplementedError

    def read(self, source: SourceFile) -> ReadResult:
        """Parse the whole file."""
        raise NotImplementedError


READERS: dict[str, type[Reader]] = {}


def register_reader(cls: type[Reader]) -> type[Reader]:
    """Class decorator: make a reader available to detection and to ``--format NAME``."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    if cls.name in READERS and READERS[cls.name] is not cls:
        raise ValueError(f"two readers are named {cls.name!r}")
    READERS[cls.name] = cls
    return cls
