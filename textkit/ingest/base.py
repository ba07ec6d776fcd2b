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


class SourceFile:
    """One input file, opened and decoded.

    ``text`` is the decoded content of a text file (undecodable bytes replaced with U+FFFD and
    counted in ``replaced_bytes``, NUL bytes removed and counted in ``nul_bytes``); it is None for
    binary formats (SQLite, XLSX), which readers open through ``path``.

    A file opened with ``undecoded`` bytes is decoded only when ``text``, ``encoding`` or
    ``replaced_bytes`` is first asked for: a reader that parses the file straight from ``path`` with
    a validating UTF-8 parser (the fast CSV path) calls :meth:`confirm_utf8` instead and the file is
    never decoded in Python.
    """

    def __init__(self, path: Path, display_path: str, encoding: str, text: str | None,
                 replaced_bytes: int = 0, nul_bytes: int = 0, crawl_time: pd.Timestamp | None = None,
                 kind: str = "text", crawl_time_given: bool = False, *,
                 undecoded: bytes | None = None, decode=None, head_text: str = "") -> None:
        self.path = path
        self.display_path = display_path
        self._encoding = encoding
        self._text = text
        self._replaced_bytes = replaced_bytes
        self.nul_bytes = nul_bytes
        self.crawl_time = crawl_time
        self.kind = kind  # text | sqlite | xlsx
        self.crawl_time_given = crawl_time_given  # True when crawl_time came from --crawl-time
        self._undecoded = undecoded
        self._decode = decode
        self._confirmed = False
        self._head_text = head_text  # the decoded start of a file not decoded yet

    def __repr__(self) -> str:
        return f"SourceFile({self.display_path!r}, kind={self.kind!r})"

    def _decoded(self) -> None:
        if self._undecoded is not None:
            self._text, self._encoding, self._replaced_bytes = self._decode(self._undecoded)
            self._undecoded = None
            self._confirmed = False

    @property
    def text(self) -> str | None:
        self._decoded()
        return self._text

    @property
    def encoding(self) -> str:
        if not self._confirmed:
            self._decoded()
        return self._encoding

    @property
    def replaced_bytes(self) -> int:
        if not self._confirmed:
            self._decoded()
        return self._replaced_bytes

    @property
    def maybe_utf8(self) -> bool:
        """True when the file can be handed as it is on disk to a parser that validates UTF-8: its
        start is UTF-8 (not decoded yet) or it decoded as UTF-8 with no replacements, and no NULs."""
        if self.nul_bytes or self.kind != "text" or self._encoding not in ("utf-8", "utf-8-sig"):
            return False
        return self._undecoded is not None or not self._replaced_bytes

    def confirm_utf8(self) -> None:
        """A validating parser read the whole file as UTF-8: keep the encoding, skip decoding it here."""
        if self._undecoded is not None and self.maybe_utf8:
            self._confirmed = True

    def utf8_bytes(self) -> bytes | None:
        """The text as UTF-8 bytes (BOM removed) without decoding it in Python when it is not decoded yet.

        Bytes of a file not decoded yet are as on disk (NULs removed) and not checked: a caller that
        found them valid UTF-8 calls :meth:`confirm_utf8`. None for binary files.
        """
        if self._undecoded is not None:
            bom = self._undecoded.startswith(b"\xef\xbb\xbf")
            return self._undecoded[3:] if bom else self._undecoded
        return None if self._text is None else self._text.encode("utf-8")

    def undecoded_bytes(self) -> bytes | None:
        """The bytes of a file not decoded yet, as on disk (a BOM included); None once decoded."""
        return self._undecoded

    def count_char(self, char: str) -> int:
        """How often the ASCII character ``char`` occurs in the text (counted in the bytes of a file
        not decoded yet)."""
        if self._undecoded is not None:
            return self._undecoded.count(char.encode("ascii"))
        return 0 if self._text is None else self._text.count(char)

    def ends_with(self, text: str) -> bool:
        """True when the file ends with ``text``, line breaks after it ignored (no copy of the file)."""
        if self._undecoded is not None:
            content, suffix = self._undecoded, text.encode("utf-8")
            breaks = (ord("\r"), ord("\n"))
        else:
            content, suffix, breaks = self._text or "", text, ("\r", "\n")
        end = len(content)
        while end and content[end - 1] in breaks:
            end -= 1
        return content.endswith(suffix, 0, end)

    def head(self, n_chars: int = 8192) -> str:
        """The first characters of the decoded text ('' for binary files)."""
        if self._undecoded is not None:
            return self._head_text[:n_chars]
        return "" if self._text is None else self._text[:n_chars]

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
