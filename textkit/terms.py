"""Terms of prepared posts: the most used terms per day and the keyness of chosen days against the rest.

Both read the ``tokens`` and ``created_at`` columns of ``prepared.parquet`` (:mod:`textkit.prepare`) and
count a term once per post (a post that repeats a word does not outweigh ten posts that use it once).
With ``unique_voices=True`` (the default) only canonical posts count (``is_canonical``: one post per
duplicate / repost group), so a repost storm weighs as one voice, not as a thousand.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd

from textkit.keyness import log_odds_dirichlet, term_counts
from textkit.schema import CHINA_TZ

TOP_TERMS_COLUMNS = ("day", "rank", "term", "posts", "share")
KEYNESS_COLUMNS = ("term", "z", "delta", "posts_in_days", "posts_rest")


def post_days(created_at: pd.Series) -> pd.Series:
    """China-time calendar day (:class:`datetime.date`) of each timestamp; missing stays missing."""
    times = pd.to_datetime(created_at)
    if times.dt.tz is None:
        times = times.dt.tz_localize(CHINA_TZ)
    days = times.dt.tz_convert(CHINA_TZ).dt.date
    return days.where(times.notna(), None)


def token_lists_of(tokens: pd.Series) -> list[list[str]]:
    """A ``tokens`` column as Python lists, whether Arrow lists or numpy arrays (``pd.read_parquet``);
    missing → ``[]``."""
    return [list(t) if pd.api.types.is_list_like(t) else [] for t in tokens]


def _voices(prepared: pd.DataFrame, unique_voices: bool) -> pd.DataFrame:
    frame = prepared[["created_at", "tokens", *(["is_canonical"] if unique_voices else [])]]
    if unique_voices:
        frame = frame[frame["is_canonical"].astype(bool).to_numpy()]
    return frame


def top_terms_per_day(prepared: pd.DataFrame, *, top: int = 10, unique_voices: bool = True) -> pd.DataFrame:
    """The ``top`` terms of each China-time day by the number of posts that use them.

    Columns: ``day`` (date), ``rank`` (1 = most used), ``term``, ``posts`` (posts of that day using
    the term), ``share`` (of that day's posts). Ties are broken by term, so the table is deterministic.
    Posts without a time are left out.
    """
    frame = _voices(prepared, unique_voices)
    days = post_days(frame["created_at"])
    known = days.notna().to_numpy()
    frame, days = frame[known], days[known]
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TOP_TERMS_COLUMNS})
    posts_per_day = days.value_counts()
    token_lists = token_lists_of(frame["tokens"])
    lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    pairs = pd.DataFrame({
        "day": np.repeat(days.to_numpy(dtype=object), lengths),
        "post": np.repeat(np.arange(len(frame)), lengths),
        "term": [term for tokens in token_lists for term in tokens],
    }).drop_duplicates(["post", "term"])
    counts = pairs.groupby(["day", "term"]).size().rename("posts").reset_index()
    counts = counts.sort_values(["day", "posts", "term"], ascending=[True, False, True], ignore_index=True)
    counts["rank"] = counts.groupby("day").cumcount() + 1
    counts = counts[counts["rank"] <= top].reset_index(drop=True)
    counts["share"] = (counts["posts"] / counts["day"].map(posts_per_day).astype(float)).round(4)
    return counts[list(TOP_TERMS_COLUMNS)]


def top_terms_table(top_terms: pd.DataFrame, *, top: int = 5) -> pd.DataFrame:
    """One row per day with its ``top`` terms joined by ``、`` (for display)."""
    kept = top_terms[top_terms["rank"] <= top]
    return kept.groupby("day")["term"].agg("、".join).rename("top_terms").to_frame()


def _as_dates(days: Iterable[str | date | pd.Timestamp]) -> set[date]:
    return {pd.Timestamp(d).date() for d in days}


def keyness_of_days(
    prepared: pd.DataFrame,
    days: Iterable[str | date | pd.Timestamp],
    *,
    unique_voices: bool = True,
    min_posts: int = 3,
    alpha0: float = 1000.0,
) -> pd.DataFrame:
    """Terms that distinguish the posts of ``days`` (China time) from all other posts.

    Log-odds ratio with an informative Dirichlet prior (:func:`textkit.keyness.log_odds_dirichlet`),
    counting each term once per post. Columns: ``term``, ``z`` (descending; positive = typical of the
    days), ``delta``, ``posts_in_days``, ``posts_rest``. Terms used by fewer than ``min_posts`` posts
    in all are left out. Posts without a time are left out.
    """
    wanted = _as_dates(days)
    if not wanted:
        raise ValueError("keyness_of_days needs at least one day")
    frame = _voices(prepared, unique_voices)
    post_day = post_days(frame["created_at"])
    known = post_day.notna().to_numpy()
    frame, post_day = frame[known], post_day[known]
    inside = post_day.isin(wanted).to_numpy()
    token_lists = token_lists_of(frame["tokens"])
    counts_in = term_counts(t for t, keep in zip(token_lists, inside, strict=True) if keep)
    counts_rest = term_counts(t for t, keep in zip(token_lists, inside, strict=True) if not keep)
    table = log_odds_dirichlet(counts_in, counts_rest, alpha0=alpha0)
    table = table.rename(columns={"count_a": "posts_in_days", "count_b": "posts_rest"})
    table = table[table["posts_in_days"] + table["posts_rest"] >= min_posts].reset_index(drop=True)
    return table[list(KEYNESS_COLUMNS)]
