"""Charts a newsroom can publish: house style, CJK fonts, bilingual texts and the export bundle.

>>> from textkit.charts import ChartSpec, timeline_chart, export_chart
>>> chart = timeline_chart(timeline, events, ChartSpec(lang="zh", preset="web", synthetic=True))
>>> export_chart(chart, "figures/")

:func:`charts_dir` writes the full set for an analysis folder (``textkit chart all DIR``).
"""

from __future__ import annotations

from textkit.charts.export import charts_dir, export_chart
from textkit.charts.fonts import FontError, register_cjk_fonts
from textkit.charts.kinds import (
    KINDS,
    Chart,
    amplification_chart,
    clusters_chart,
    spike_chart,
    terms_chart,
    timeline_chart,
    top_terms,
)
from textkit.charts.style import PRESETS, ChartSpec, Labels, load_labels

__all__ = [
    "KINDS",
    "PRESETS",
    "Chart",
    "ChartSpec",
    "FontError",
    "Labels",
    "amplification_chart",
    "charts_dir",
    "clusters_chart",
    "export_chart",
    "load_labels",
    "register_cjk_fonts",
    "spike_chart",
    "terms_chart",
    "timeline_chart",
    "top_terms",
]
