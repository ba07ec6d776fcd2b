"""Ingest: read scraper files of every supported format into one posts table (see textkit.schema)."""

from textkit.ingest.base import READERS, Reader, ReadResult, Rejection, SourceFile, register_reader

__all__ = ["READERS", "ReadResult", "Reader", "Rejection", "SourceFile", "register_reader"]
