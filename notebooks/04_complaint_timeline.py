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
# # 04 · Complaint timeline: when people complained, about what, and what drove each spike
#
# This notebook reads one analysis folder and tells the story of the incident from its data:
#
# 1. every post is scored as complaint / not, with a category (outage, medical, supplies, testing,
#    lockdown, governance), a help-request flag and a sentiment score (`textkit.complaints.detect`);
# 2. posts are counted per hour in China time, separately for **unique voices** (one per duplicate or
#    repost group) and **amplification** (reposts and near-copies), against a seasonal baseline
#    (`textkit.timeline`);
# 3. spikes are found with a negative-binomial test against that baseline (`textkit.spikes`) and each
#    one is explained: distinguishing terms, rising clusters, the most amplified posts, the category
#    mix and the events of `data/events.csv` in its window (`textkit.explain`).
#
# Posts are shown only from the redacted `text_clean` column. With the bundled sample every post is
# invented; only the event timeline is real.

# %% tags=["parameters"]
ANALYSIS_DIR = "../build/sample"
FREQ = "H"
TOP_SPIKES = 3

# %%
# ruff: noqa: E402, B018  (notebook cells import after the parameters cell and end in a displayed value)
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from textkit import pipeline
from textkit.complaints import CATEGORIES, category_labels
from textkit.events import load_events
from textkit.explain import explanation_table
from textkit.io import is_synthetic, read_json
from textkit.timeline import read_timeline, timeline_dir

folder = pipeline.ensure(ANALYSIS_DIR, "timeline")
if pd.read_csv(folder / "timeline.csv", nrows=1)["freq"].iloc[0] != FREQ:
    timeline_dir(folder, freq=FREQ)
complaints = pd.read_parquet(folder / "complaints.parquet")
timeline = read_timeline(folder / "timeline.csv")
spikes = read_json(folder / "spikes.json")
events = load_events()
labels = category_labels()
plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "WenQuanYi Micro Hei", "DejaVu Sans"]
plt.rcParams["axes.unicode_minus"] = False
print(f"analysis folder: {Path(folder).resolve().name} · synthetic: {is_synthetic(folder)}")
print(f"{len(complaints):,} posts, {int(complaints['complaint'].sum()):,} complaints, "
      f"{int(complaints['help_request'].sum()):,} help requests")

# %% [markdown]
# ## What people complained about
# Complaints per category, with the share of all posts and the mean sentiment (−1 … 1).

# %%
summary = (
    complaints.assign(category=complaints["category"].astype(str))
    .groupby("category")
    .agg(posts=("post_id", "size"), help_requests=("help_request", "sum"), sentiment=("sentiment", "mean"))
)
summary["share"] = (summary["posts"] / summary["posts"].sum()).round(3)
summary["label_en"] = [labels.get(c, {"en": "not a complaint"})["en"] for c in summary.index]
summary.sort_values("posts", ascending=False).round(3)

# %% [markdown]
# ## Breadth versus amplification
# The top panel shows all complaints per bin split into unique voices (canonical posts) and amplified
# records (reposts, exact and near duplicates), with the seasonal baseline. A repost storm looks like a
# wall of amplification on a thin base of unique voices; a broad wave of complaint is mostly unique
# voices. Shaded bands and lines are the events of `data/events.csv`.

# %%
def series(name: str) -> pd.DataFrame:
    return timeline[timeline["category"] == name].set_index("bin_start")


complaint_series = series("all_complaints")
fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 7), sharex=True, height_ratios=(2, 1))
top.stackplot(complaint_series.index, complaint_series["unique_voices"], complaint_series["amplified"],
              labels=["unique voices", "amplified (reposts, copies)"], colors=["#1f77b4", "#ff7f0e"],
              alpha=0.8)
