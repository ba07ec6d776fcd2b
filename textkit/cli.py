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


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every subcommand, or with ``only`` that one (a subcommand imports only what it
    needs: ``textkit ingest`` does not load scikit-learn or matplotlib)."""
    parser = argparse.ArgumentParser(
        prog="textkit",
        description="Study an incident through scraped Chinese social media: ingest, prepare, cluster, "
        "timeline, chart.",
    )
    parser.add_argument("--version", action="version", version=f"textkit {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name in COMMANDS.items():
        if only is None or name == only:
            importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv[0] if argv and argv[0] in COMMANDS else None).parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
