# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · Ingest: scraper files → one posts table, with every record accounted for
#
# Researchers collect Weibo posts with many tools (dataabc weibo-crawler, weiboSpider and
# weibo-search, nghuyong/WeiboSpider, MediaCrawler, …), each with its own columns, date forms,
# count abbreviations and damage. `textkit.ingest` reads all of them into **one table** whose schema
# is defined once in `textkit.schema`:
#
# * the format of each file is detected from its headers/keys (override with `--format`);
# * times end up in China time; relative and yearless forms (`3小时前`, `12月20日 09:15`) are resolved
#   against the crawl time, never against today's clock;
# * counts keep their lower bound (`10万+` → 100000 with `counts_lower_bound`);
# * **nothing is lost**: for every file, records = accepted + duplicates + rejected, and every
#   rejected record is in `rejected.jsonl` with its reason.
#
# This notebook shows the ingest report, the schema and the posts per hour. It shows no post text
# (that appears only after redaction, in notebook 02). With the bundled sample every post is invented.

# %% tags=["parameters"]
ANALYSIS_DIR = "../build/sample"
INPUT_PATHS = ["../data/raw/sample"]
CRAWL_TIME = None

# %%
# ruff: noqa: E402, B018  (notebook cells import after the parameters cell and end in a displayed value)
import json
import re
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown

from textkit import pipeline, schema
from textkit.ingest import ingest_dir, load_posts
from textkit.io import is_synthetic, read_json

folder = Path(ANALYSIS_DIR)
if CRAWL_TIME is not None:
    ingest_dir(INPUT_PATHS, folder, crawl_time=CRAWL_TIME)
pipeline.ensure(folder, "ingest", sources=INPUT_PATHS)
report = read_json(folder / "ingest_report.json")
posts = load_posts(folder)
plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "WenQuanYi Micro Hei", "DejaVu Sans"]
plt.rcParams["axes.unicode_minus"] = False
print(f"analysis folder: {folder.resolve().name} · synthetic: {is_synthetic(folder)} · posts: {len(posts):,}")

# %% [markdown]
# ## The ingest report
#
# One row per file: the detected format and encoding, and where its records went. A file that could not
# be read at all (an image, an empty file, an unknown layout) has an `error` and counts as rejected.

# %%
files = pd.DataFrame(report["files"])
files["file"] = files["file"].map(lambda p: Path(p).name)
table = files[["file", "format", "encoding", "records", "accepted", "duplicates", "rejected"]].copy()
table["warnings"] = files["warnings"].map(len)
table["error"] = files["error"].fillna("")
assert (files["records"] == files["accepted"] + files["duplicates"] + files["rejected"]).all()
total = report["total"]
print(f"records {total['records']:,} = accepted {total['accepted']:,} + duplicates {total['duplicates']:,}"
      f" + rejected {total['rejected']:,}")
table

# %% [markdown]
# Warnings say what ingest repaired (repeated header rows, realigned columns, replaced bytes, surrogate
# ids for Excel-mangled ids). Rejected records, grouped by reason (the raw records are in
# `rejected.jsonl`):

# %%
warnings = [(Path(f["file"]).name, w) for f in report["files"] for w in f["warnings"]]
display_warnings = pd.DataFrame(warnings, columns=["file", "warning"])
rejected_path = folder / "rejected.jsonl"
rejected = [json.loads(line) for line in rejected_path.read_text(encoding="utf-8").splitlines() if line]
def short_reason(rejection: dict) -> str:
    if not rejection["record"]:
        return "whole file: " + rejection["reason"]
    return re.split(r"[:(]", rejection["reason"])[0].strip()


reasons = pd.Series([short_reason(r) for r in rejected], dtype="string")
display_warnings if len(display_warnings) else "no warnings"

# %%
reasons.value_counts().rename_axis("reason").to_frame("records") if len(reasons) else "nothing rejected"

# %% [markdown]
# ## The posts schema
#
# Every reader produces exactly these columns (`textkit.schema.POST_COLUMNS`); later stages add columns
# and never rename these. The row key across all artefacts is (`platform`, `post_id`).

# %%
Markdown(schema.markdown_table())

# %%
overview = pd.DataFrame({
    "posts": posts.groupby(["source_format", "kind"]).size(),
    "with time": posts.groupby(["source_format", "kind"])["created_at"].count(),
})
overview

# %% [markdown]
# ## Posts per hour (China time)
#
# All records, per hour of `created_at` (Asia/Shanghai). Day-precision times (old weibo-crawler
# files) are left out of the hourly count and reported separately.

# %%
timed = posts[posts["time_precision"].isin(["second", "minute"]) & posts["created_at"].notna()]
per_hour = timed.set_index("created_at").groupby("kind").resample("h").size().unstack(0, fill_value=0)
print(f"day-precision posts left out: {(posts['time_precision'] == 'day').sum():,}")
fig, ax = plt.subplots(figsize=(11, 3.5))
if len(per_hour):
    per_hour.plot.area(ax=ax, stacked=True, linewidth=0)
ax.set_title("Posts per hour by kind (China time)")
ax.set_xlabel("")
ax.set_ylabel("records per hour")
fig.tight_layout()

# %% [markdown]
# ## Counts and time ranges
#
# Like, comment and repost counts with the share of lower bounds (`10万+`-style values), and the time range
# covered by each format.

# %%
summary = posts.groupby("source_format").agg(
    first=("created_at", "min"), last=("created_at", "max"),
    median_likes=("likes", "median"), lower_bounds=("counts_lower_bound", "sum"),
)
summary
