"""``textkit chart KIND DIR``: export charts of an analysis folder (the logic is :func:`charts_dir`)."""

from __future__ import annotations

import argparse

from textkit.charts.kinds import KINDS
from textkit.charts.style import LANGS, PRESETS


def register(subparsers) -> argparse.ArgumentParser:
    """The ``textkit chart`` subcommand."""
    parser = subparsers.add_parser(
        "chart", help="export publishable charts (PNG, SVG, PDF, CSV, alt text, provenance)",
        description="Draw charts of an analysis folder in the house style and write each as a bundle: "
        "PNG at 2×, editable and outlined SVG, PDF, the plotted data as CSV, alt text and provenance.",
    )
    parser.add_argument("kind", choices=(*KINDS, "all"), help="chart kind, or all")
    parser.add_argument("analysis_dir", help="analysis folder (with timeline.csv, spikes.json, ...)")
    parser.add_argument("--lang", action="append", choices=LANGS,
                        help="language (repeat for both; default: zh and en)")
    parser.add_argument("--preset", action="append", choices=tuple(PRESETS),
                        help="size: web 700×500 px, social 1080×1350 px, print 112 mm (repeat; default: web)")
    parser.add_argument("--out", help="output folder (default: DIR/figures)")
    parser.set_defaults(func=_main)
    return parser


def _main(args: argparse.Namespace) -> int:
    from textkit.charts.export import charts_dir

    kinds = KINDS if args.kind == "all" else (args.kind,)
    report = charts_dir(args.analysis_dir, args.out, langs=tuple(args.lang or ("zh", "en")),
                        presets=tuple(args.preset or ("web",)), kinds=kinds)
    for chart in report["details"]:
        print(f"{chart['stem']:<32} {chart['title']}")
    for kind, reason in report["skipped"].items():
        print(f"skipped {kind}: {reason}")
    print(f"wrote {len(report['details'])} chart(s) to {report['out_dir']}")
    return 0
