"""Open an input file: sniff its kind, detect its encoding, decode it without ever crashing.

Text files are decoded as UTF-8 (with or without BOM) when they are UTF-8, else as GB18030 (a
superset of GBK/GB2312, what Chinese Windows tools write). Undecodable bytes become U+FFFD and are
counted; NUL bytes are removed and counted. Binary files other than SQLite and XLSX (images, PDFs,
archives) raise :class:`UnreadableFile` with the reason, which ingest reports against the file.
"""

from __future__ import annotations

import codecs
import os
import zipfile
from pathlib import Path

import pandas as pd

from textkit.ingest.base import SourceFile

_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip archive (decompress it first)",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"Rar!": "a RAR archive",
    b"BZh": "a bzip2 archive (decompress it first)",
    b"\xd0\xcf\x11\xe0": "an old Excel/Word file (.xls/.doc): save it as .xlsx or CSV",
    b"RIFF": "a RIFF media file",
    b"\x00\x00\x00": "a binary file",
}
SQLITE_MAGIC = b"SQLite format 3\x00"
_LAZY_BYTES = 1 << 20  # larger text files are decoded only when a reader needs the text
_HEAD_BYTES = 1 << 18  # what sniffers of a not yet decoded file see


class UnreadableFile(ValueError):
    """The file cannot be read as scraper output; the message names the file and the reason."""


class _ReplacementCounter:
    """A codecs error handler that replaces undecodable bytes with U+FFFD and counts them."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, error: UnicodeDecodeError) -> tuple[str, int]:
        self.count += error.end - error.start
        return "\ufffd", error.end


def _decode(data: bytes, encoding: str) -> tuple[str, int]:
    counter = _ReplacementCounter()
    name = f"textkit-count-{id(counter)}"
    codecs.register_error(name, counter)
    return data.decode(encoding, errors=name), counter.count


def decode_bytes(data: bytes) -> tuple[str, str, int]:
    """Decode ``data``; return (text, encoding name, number of replaced bytes).

    UTF-8 wins when it decodes cleanly or with only a handful of bad bytes (a truncated or damaged
    UTF-8 file); otherwise GB18030, whose two-byte codes cover GBK/GB2312.
    """
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[3:] if bom else data
    try:
        return body.decode("utf-8"), ("utf-8-sig" if bom else "utf-8"), 0
    except UnicodeDecodeError:
        pass
    utf8_text, utf8_bad = _decode(body, "utf-8")
    if bom or utf8_bad <= max(8, len(body) // 1000):
        return utf8_text, ("utf-8-sig" if bom else "utf-8"), utf8_bad
    gb_text, gb_bad = _decode(data, "gb18030")
    if gb_bad < utf8_bad:
        return gb_text, "gb18030", gb_bad
    return utf8_text, "utf-8", utf8_bad


def _binary_kind(path: Path, head: bytes) -> str | None:
    """'sqlite' / 'xlsx' for binary formats we read, None for text; raise for other binaries."""
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                if any(name.startswith("xl/") for name in archive.namelist()):
                    return "xlsx"
        except zipfile.BadZipFile as error:
            raise UnreadableFile(f"{path}: damaged zip/XLSX file ({error})") from None
        raise UnreadableFile(f"{path}: a zip archive, not scraper output (unpack it first)")
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise UnreadableFile(f"{path}: {what}, not scraper output")
    sample = head[:4096]
    if sample and sample.count(b"\x00") > len(sample) // 10:
        raise UnreadableFile(f"{path}: binary content (many NUL bytes), not a text file")
    return None


def open_source(
    path: str | os.PathLike, display_path: str | None = None, crawl_time: pd.Timestamp | None = None
) -> SourceFile:
    """Open and decode one file. Raises :class:`UnreadableFile` (naming the file) for unreadable input."""
    path = Path(path)
    display = display_path if display_path is not None else str(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
            kind = _binary_kind(path, head)
            if kind is not None:
                return SourceFile(path, display, "binary", None, crawl_time=crawl_time, kind=kind)
            fh.seek(0)
            data = fh.read()  # not head + rest: that would copy the whole file once more
    except OSError as error:
        raise UnreadableFile(f"{display}: cannot be read ({error.strerror or error})") from None
    if not data or data.isspace():
        raise UnreadableFile(f"{display}: empty file")
    nul_bytes = data.count(b"\x00") if b"\x00" in data else 0
    if nul_bytes:
        data = data.replace(b"\x00", b"")
    head = _utf8_head(data) if len(data) > _LAZY_BYTES else None
    if head is not None:
        encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
        return SourceFile(path, display, encoding, None, nul_bytes=nul_bytes, crawl_time=crawl_time,
                          undecoded=data, decode=decode_bytes, head_text=head)
    text, encoding, replaced = decode_bytes(data)
    return SourceFile(path, display, encoding, text, replaced_bytes=replaced, nul_bytes=nul_bytes,
                      crawl_time=crawl_time)


def _utf8_head(data: bytes) -> str | None:
    """The decoded start of ``data`` (BOM removed) when it is UTF-8 (a character cut off at its end
    allowed), else None."""
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return codecs.getincrementaldecoder("utf-8")().decode(data[start:start + _HEAD_BYTES], final=False)
    except UnicodeDecodeError:
        return None
