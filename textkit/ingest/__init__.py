"""Ingest: read scraper files of every supported format into one posts table (see :mod:`textkit.schema`).

``read_posts(paths, crawl_time=None, fmt=None) -> (posts, IngestReport)`` reads files and folders;
``ingest_dir(paths, out_dir, ...)`` also writes ``posts.parquet``, ``ingest_report.json`` and
``rejected.jsonl`` into an analysis folder. Importing this package registers every reader.
"""

from textkit.ingest import (  # noqa: F401  (importing a reader module registers its readers)
    corpora,
    dataabc,
    generic,
    mediacrawler,
    news,
    nghuyong,
    zeeschuimer,
)
from textkit.ingest.api import crawl_time_from_name, expand_paths, ingest_dir, load_posts, read_posts
from textkit.ingest.base import READERS, Reader, ReadResult, Rejection, SourceFile, register_reader
from textkit.ingest.report import FileReport, IngestReport

__all__ = ["READERS", "FileReport", "IngestReport", "ReadResult", "Reader", "Rejection", "SourceFile",
           "crawl_time_from_name", "expand_paths", "ingest_dir", "load_posts", "read_posts",
           "register_reader"]
