"""The ingest report: per file and in total, where every record went.

Invariant, checked for every file: ``records == accepted + duplicates + rejected``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

COUNT_FIELDS = ("records", "accepted", "duplicates", "rejected")


@dataclass
class FileReport:
    """Where the records of one file went."""

    file: str
    format: str | None = None
    encoding: str | None = None
    records: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    replaced_bytes: int = 0
    nul_bytes: int = 0
    posts: int = 0
    authors: int = 0

    def check(self) -> None:
        if self.records != self.accepted + self.duplicates + self.rejected:
            raise AssertionError(f"{self.file}: records {self.records} != accepted {self.accepted} + "
                                 f"duplicates {self.duplicates} + rejected {self.rejected}")


@dataclass
class IngestReport:
    """Per-file reports plus totals; ``to_dict()`` is what ``ingest_report.json`` holds."""

    files: list[FileReport] = field(default_factory=list)
    synthetic: bool = False
    crawl_time: str | None = None
    time_range: tuple[str | None, str | None] = (None, None)

    @property
    def total(self) -> dict:
        total = {name: sum(getattr(f, name) for f in self.files) for name in COUNT_FIELDS}
        total["files"] = len(self.files)
        total["files_with_errors"] = sum(f.error is not None for f in self.files)
        total["warnings"] = sum(len(f.warnings) for f in self.files)
        total["posts"] = sum(f.posts for f in self.files)
        total["authors"] = sum(f.authors for f in self.files)
        return total

    def check(self) -> None:
        """Raise when any file breaks records = accepted + duplicates + rejected."""
        for report in self.files:
            report.check()

    def to_dict(self) -> dict:
        return {
            "files": [asdict(f) for f in self.files],
            "total": self.total,
            "synthetic": self.synthetic,
            "crawl_time": self.crawl_time,
            "time_range": list(self.time_range),
        }

    def table(self) -> pd.DataFrame:
        """One row per file plus a total row (for printing and notebooks)."""
        rows = [{"file": f.file, "format": f.format or "-", "encoding": f.encoding or "-",
                 **{n: getattr(f, n) for n in COUNT_FIELDS}, "warnings": len(f.warnings),
                 "error": f.error or ""} for f in self.files]
        total = self.total
        rows.append({"file": "TOTAL", "format": "", "encoding": "",
                     **{n: total[n] for n in COUNT_FIELDS}, "warnings": total["warnings"], "error": ""})
        return pd.DataFrame(rows)

    def __str__(self) -> str:
        return self.table().to_string(index=False)
