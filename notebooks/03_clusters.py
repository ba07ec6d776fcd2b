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
# # 03 · Clusters: what people are talking about, in labelled groups a journalist can quote
#
# `textkit.cluster` groups the prepared posts into topics without anyone reading them all:
#
# 1. **features**: the jieba tokens of each post plus the characters of its multi-character words
#    (short posts that share no word still share characters), TF-IDF with sublinear counts;
# 2. **LSA** (truncated SVD) and **k-means** give a first grouping; k is chosen by silhouette unless
#    you give `K`;
# 3. a **naive-Bayes EM** refinement re-assigns posts until the grouping is stable — this is what makes
#    the fast path good on short Chinese text (see the README results table);
# 4. posts far from every cluster centre (or with no known word) form the **outlier cluster −1**.
#
# The model is fitted on **unique voices** (one canonical post per duplicate / repost group), so a repost
# storm does not become a topic by volume alone; every post is then assigned, and copies follow their
# canonical post. Cluster ids are ordered by size and identical on re-runs of the same data.
#
# Labels are the cluster's most distinctive words (class TF-IDF) with an English gloss from
# `data/lexicon/glossary.csv`; representative posts are canonical posts nearest the cluster centre,
# shown from the **redacted** `text_clean`. Researchers rename or merge clusters in
# `data/cluster_curation.csv` (or `<analysis folder>/cluster_curation.csv`), matched on top terms so it
# survives re-runs.

# %% tags=["parameters"]
ANALYSIS_DIR = "../build/sample"
K = None  # number of clusters (None: chosen automatically)
FREQ = "D"  # time bin of topics over time, D (day) or H (hour)

# %%
# ruff: noqa: E402  (notebook cells import after the parameters cell)
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from textkit import pipeline
from textkit.cluster import CURATION_CSV, cluster_dir, load_curation
from textkit.io import is_synthetic, read_provenance

folder = Path(pipeline.ensure(ANALYSIS_DIR, "cluster"))
stage = read_provenance(folder)["stages"].get("cluster", {})
if stage.get("k_requested") != K or stage.get("freq") != FREQ:
    cluster_dir(folder, k=K, freq=FREQ)
    stage = read_provenance(folder)["stages"]["cluster"]
labels = pd.read_csv(folder / "cluster_labels.csv", keep_default_na=False)
assignments = pd.read_parquet(folder / "clusters.parquet")
over_time = pd.read_csv(folder / "clusters_over_time.csv")
over_time["bin_start"] = pd.to_datetime(over_time["bin_start"])
plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "WenQuanYi Micro Hei", "DejaVu Sans"]
plt.rcParams["axes.unicode_minus"] = False
print(f"analysis folder: {folder.resolve().name} · synthetic: {is_synthetic(folder)}")
print(f"{stage['posts']:,} posts ({stage['fit_posts']:,} unique voices used to fit) → "
      f"{stage['clusters']} clusters, {stage['outliers']:,} outliers")

# %% [markdown]
# ## The clusters
# One row per cluster, largest first (−1, the outliers, last). `size` counts every post, `unique_voices`
# only canonical posts; a cluster whose size is far above its unique voices is driven by reposts.

# %%
labels[["cluster", "size", "unique_voices", "label_zh", "label_en", "top_terms"]]

# %%
shown = labels[labels["cluster"] >= 0]
fig, ax = plt.subplots(figsize=(10, 0.4 * len(shown) + 1))
names = [f"{row.cluster}: {row.label_en}" for row in shown.itertuples()]
ax.barh(names, shown["size"], color="#ff7f0e", label="all posts")
ax.barh(names, shown["unique_voices"], color="#1f77b4", label="unique voices")
ax.invert_yaxis()
ax.set_xlabel("posts")
ax.legend(loc="lower right")
fig.tight_layout()

# %% [markdown]
# ## Representative posts
# The canonical posts nearest each cluster centre, from the redacted text (phones, ID numbers and the
# like are already placeholders; authors are pseudonyms).

# %%
for row in labels.itertuples():
    print(f"[{row.cluster}] {row.label_zh} — {row.label_en}  (ids: {row.representative_post_ids})")
    for text in filter(None, row.representative_texts.split(" | ")):
        print(f"    · {text}")

# %% [markdown]
# ## Terms the glossary does not translate yet
# English labels keep a Chinese word when `data/lexicon/glossary.csv` has no entry for it. Add a line
# `zh,en` for each term worth translating and re-run the stage.

# %%
pd.Series(stage["untranslated_terms"], name="untranslated term").to_frame()

# %% [markdown]
# ## Topics over time
# Posts per bin and cluster (China time), total and unique voices. Bins without posts are zero.

# %%
top = shown["cluster"].head(6).tolist()
fig, axes = plt.subplots(2, 1, figsize=(12, 6), sharex=True)
for ax, column, title in zip(axes, ("posts", "unique_voices"), ("all posts", "unique voices"), strict=True):
    pivot = over_time[over_time["cluster"].isin(top)].pivot(index="bin_start", columns="cluster",
                                                            values=column)
    for cluster in top:
        name = shown.loc[shown["cluster"] == cluster, "label_en"].item()
        ax.plot(pivot.index, pivot[cluster], lw=1.3, label=f"{cluster}: {name}")
    ax.set_ylabel(f"{title} per {'day' if FREQ == 'D' else 'hour'}")
axes[0].legend(loc="upper left", fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## Curation: rename and merge clusters
# `cluster_curation.csv` has one row per change: `match_terms` (words that must all be among a
# cluster's top terms; or `cluster`, an id, which can change between runs), `label_zh` / `label_en`
# (the names to publish) and `merge_into` (top terms of the cluster to merge into). It is re-applied on
# every run; rows that match no cluster are listed here so stale rows are noticed.

# %%
curation_file = folder / "cluster_curation.csv"
print(f"curation file: {curation_file if curation_file.exists() else CURATION_CSV}")
load_curation(curation_file if curation_file.exists() else CURATION_CSV)

# %%
pd.DataFrame(stage["curation"]["rows"])
