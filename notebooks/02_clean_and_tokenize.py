# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · Clean and tokenize: private, de-duplicated, analysis-ready text
#
# Scraped Weibo text is noisy (links, `展开全文`, emoticon codes, full-width characters, repost chains),
# carries personal data (help requests give phone and ID numbers) and is full of copies (repost storms,
# copy-pasted appeals) that make one voice look like a thousand. The `prepare` stage
# (`textkit prepare DIR`, or `textkit.prepare.prepare(posts)`) turns `posts.parquet` into
# `prepared.parquet`:
#
# * **cleaning** (`textkit.clean`): small text-in/text-out functions chained into one pipeline →
#   `text_clean`; repost chains split into `own_text`, `chain_depth` and `quoted_text`; `[表情]` codes kept
#   as emotion tokens (`emotions`); `#话题#` and `@mentions` filled in when the scraper left them empty;
# * **redaction** (`textkit.redact`): phones, landlines, 身份证 numbers (checksum and birth date checked),
#   bank cards (Luhn), e-mails, QQ, WeChat ids and plates → `<PHONE>`, `<ID>` …; authors pseudonymised with
#   a keyed hash;
# * **de-duplication** (`textkit.dedup`): exact copies, near-duplicates and reposts share a `dup_group`;
#   one post per group `is_canonical` — a *unique voice*;
# * **tokens** (`textkit.tokenize`): jieba with the incident dictionary `data/lexicon/userdict.txt`, stop
#   words, and filters for punctuation, numbers and lone characters.
#
# This notebook shows each step at work, the redaction report, the duplicates and repost storms, the top
# terms day by day and the words that set the two outage days apart. Post texts are shown only from
# redacted columns, and only when the analysis folder is synthetic (the bundled sample is invented
# throughout); on real material the tables keep ids, counts and terms.

# %% tags=["parameters"]
ANALYSIS_DIR = "../build/sample"
OUTAGE_DAYS = ["2021-12-20", "2022-01-04"]
TOP_TERMS = 6
TOP_GROUPS = 5
SHOW_POSTS = None  # None: show redacted post texts only when the analysis folder is synthetic

# %%
# ruff: noqa: E402, B018  (notebook cells import after the parameters cell and end in a displayed value)
from datetime import date

import matplotlib.pyplot as plt
import pandas as pd

from textkit import clean, pipeline
from textkit.io import is_synthetic, read_json
from textkit.prepare import REPORT_FILE, load_prepared
from textkit.prepared_views import (
    cleaning_examples,
    dup_kind_shares,
    duplicate_groups,
    group_sizes,
    groups_over_time,
    voices_over_time,
)
from textkit.redact import redact_text
from textkit.terms import keyness_of_days, top_terms_per_day, top_terms_table
from textkit.tokenize import tokenize

folder = pipeline.ensure(ANALYSIS_DIR, "prepare")
prepared = load_prepared(folder)
report = read_json(folder / REPORT_FILE)
show_posts = is_synthetic(folder) if SHOW_POSTS is None else bool(SHOW_POSTS)
social = prepared[prepared["kind"] != "article"]  # news articles (if any) have their own notebook, 06
plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "WenQuanYi Micro Hei", "DejaVu Sans"]
plt.rcParams["axes.unicode_minus"] = False
pd.set_option("display.max_colwidth", 80)
print(f"analysis folder: {folder.resolve().name} · synthetic: {is_synthetic(folder)} · "
      f"redacted: {report['redacted']} · posts: {len(prepared):,} ({len(social):,} social posts)")

# %% [markdown]
# ## 1 · Cleaning, step by step
#
# The default pipeline (`textkit.clean.DEFAULT_PIPELINE`) applies these steps in order. Each is an
# ordinary `str -> str` function; `textkit.clean.make_pipeline(...)` chains your own selection.

# %%
pd.DataFrame(
    [(getattr(step, "name", getattr(step, "__name__", "")),
      getattr(step, "doc", "") or (step.__doc__ or "").strip().splitlines()[0])
     for step in clean.DEFAULT_STEPS],
    columns=["step", "what it does"],
)

# %% [markdown]
# Invented examples, before and after: cleaning, the repost-chain split, redaction and tokens.

# %%
invented = [
    "西安一码通又崩了！！<br />http://t.cn/A6abcd12 ＡＰＰ打不開[泪][泪]...展开全文c",
    "求助！老人需要透析，电话13912345678，身份证110105199003071239，采样管编号110105199003071230",
    "转发一下//@测试用户甲:扩散！//@测试用户乙:#西安疫情求助# 小区封控三天了没有菜",
    "L测试用户丙的微博视频 核酸排队两小时 O网页链接 订单号 2021122012345678901",
]
rows = []
for text in invented:
    cleaned, found = redact_text(clean.clean_text(text))
    own, depth, quoted = clean.split_repost_chain(cleaned)
    rows.append({"before": text, "text_clean": cleaned, "pii": ", ".join(found), "own_text": own,
                 "chain_depth": depth, "quoted_text": quoted, "tokens": " ".join(tokenize([own])[0])})
pd.DataFrame(rows)

# %% [markdown]
# The same on posts of this folder: for each kind of noise, the first post where cleaning changed it
# (`text` is the redacted post as scraped, `text_clean` the cleaned one).

