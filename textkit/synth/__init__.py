"""Synthetic demo corpus: the Xi'an 一码通 outage in the real scrapers' file formats, with ground truth.

Every post is invented (see the README, "About the sample data"); only the event timeline it follows is real.
:func:`generate` writes the scraper files, ``truth/ground_truth.csv.gz`` and the marker
``textkit_synthetic.json`` that tells ingest the corpus is synthetic and which files are not scraper data.
"""

from __future__ import annotations

import os
from pathlib import Path

from textkit.io import write_json
from textkit.synth.build import CRAWL_TIME, build
from textkit.synth.writers import TRUTH_COLUMNS, TRUTH_FILE, write_all
from textkit.synth_news import generate_articles

MARKER = "textkit_synthetic.json"
DEFAULT_N = 30_000
DEFAULT_SEED = 20211220
TRUTH_README = "truth/README.md"

_TRUTH_DOC = """# Ground truth of the synthetic corpus (not scraper data)

`ground_truth.csv.gz`: one row per generated record, keyed by (`platform`, `post_id`) exactly as ingest
produces them. Columns: `source_file`, `source_format`, `source_record` (1-based record number in the
file), `kind`, `created_at` (exact generated time; relative or day-only forms in the files are coarser),
`author_id`, `theme`, `complaint` (0/1), `category` (outage, medical, supplies, testing, lockdown,
governance or none), `help_request` (0/1), `duplicate_of` (post_id of the first post of the copy family or
of a repost storm's original), `dup_kind`, `pii` and `decoys` (JSON lists of `{type, start, end, value}`
character spans in the text as written in the file; decoys are look-alikes that must not be redacted),
`malformed` (1 = deliberately broken record that ingest must reject), `sentiment` (-1, 0, 1).

`dup_kind`: `repost` = member of a repost storm (short or empty comment, `//@` chain); `exact` = same text
after normalisation (emoticon codes, #topics#, links, 网页链接/展开全文, punctuation and spaces removed,
traditional characters read as simplified, lower case); `near` = a copy-pasted help request with small
edits, or a text whose character 3-grams (normalised) have Jaccard >= 0.8 with an earlier text; `unique`
otherwise. Reposts in a storm carry the labels of the post they repost. PII types: phone, landline,
id_card, email, qq, wechat, plate, bank_card.
"""


def generate(out_dir: str | os.PathLike, n: int = DEFAULT_N, seed: int = DEFAULT_SEED) -> dict:
    """Write a synthetic corpus of ``n`` records into ``out_dir``; return the marker's content.

    The same ``n`` and ``seed`` give byte-identical files.
    """
    out = Path(out_dir)
    corpus = build(n, seed)
    files, truth = write_all(corpus, out)
    out.joinpath(TRUTH_README).write_text(_TRUTH_DOC, encoding="utf-8")
    articles = generate_articles(out)
    malformed = sum(f["malformed"] for f in files.values())
    themes: dict[str, int] = {}
    theme_at = TRUTH_COLUMNS.index("theme")
    for row in truth:
        themes[row[theme_at]] = themes.get(row[theme_at], 0) + 1
    marker = {
        "synthetic": True,
        "generator": "textkit.synth",
        "description": "Synthetic demo corpus: every post is invented; only the event timeline is real.",
        "seed": seed,
        "n": n,
        "records": len(truth),
        "crawl_time": CRAWL_TIME.isoformat(),
        "platform": "weibo",
        "non_data": [TRUTH_FILE, TRUTH_README, *articles["non_data"]],
        "articles": {
            **{k: articles[k] for k in ("articles", "stories", "syndicated_stories", "languages")},
            "files": [f for f in articles["files"] if f not in articles["non_data"]],
        },
        "malformed": malformed,
        "duplicate_ids": 0,
        "files": dict(sorted(files.items())),
        "themes": dict(sorted(themes.items())),
    }
    write_json(out / MARKER, marker)
    return marker
