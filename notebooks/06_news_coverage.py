# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 06 · News coverage beside the complaints: when did the press notice, and how many stories was it?
#
# A journalist's first two questions about an incident like the 一码通 crashes:
#
# * **When did residents start complaining, and when did the press notice?** Coverage (articles per day)
#   is put on the same China-time axis as complaint posts, and for every event in `data/events.csv` the
#   first article about it is compared with the first complaint spike about it.
# * **Is this one wire story republished forty times, or forty reports?** Republished copies of one story
#   (a new headline, a cut paragraph, a reworded phrase) are grouped by near-duplicate detection across
#   outlets, so coverage can be counted as **stories** or as **placements** (every copy an outlet ran).
#
# Articles come in through `textkit ingest` like posts (Media Cloud exports, trafilatura/newspaper JSON,
# RSS/Atom feeds; `kind == "article"`), and `textkit.news.news_dir` writes `articles.parquet`,
# `syndication.csv`, `coverage.csv` and `coverage_lags.csv`. With the bundled sample every article and
# outlet is invented (outlets such as "Example Daily" and 示例日报); only the event timeline is real.

# %% tags=["parameters"]
ANALYSIS_DIR = "../build/sample"
FIGURES_DIR = None  # default: the analysis folder's figures/
LANG = "en"

# %%
# ruff: noqa: E402  (notebook cells import after the parameters cell)
from pathlib import Path

import pandas as pd
from IPython.display import Image, display

from textkit import pipeline
from textkit.charts_news import coverage_chart_dir
from textkit.io import is_synthetic
from textkit.news import news_dir

folder = pipeline.ensure(ANALYSIS_DIR, "timeline")
report = news_dir(folder)
articles = pd.read_parquet(folder / "articles.parquet")
syndication = pd.read_csv(folder / "syndication.csv")
coverage = pd.read_csv(folder / "coverage.csv")
lags = pd.read_csv(folder / "coverage_lags.csv")
print(f"analysis folder: {Path(folder).resolve().name} · synthetic: {is_synthetic(folder)}")
print(f"{report['article_records']:,} article records → {report['articles']:,} articles "
      f"(records of one URL merged) → {report['stories']:,} stories from {report['outlets']} outlets")

# %% [markdown]
# ## 1 · The articles
#
# Language is detected from each article's headline and text (Han characters against Latin words), not
# taken from the export: Media Cloud states a language per outlet, which is wrong for bilingual outlets.

# %%
by_language = articles.groupby("language").agg(articles=("article_id", "size"), outlets=("outlet", "nunique"))
by_format = articles["source_formats"].map(lambda formats: " + ".join(formats)).value_counts()
display(by_language)
display(by_format.rename("articles").to_frame())

# %% [markdown]
# ## 2 · Syndication: one story, many placements
#
# Two articles are copies of one story when their text shares most of its word 3-grams (English) or
# character 4-grams (Chinese): Jaccard ≥ 0.45, or ≥ 80% of the shorter copy found in the longer one.
# Each story's canonical article is its first appearance. The largest stories:

# %%
top = syndication.sort_values(["placements", "first_seen"], ascending=[False, True]).head(10)
display(top[["story", "language", "placements", "outlets", "first_seen", "canonical_outlet",
             "canonical_title"]])
syndicated = syndication[syndication["placements"] > 1]
print(f"{len(syndicated) / len(syndication):.0%} of stories ran in more than one outlet; they account for "
      f"{syndicated['placements'].sum() / len(articles):.0%} of placements")

# %% [markdown]
# The copies of the largest story, in order of appearance: the same text under different headlines.

# %%
biggest = top.iloc[0]["story"]
copies = articles[articles["story"] == biggest].sort_values("created_at")
display(copies[["created_at", "outlet", "title", "is_canonical"]])

# %% [markdown]
# ## 3 · Coverage beside complaints
#
# Complaint posts per day (articles excluded) above articles per day, counted as placements (bars) and
# as distinct stories (dots). The same chart is exported with the standard bundle (PNG, SVG, PDF, CSV of
# the plotted values, alt text, provenance) in English and Chinese.

# %%
figures = Path(FIGURES_DIR) if FIGURES_DIR else Path(folder) / "figures"
written = coverage_chart_dir(folder, figures)
display(Image(filename=str(figures / f"coverage_{LANG}_web.png"), width=700))
print("\n".join(sorted(written)))

# %%
busiest = coverage.sort_values("placements", ascending=False).head(5)
display(busiest[["bin_start", "complaints", "placements", "stories", "new_stories"]])

# %% [markdown]
# ## 4 · How long after the complaints did the press write about each event?
#
# For each event: the first complaint spike whose window overlaps the event (`spikes.json`, series
# `all_complaints`), and the first article published from 12 hours before the event to 72 hours after it
# whose headline and text contain at least two of the event's keywords (the tokens of its labels plus
# `data/lexicon/news_event_keywords.csv`). `lag_hours` = first article − start of that spike.

# %%
shown = lags[["event_start", f"label_{LANG}", "first_spike_start", "first_article_at",
              "first_article_outlet", "articles", "stories", "lag_hours", "press_after_event_hours"]]
display(shown)
known = lags["lag_hours"].dropna()
if len(known):
    print(f"{len(known)} events have both a complaint spike and an article; median press lag "
          f"{known.median():.1f} hours after the complaints began to spike")

# %% [markdown]
# ## Limits
#
# * Copies are found within a language: a translated wire story is a separate story.
# * The Media Cloud export has no text; its rows are merged with fetched texts by URL. An article whose
#   text was never fetched is compared on its headline only and usually stays a story of its own.
# * Publication times without a zone are read in the zone the record states, otherwise UTC (Media Cloud's
#   convention); a date without a time counts at midnight of that date and shows `time_precision == "day"`.
# * Event matching is keyword-based: an article about two events in the same week counts for both.