top.plot(complaint_series.index, complaint_series["baseline"], color="black", lw=0.8, label="baseline")
for event in events.itertuples():
    if pd.notna(event.end) and event.end - event.start > pd.Timedelta(hours=2):
        top.axvspan(event.start, event.end, color="grey", alpha=0.12)
    else:
        top.axvline(event.start, color="grey", lw=0.6, ls="--")
top.set_ylabel(f"complaints per {'hour' if FREQ == 'H' else 'day'}")
top.legend(loc="upper left")
bottom.plot(complaint_series.index, complaint_series["share"], color="#d62728")
bottom.set_ylabel("complaint share of all posts")
lo, hi = complaint_series.index.min(), complaint_series.index.max()
top.set_xlim(lo, hi)
fig.tight_layout()

# %% [markdown]
# ## Categories day by day

# %%
daily = (
    timeline[timeline["category"].isin(CATEGORIES)]
    .assign(day=lambda t: t["bin_start"].dt.floor("D"))
    .pivot_table(index="day", columns="category", values="posts", aggfunc="sum")
)
ax = daily[list(CATEGORIES)].rename(columns={c: labels[c]["en"] for c in CATEGORIES}).plot(
    figsize=(12, 4), lw=1.2)
ax.set_ylabel("complaints per day")
ax.set_xlabel("")
plt.tight_layout()

# %% [markdown]
# ## The complaint spikes
# Largest first. `size` is the number of posts above the baseline over the spike window, `ratio` the
# posts over the baseline, `amplified_share` the part of the window's posts that are reposts or copies.

# %%
complaint_spikes = sorted((s for s in spikes if s["series"] == "all_complaints"), key=lambda s: -s["size"])
spike_table = pd.DataFrame(
    [{k: s[k] for k in ("id", "start", "peak", "end", "size", "baseline", "ratio", "posts", "unique_voices",
                         "amplified_share")} | {"events": "; ".join(e["label_en"] for e in s["events"])}
     for s in complaint_spikes]
)
spike_table

# %% [markdown]
# ## Spike by spike
# For each of the largest spikes: what happened around it (events), which terms set it apart from the
# week before (log-odds with an informative Dirichlet prior; `count` = posts in the window using the
# term), which complaint categories it was made of, and which posts were amplified most.

# %%
for spike in complaint_spikes[:TOP_SPIKES]:
    explanation = spike["explanation"]
    mix = pd.Series(explanation["category_mix"]).sort_values(ascending=False)
    lead = mix.index[0]
    print("=" * 100)
    print(f"{spike['id']}: {spike['start']} → {spike['end']}, peak {spike['peak']}")
    print(f"  {spike['posts']:,} complaint posts where ~{spike['baseline']:.0f} were expected "
          f"(×{spike['ratio']:.1f}); {spike['unique_voices']:,} unique voices, "
          f"{spike['amplified_share']:.0%} amplified")
    print(f"  mostly {labels.get(lead, {'en': lead})['en']} ({mix.iloc[0] / mix.sum():.0%} of the window)")
    for event in spike["events"]:
        print(f"  event: {event['start'][:16]} {event['label_en']} ({event['source']})")
    print("  terms: " + ", ".join(f"{t['term']} ({t['count']})" for t in explanation["terms"][:10]))
    for post in explanation["amplified_posts"][:3]:
        print(f"  amplified ×{post['posts']} ({post['reposts']} reposts, {post['authors']} authors): "
              f"{post['text_clean'][:60]}")

# %% [markdown]
# The same explanations as one table (for filtering or export):

# %%
explanation_table(complaint_spikes[:TOP_SPIKES]).query("part != 'post'").head(40)

# %% [markdown]
# ## Category spikes
# Spikes found in each category's own series show the smaller stories (supplies running out,
# testing queues, blocked medical care) that the overall complaint count can hide.

# %%
pd.DataFrame(
    [{"id": s["id"], "peak": s["peak"], "size": s["size"], "ratio": s["ratio"],
      "terms": " ".join(t["term"] for t in s["explanation"]["terms"][:6])}
     for s in spikes if s["series"] in CATEGORIES]
).head(20)
