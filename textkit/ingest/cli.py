"""``textkit ingest PATH... --out DIR``: scraper files → posts.parquet, ingest_report.json, rejected.jsonl."""

from __future__ import annotations

import argparse
import sys
import unicodedata

from textkit.ingest.api import ingest_dir, mapping_readers
from textkit.ingest.base import READERS
from textkit.ingest.report import COUNT_FIELDS


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``ingest`` subcommand."""
    import textkit.ingest  # noqa: F401  (registers every reader)

    parser = subparsers.add_parser(
        "ingest", help="read scraper files into posts.parquet with a full accounting of every record",
        description="Read scraper files and folders (recursively) into one posts table. Writes "
        "DIR/posts.parquet, DIR/ingest_report.json and DIR/rejected.jsonl (and DIR/authors.parquet "
        "when the files hold user records).",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="scraper files or folders")
    parser.add_argument("--out", required=True, metavar="DIR", help="analysis folder to write")
    parser.add_argument("--crawl-time", metavar="ISO",
                        help="when the files were scraped (resolves 3小时前, 昨天 12:30, 12月20日 09:15)")
    parser.add_argument("--format", dest="fmt", metavar="NAME",
                        help="force one reader instead of detecting: " + ", ".join(sorted(READERS))
                        + ", or the name of a --mapping")
    parser.add_argument("--mapping", dest="mappings", metavar="FILE", action="append", default=[],
                        help="a column-mapping JSON file for the generic reader (repeatable): files with "
                        "the columns it names are read with it, before any built-in reader is asked; "
                        "see docs/formats.md")
    parser.add_argument("--jobs", type=int, metavar="N",
                        help="worker processes for large inputs (default: one per core; 1: none, e.g. on a "
                        "machine whose cores are busy); the output is the same")
    parser.set_defaults(func=_main, ingest_parser=parser)
    return parser


def _main(args: argparse.Namespace) -> int:
    try:
        readers = mapping_readers(args.mappings)
    except (OSError, ValueError) as error:
        args.ingest_parser.error(f"--mapping: {error}")
    if args.fmt and args.fmt not in READERS and args.fmt not in {r.name for r in readers}:
        args.ingest_parser.error(f"--format: unknown format {args.fmt!r}; formats are: "
                                 f"{', '.join(sorted(READERS))}")
    if args.jobs is not None and args.jobs < 1:
        args.ingest_parser.error("--jobs: give 1 or more")
    report = ingest_dir(args.paths, args.out, crawl_time=args.crawl_time, fmt=args.fmt,
                        mappings=[r.mapping for r in readers], n_jobs=args.jobs)
    rows = [[f["file"], f["format"] or "-", f["encoding"] or "-", *(str(f[n]) for n in COUNT_FIELDS),
             str(len(f["warnings"]))] for f in report["files"]]
    total = report["total"]
    rows.append(["TOTAL", "", "", *(str(total[n]) for n in COUNT_FIELDS), str(total["warnings"])])
    head = ["file", "format", "encoding", *COUNT_FIELDS, "warnings"]
    widths = [max(_width(r[i]) for r in [head, *rows]) for i in range(len(head))]
    for row in [head, *rows]:
        cells = [_pad(v, w, left=i < 3) for i, (v, w) in enumerate(zip(row, widths, strict=True))]
        print("  ".join(cells))
    for f in report["files"]:
        if f["error"]:
            print(f"error: {f['error']}", file=sys.stderr)
        for warning in f["warnings"]:
            print(f"warning: {f['file']}: {warning}", file=sys.stderr)
    if report["synthetic"]:
        print("note: synthetic corpus (textkit_synthetic.json)")
    print(f"wrote {args.out}/posts.parquet ({total['posts']} posts), ingest_report.json, rejected.jsonl"
          f" ({total['rejected']} rejected)")
    return 0


def _width(text: str) -> int:
    """Display width in a terminal (CJK characters take two columns)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, *, left: bool) -> str:
    fill = " " * (width - _width(text))
    return text + fill if left else fill + text
