"""Views of prepared posts (``prepared.parquet``) for notebooks and reports.

* :func:`cleaning_examples` — posts where cleaning or redaction changed something, one kind at a time;
* :func:`dup_kind_shares`, :func:`group_sizes` — how much of the corpus is copies and reposts;
* :func:`duplicate_groups` — every group with copies: size, authors, kinds, time span and its busiest hour
  (a repost storm is a big group packed into a few hours);
* :func:`groups_over_time`, :func:`voices_over_time` — posts per time bin for chosen groups, and all
  posts against unique voices (canonical posts, one per duplicate / repost group).

Texts shown come from the redacted columns only (``text``, ``text_clean``).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from textkit.dedup import DUP_KINDS
from textkit.schema import CHINA_TZ

# kind of example -> regex on the redacted, uncleaned `text` that cleaning changed (None: a repost chain
# is a post with own words before its chain, personal data a post with pii_types)
EXAMPLE_KINDS: dict[str, str | None] = {
    "link": r"https?://|t\.cn/|网页链接",
    "repost chain": None,
    "fold marker": r"展开全文|收起全文",
    "html": r"<br|<a |&[a-z]+;",
    "full-width": "[\uff01-\uff5e]",
    "emoticon": r"\[[^\[\]]{1,8}\]",
    "personal data": None,
}
SIZE_BINS = (1, 2, 3, 6, 21, 101)
SIZE_LABELS = ("1", "2", "3–5", "6–20", "21–100", "101+")


def cleaning_examples(prepared: pd.DataFrame, *, per_kind: int = 1) -> pd.DataFrame:
    """Up to ``per_kind`` posts for each kind of :data:`EXAMPLE_KINDS` where cleaning changed the text.

    Columns: ``kind``, ``post_id``, ``text`` (redacted, as scraped), ``text_clean``, ``own_text``,
    ``chain_depth``, ``quoted_text``, ``pii_types``. Each post appears once, under the first kind it
    shows; the first matching posts in (``created_at``, ``post_id``) order are taken, so the choice is
    deterministic.
    """
    frame = prepared.sort_values(["created_at", "post_id"], kind="stable")
    frame = frame[frame["text"].notna().to_numpy()]
    changed = (frame["text"].astype(str) != frame["text_clean"].astype(str)).to_numpy()
    rows, shown = [], np.zeros(len(frame), dtype=bool)
    for kind, pattern in EXAMPLE_KINDS.items():
        if kind == "repost chain":  # one with both own words and a quoted text
            hit = ((frame["chain_depth"] > 0).to_numpy(dtype=bool, na_value=False)
                   & (frame["own_text"].str.len() > 0).to_numpy(dtype=bool, na_value=False)
                   & (frame["quoted_text"].str.len() > 0).to_numpy(dtype=bool, na_value=False))
        elif pattern is None:
            hit = (frame["pii_types"].map(len) > 0).to_numpy()
        else:
            hit = frame["text"].str.contains(pattern, regex=True).fillna(False).to_numpy(dtype=bool) & changed
        positions = np.flatnonzero(hit & ~shown)[:per_kind]
        shown[positions] = True
        rows.append(frame.iloc[positions].assign(kind=kind))
    columns = ["kind", "post_id", "text", "text_clean", "own_text", "chain_depth", "quoted_text", "pii_types"]
    return pd.concat(rows, ignore_index=True)[columns]


def dup_kind_shares(prepared: pd.DataFrame) -> pd.DataFrame:
    """Posts and share of all posts per ``dup_kind`` (unique, exact, near, repost)."""
    counts = prepared["dup_kind"].astype(str).value_counts().reindex(list(DUP_KINDS), fill_value=0)
    table = counts.rename("posts").rename_axis("dup_kind").to_frame()
    table["share"] = (table["posts"] / max(len(prepared), 1)).round(4)
    return table


def group_sizes(prepared: pd.DataFrame) -> pd.DataFrame:
    """Duplicate groups by size (1, 2, 3–5, 6–20, 21–100, 101+): number of groups and their posts."""
    sizes = prepared.groupby("dup_group").size()
    buckets = pd.cut(sizes, bins=[*SIZE_BINS, np.inf], right=False, labels=list(SIZE_LABELS))
    table = pd.DataFrame({"groups": sizes.groupby(buckets, observed=False).size(),
                          "posts": sizes.groupby(buckets, observed=False).sum()})
    table.index = table.index.astype(str)
    table.index.name = "group size"
    table["share_of_posts"] = (table["posts"] / max(len(prepared), 1)).round(4)
    return table


def _hour(times: pd.Series) -> pd.Series:
    return times.dt.tz_convert(CHINA_TZ).dt.floor("h")


def duplicate_groups(prepared: pd.DataFrame, *, min_posts: int = 2) -> pd.DataFrame:
    """Every duplicate group with at least ``min_posts`` posts, biggest first (ties by ``dup_group``).

    Columns: ``dup_group``, ``posts``, ``authors`` (distinct pseudonymised authors), one column per
    ``dup_kind``, ``first``, ``last``, ``hours`` (time span), ``peak_hour`` and ``peak_hour_posts``
    (its busiest clock hour), ``canonical_post_id``.
    """
    frame = prepared[["dup_group", "dup_kind", "author_id", "created_at", "is_canonical", "post_id"]]
    sizes = frame.groupby("dup_group").size()
    keep = sizes[sizes >= min_posts].index
    frame = frame[frame["dup_group"].isin(keep).to_numpy()]
    columns = ["dup_group", "posts", "authors", *DUP_KINDS, "first", "last", "hours", "peak_hour",
               "peak_hour_posts", "canonical_post_id"]
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    grouped = frame.groupby("dup_group")
    table = pd.DataFrame({
        "posts": grouped.size(),
        "authors": grouped["author_id"].nunique(),
        "first": grouped["created_at"].min(),
        "last": grouped["created_at"].max(),
    })
    kinds = pd.crosstab(frame["dup_group"], frame["dup_kind"].astype(str))
    for kind in DUP_KINDS:
        table[kind] = kinds[kind] if kind in kinds.columns else 0
    table["hours"] = ((table["last"] - table["first"]).dt.total_seconds() / 3600).round(2)
    per_hour = frame.assign(hour=_hour(frame["created_at"])).groupby(["dup_group", "hour"]).size()
    per_hour = per_hour.rename("n").reset_index()
    per_hour = per_hour.sort_values(["dup_group", "n", "hour"], ascending=[True, False, True])
    peak = per_hour.drop_duplicates("dup_group").set_index("dup_group")
    table["peak_hour"] = peak["hour"]
    table["peak_hour_posts"] = peak["n"]
    canonical = frame[frame["is_canonical"].astype(bool).to_numpy()].drop_duplicates("dup_group")
    table["canonical_post_id"] = canonical.set_index("dup_group")["post_id"]
    table = table.reset_index().sort_values(["posts", "dup_group"], ascending=[False, True],
                                            ignore_index=True)
    return table[columns]


def groups_over_time(prepared: pd.DataFrame, groups: Iterable[int], *, freq: str = "h") -> pd.DataFrame:
    """Posts per time bin (China time) of each of ``groups``: index ``bin_start``, one column per group."""
    wanted = list(groups)
    timed = prepared["created_at"].notna().to_numpy()
    frame = prepared[prepared["dup_group"].isin(wanted).to_numpy() & timed]
    bins = frame["created_at"].dt.tz_convert(CHINA_TZ).dt.floor(freq).rename("bin_start")
    table = frame.groupby([bins, frame["dup_group"]]).size().unstack("dup_group", fill_value=0)
    table = table.reindex(columns=wanted, fill_value=0)
    if len(table):
        full = pd.date_range(table.index.min(), table.index.max(), freq=freq, name="bin_start")
        table = table.reindex(full, fill_value=0)
    return table


def voices_over_time(prepared: pd.DataFrame, *, freq: str = "D") -> pd.DataFrame:
    """All posts, unique voices (canonical posts) and amplified posts (the rest) per time bin."""
    frame = prepared[prepared["created_at"].notna().to_numpy()]
    bins = frame["created_at"].dt.tz_convert(CHINA_TZ).dt.floor(freq).rename("bin_start")
    canonical = frame["is_canonical"].astype(bool).to_numpy()
    table = pd.DataFrame({
        "posts": frame.groupby(bins).size(),
        "unique_voices": pd.Series(canonical, index=frame.index).groupby(bins).sum().astype(int),
    })
    table["amplified"] = table["posts"] - table["unique_voices"]
    return table
