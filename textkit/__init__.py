"""textkit: scraped Chinese social-media posts → clean table → clusters → complaint timelines → charts.

Stages (each a function over pandas DataFrames, also reachable from the ``textkit`` CLI):

* :func:`read_posts` — read scraper files into the posts table (:mod:`textkit.schema`);
* :func:`prepare` — clean, redact, de-duplicate and tokenize;
* :class:`textkit.cluster.PostClusterer` — labelled clusters;
* :mod:`textkit.complaints` and :mod:`textkit.timeline` — complaint timelines, spikes, explanations;
* :mod:`textkit.charts` — publishable charts with their data and provenance.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "prepare", "read_posts"]


def __getattr__(name: str):
    # Stages are imported on first use so `import textkit` stays fast.
    if name == "read_posts":
        from textkit.ingest import read_posts

        return read_posts
    if name == "prepare":
        from textkit.prepare import prepare

        return prepare
    raise AttributeError(f"module 'textkit' has no attribute {name!r}")
