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
# # 05 · Export charts: from a spike to a chart a newsroom can publish
#
# The journalist's path: pick the spike the story is about, check what drove it, then export the
# charts in the house style, in Chinese and English, at the size the outlet needs. Every chart comes
# as a **bundle** with one file stem:
#
# | file | for |
# |---|---|
# | `.png` | web/CMS, 2× pixels (retina) |
# | `.svg` | the graphics desk: text stays editable |
# | `.outlined.svg` | the same with text as outlines: looks identical on every machine |
# | `.pdf` | print; the Chinese text can be selected and searched |
# | `.csv` | "get the data": exactly the values drawn |
# | `.alt.txt` | alt text for the CMS (also embedded in the PNG, SVG and PDF) |
# | `.provenance.json` | inputs with sha256, parameters, textkit version, time range, synthetic flag |
#
# Chinese text uses Noto Sans CJK SC, registered from the files that `make install` puts in place
# (no font cache, no boxes). The headline states the finding and is written from the data; override
# any text in the `ChartSpec`. When the analysis ran on the bundled **synthetic** sample, every source
# line says so ("Synthetic demo data" / "合成示例数据").

# %% tags=["parameters"]
ANALYSIS_DIR = "../build/sample"
FIGURES_DIR = None  # default: the analysis folder's figures/
LANGS = ["zh", "en"]
PRESETS = ["web"]

# %%
# ruff: noqa: E402  (notebook cells import after the parameters cell)
from pathlib import Path

import pandas as pd
from IPython.display import Image, Markdown

from textkit import io as tkio
from textkit import pipeline
from textkit.charts import ChartSpec, charts_dir, export_chart, load_labels, spike_chart, timeline_chart
from textkit.events import load_events

analysis = pipeline.ensure(ANALYSIS_DIR, "timeline")
figures = Path(FIGURES_DIR) if FIGURES_DIR else analysis / "figures"
provenance = tkio.read_provenance(analysis)
synthetic = tkio.is_synthetic(analysis)
Markdown(f"Analysis folder `{analysis}` · synthetic data: **{synthetic}** · "
         f"stages run: {', '.join(provenance['stages'])}")

# %% [markdown]
# ## 1. Which spike? The complaint spikes, largest first
#
# `spikes.json` (written by the timeline stage) lists each spike with its window, its size above the
# seasonal baseline and its explanation. We chart the largest complaint spike.

# %%
spikes = tkio.read_json(analysis / "spikes.json")
complaint_spikes = sorted((s for s in spikes if s["series"] == "all_complaints"), key=lambda s: -s["size"])
pd.DataFrame([{k: s[k] for k in ("id", "start", "peak", "end", "size", "ratio")} for s in complaint_spikes])

# %%
spike = complaint_spikes[0]
pd.DataFrame(spike["explanation"]["terms"]).head(10)

# %% [markdown]
# ## 2. Draw the spike's explanation and look at it
#
# `spike_chart` turns the spike's distinguishing terms into a bar chart. The headline and subtitle are
# written from the numbers; English labels come from the glossary (`data/lexicon/glossary.csv`) and
# terms without an entry stay in Chinese.

# %%
labels = load_labels()
freq = provenance["stages"].get("timeline", {}).get("freq", "H")
spec = ChartSpec(lang="en", preset="web", synthetic=synthetic)
chart = spike_chart(spike, spec, labels=labels, freq=freq)
paths = export_chart(chart, figures)
Image(filename=str(paths[".png"]), width=700)

# %% [markdown]
# The bundle for this chart, and its alt text:

# %%
pd.DataFrame([{"file": p.name, "bytes": p.stat().st_size} for p in paths.values()])

# %%
Markdown("> " + paths[".alt.txt"].read_text(encoding="utf-8"))

# %% [markdown]
# ## 3. The same chart in Chinese, for a social feed
#
# One spec, another language and size: the 1080 × 1350 px portrait keeps text legible on a phone.

# %%
zh_social = spike_chart(spike, ChartSpec(lang="zh", preset="social", synthetic=synthetic), labels=labels,
                        freq=freq)
zh_paths = export_chart(zh_social, figures)
Image(filename=str(zh_paths[".png"]), width=432)

# %% [markdown]
# ## 4. Put the spike in context: the timeline with events, with our own headline
#
# Any text of the frame can be set in the spec, in both languages at once; the rest is still written
# from the data. Events come from `data/events.csv`: a dashed line for a moment, a shaded band for a
# period, labelled where the label fits and footnoted where it does not.

# %%
timeline = pd.read_csv(analysis / "timeline.csv")
events = load_events()
own = ChartSpec(lang="en", preset="web", synthetic=synthetic,
                notes=[{"en": "Counts include reposts.", "zh": "计数包括转发。"}])
context = timeline_chart(timeline, events, own, labels=labels)
context_paths = export_chart(context, figures)
Image(filename=str(context_paths[".png"]), width=700)

# %% [markdown]
# The CSV beside the chart holds exactly the plotted values (China time, one row per day):

# %%
pd.read_csv(context_paths[".csv"]).head()

# %% [markdown]
# ## 5. The full set for the folder
#
# `charts_dir` (the CLI `textkit chart all DIR --out figures/`) writes every chart kind in each
# language and preset, plus `README.md` listing each chart with its title, alt text and files.

# %%
report = charts_dir(analysis, figures, langs=LANGS, presets=PRESETS)
pd.DataFrame(report["details"])[["stem", "kind", "lang", "preset", "title"]]

# %%
Markdown((figures / "README.md").read_text(encoding="utf-8")[:1500] + "\n\n…")
