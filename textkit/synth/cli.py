"""``textkit synth``: write the synthetic demo corpus (scraper files + ground truth + marker)."""

from __future__ import annotations

import argparse

from textkit.synth import DEFAULT_N, DEFAULT_SEED, generate


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "synth",
        help="write a synthetic Xi'an outage corpus in the scrapers' own formats",
        description="Write a synthetic corpus (every post invented, the event timeline real) as "
        "weibo-search, "
        "weibo-crawler, nghuyong and MediaCrawler files, with truth/ground_truth.csv.gz and the "
        "textkit_synthetic.json marker. The same --n and --seed give byte-identical files.",
    )
    parser.add_argument("--out", required=True, help="output folder (e.g. data/raw/sample or data/raw/bench)")
    parser.add_argument("--n", type=int, default=DEFAULT_N, help=f"number of records (default {DEFAULT_N})")
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    marker = generate(args.out, n=args.n, seed=args.seed)
    size = sum(info["bytes"] for info in marker["files"].values())
    print(
        f"wrote {marker['records']} synthetic records ({size / 1e6:.1f} MB) in {len(marker['files'])} files "
        f"to {args.out}; {marker['malformed']} deliberately malformed; ground truth in truth/"
    )
    return 0
