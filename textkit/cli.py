"""The ``textkit`` command line. It holds no logic: each stage module registers its own subcommand.

Every module listed in :data:`COMMANDS` defines ``register(subparsers)``, which adds a parser whose
``func`` default takes the parsed arguments and returns an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from textkit import __version__

# subcommand -> module defining register(subparsers)
COMMANDS: dict[str, str] = {
    "run": "textkit.pipeline",
    "ingest": "textkit.ingest.cli",
    "timeline": "textkit.timeline",
    "synth": "textkit.synth.cli",
    "news": "textkit.news",
    "prepare": "textkit.prepare",
    "chart": "textkit.charts.cli",
    "cluster": "textkit.cluster",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="textkit",
        description="Study an incident through scraped Chinese social media: ingest, prepare, cluster, "
        "timeline, chart.",
    )
    parser.add_argument("--version", action="version", version=f"textkit {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMANDS.values():
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