# %%
if show_posts:
    examples = cleaning_examples(social)
else:
    examples = cleaning_examples(social)[["kind", "post_id", "chain_depth", "pii_types"]]
    print("real material: post texts are not shown, only which posts were picked")
examples

# %% [markdown]
# ## 2 · The redaction report
#
# Placeholders written per type (from `prepare_report.json`). A 身份证-shaped number with a wrong check
# character or an impossible birth date, and a card-shaped number failing Luhn, stay as they are: they are
# order, tracking or sample numbers. Turn redaction off only explicitly (`textkit prepare DIR --no-redact`);
# the report and `provenance.json` then say so.

# %%
redactions = pd.Series(report["redactions"], name="placeholders").sort_values(ascending=False)
print(f"posts with personal data: {report['posts_with_pii']:,} of {report['posts']:,} "
      f"({report['posts_with_pii'] / max(report['posts'], 1):.1%}); redacted: {report['redacted']}")
fig, ax = plt.subplots(figsize=(7, 3))
redactions.plot.barh(ax=ax, color="#4c72b0")
ax.invert_yaxis()
ax.set_xlabel("placeholders written")
ax.set_title("Personal data replaced, by type")
fig.tight_layout()
redactions.to_frame()

# %% [markdown]
# ## 3 · Duplicates and repost storms
#
# Every post belongs to one `dup_group`. `unique` is the canonical post of its group; `exact` copies have
# the same normalised text; `near` copies differ by a few characters (character 3-gram Jaccard ≥ 0.75);
# `repost`s have no or few own words and amplify their original.

# %%
dup_kind_shares(social)

# %%
group_sizes(social)

# %% [markdown]
# The biggest groups: how many posts and distinct (pseudonymised) authors, of which kinds, over how long,
# and their busiest hour. A repost storm is a big group packed into a few hours; a copy-pasted appeal
# spreads over days as `exact`/`near` copies.

# %%
groups = duplicate_groups(social)
biggest = groups.head(TOP_GROUPS).copy()
if show_posts:
    canonical_text = social.set_index("post_id")["text_clean"]
    biggest["canonical_text"] = biggest["canonical_post_id"].map(canonical_text)
biggest

# %%
hourly = groups_over_time(social, biggest["dup_group"], freq="h")
fig, ax = plt.subplots(figsize=(12, 3.5))
for group in biggest["dup_group"]:
    ax.plot(hourly.index, hourly[group], lw=1, label=f"group {group}")
ax.set_ylabel("posts per hour")
ax.set_title(f"The {len(biggest)} biggest duplicate groups over time (China time)")
ax.legend(loc="upper right", fontsize=8)
fig.tight_layout()

# %% [markdown]
# All posts against unique voices, per day: the gap is amplification (reposts and copies).

# %%
daily = voices_over_time(social, freq="D")
fig, ax = plt.subplots(figsize=(12, 3.5))
ax.fill_between(daily.index, daily["posts"], color="#ff7f0e", alpha=0.5, label="all posts")
ax.fill_between(daily.index, daily["unique_voices"], color="#1f77b4", alpha=0.8, label="unique voices")
ax.set_ylabel("posts per day")
ax.legend(loc="upper left")
fig.tight_layout()
print(f"unique voices: {int(daily['unique_voices'].sum()):,} of {int(daily['posts'].sum()):,} timed posts "
      f"({daily['unique_voices'].sum() / max(daily['posts'].sum(), 1):.0%})")

# %% [markdown]
# ## 4 · Top terms per day
#
# The terms used by the most unique voices each day (a term counts once per post). Outage days are marked.

# %%
top_terms = top_terms_per_day(social, top=TOP_TERMS)
outage_days = {date.fromisoformat(d) for d in OUTAGE_DAYS}
table = top_terms_table(top_terms, top=TOP_TERMS)
table.insert(0, "outage", ["●" if day in outage_days else "" for day in table.index])
voices_per_day = pd.Series(daily["unique_voices"].to_numpy(), index=daily.index.date)
table["unique_voices"] = voices_per_day.reindex(table.index, fill_value=0)
table

# %% [markdown]
# ## 5 · What set the outage days apart
#
# Keyness of the outage days against all other days: log-odds ratio with an informative Dirichlet prior
# (Monroe, Colaresi & Quinn 2008; `textkit.keyness`), over unique voices, each term counted once per post.
# A positive `z` marks a term typical of the outage days, a negative one a term of the rest of the period.

# %%
keyness = keyness_of_days(social, OUTAGE_DAYS)
print(f"outage days: {', '.join(OUTAGE_DAYS)}")
keyness.head(15).round(2)

# %%
keyness.tail(8).round(2)

# %%
shown = pd.concat([keyness.head(12), keyness.tail(6)])
fig, ax = plt.subplots(figsize=(7, 5))
ax.barh(shown["term"], shown["z"], color=["#d62728" if z > 0 else "#7f7f7f" for z in shown["z"]])
ax.invert_yaxis()
ax.axvline(0, color="black", lw=0.6)
ax.set_xlabel("z (log-odds, informative Dirichlet prior)")
ax.set_title("Terms of the outage days vs the rest")
fig.tight_layout()
