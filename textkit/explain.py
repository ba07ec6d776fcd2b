"""Why a spike happened: distinguishing terms, rising clusters, amplified posts, category mix, events.

For each spike the posts of its series inside the window are contrasted with the same series over a
baseline window just before it (``baseline_days``; the rest of the series when nothing precedes it):

* ``terms`` — log-odds ratio with an informative Dirichlet prior (:mod:`textkit.keyness`) over the
  posts' ``tokens`` (each term once per post), top terms by z with their count in the window;
* ``clusters`` — clusters (``clusters.parquet``) whose share rose most, ``new`` when absent before;
* ``amplified_posts`` — duplicate/repost groups with most records in the window, shown through their
  canonical post's redacted ``text_clean`` with repost / exact / near-duplicate counts;
* ``category_mix`` — complaint categories of the window's posts;
* ``events`` — rows of ``data/events.csv`` that overlap the window or start shortly before it.

:func:`explanation_table` flattens the same content to one DataFrame.
"""

from __future__ import annotations

import pandas as pd

from textkit.complaints import CATEGORIES, NONE
from textkit.keyness import log_odds_dirichlet, term_counts
from textkit.timeline import bin_times

EVENT_LEAD = {"H": pd.Timedelta(hours=6), "D": pd.Timedelta(days=1)}
STEP = {"H": pd.Timedelta(hours=1), "D": pd.Timedelta(days=1)}
POST_PREVIEW = 120


def _series_mask(frame: pd.DataFrame, series: str) -> pd.Series:
    category = frame["category"].astype(str)
    if series == "all_posts":
        return pd.Series(True, index=frame.index)
    if series == "all_complaints":
        return category != NONE
    return category == series


def _terms(window: pd.DataFrame, before: pd.DataFrame, top: int, min_count: int) -> list[dict]:
    ranked = log_odds_dirichlet(term_counts(window["tokens"]), term_counts(before["tokens"]))
    ranked = ranked[(ranked["count_a"] >= min_count) & (ranked["z"] > 0)]
    ranked = ranked[ranked["term"].str.strip().str.len() > 0].head(top)
    return [{"term": r.term, "z": round(float(r.z), 3), "count": int(r.count_a),
             "baseline_count": int(r.count_b)} for r in ranked.itertuples(index=False)]


def _clusters(window: pd.DataFrame, before: pd.DataFrame, clusters: pd.DataFrame | None, top: int) -> list:
    if clusters is None or clusters.empty:
        return []
    keys = ["platform", "post_id"]
    columns = [c for c in ("cluster", "cluster_label") if c in clusters.columns]
    lookup = clusters[keys + columns].drop_duplicates(keys)
    inside = window[keys].merge(lookup, on=keys, how="inner")
    outside = before[keys].merge(lookup, on=keys, how="inner")
    inside, outside = inside[inside["cluster"] >= 0], outside[outside["cluster"] >= 0]
    if inside.empty:
        return []
    share_in = inside["cluster"].value_counts(normalize=True)
    share_out = outside["cluster"].value_counts(normalize=True)
    counts_in = inside["cluster"].value_counts()
    labels = (inside.drop_duplicates("cluster").set_index("cluster")["cluster_label"]
              if "cluster_label" in inside.columns else pd.Series(dtype=str))
    table = pd.DataFrame({"share": share_in, "count": counts_in})
    table["baseline_share"] = share_out.reindex(table.index).fillna(0.0)
    table["rise"] = table["share"] - table["baseline_share"]
    table = table[table["rise"] > 0].sort_values(["rise", "count"], ascending=False).head(top)
    return [{"cluster": int(k), "label": str(labels.get(k, "")) if len(labels) else "",
             "count": int(r["count"]), "share": round(float(r["share"]), 4),
             "baseline_share": round(float(r["baseline_share"]), 4), "new": bool(r["baseline_share"] == 0)}
            for k, r in table.iterrows()]


def _amplified_posts(window: pd.DataFrame, frame: pd.DataFrame, top: int) -> list[dict]:
    kind = window["dup_kind"].astype(str)
    flags = pd.DataFrame({
        "dup_group": window["dup_group"].to_numpy(), "author_id": window["author_id"].to_numpy(),
        "reposts": (kind == "repost").to_numpy(int), "exact": (kind == "exact").to_numpy(int),
        "near": (kind == "near").to_numpy(int),
    })
    grouped = flags.groupby("dup_group")
    sizes = grouped[["reposts", "exact", "near"]].sum()
    sizes["posts"] = grouped.size()
    sizes["authors"] = grouped["author_id"].nunique()
    sizes = sizes[sizes["posts"] >= 2].sort_values(["posts", "authors"], ascending=False).head(top)
    if sizes.empty:
        return []
    heads = frame["is_canonical"].fillna(False).astype(bool) & frame["dup_group"].isin(sizes.index)
    canonical = frame[heads].drop_duplicates("dup_group").set_index("dup_group")
    posts = []
    for group, row in sizes.iterrows():
        if group in canonical.index:
            head = canonical.loc[group]
        else:
            head = window[window["dup_group"] == group].iloc[0]
        text = str(head["text_clean"]) if pd.notna(head["text_clean"]) else ""
        posts.append({
            "dup_group": int(group), "platform": str(head["platform"]), "post_id": str(head["post_id"]),
            "category": str(head["category"]), "text_clean": text[:POST_PREVIEW],
            "posts": int(row["posts"]), "authors": int(row["authors"]), "reposts": int(row["reposts"]),
            "exact": int(row["exact"]), "near": int(row["near"]),
        })
    return posts


def _events(events: pd.DataFrame | None, start: pd.Timestamp, end: pd.Timestamp, freq: str) -> list[dict]:
    if events is None or events.empty:
        return []
    ends = events["end"].fillna(events["start"])
    hit = (events["start"] <= end + STEP[freq]) & (ends >= start - EVENT_LEAD[freq])
    return [{"start": r.start.isoformat(), "end": r.end.isoformat() if pd.notna(r.end) else None,
             "label_zh": r.label_zh, "label_en": r.label_en, "kind": r.kind, "source": r.source}
            for r in events[hit].itertuples(index=False)]


def _default_events() -> pd.DataFrame | None:
    from textkit.events import load_events
    from textkit.paths import EVENTS_CSV

    return load_events() if EVENTS_CSV.exists() else None


def explain_spikes(
    spikes: list[dict],
    frame: pd.DataFrame,
    *,
    freq: str = "H",
    clusters: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    baseline_days: int = 7,
    top_terms: int = 15,
    top_posts: int = 5,
    min_count: int = 3,
) -> list[dict]:
    """Add ``events`` and ``explanation`` to each spike (dicts from :func:`textkit.spikes.detect_spikes`).

    ``frame`` is the prepared table joined with :func:`textkit.complaints.detect` output (needs
    ``created_at``, ``category``, ``tokens``, ``dup_group``, ``dup_kind``, ``is_canonical``,
    ``text_clean``, ``author_id``, ``platform``, ``post_id``). ``events`` defaults to ``data/events.csv``.
    """
    events = _default_events() if events is None else events
    bins = bin_times(frame["created_at"], freq)
    explained = []
    for spike in spikes:
        start, end = pd.Timestamp(spike["start"]), pd.Timestamp(spike["end"])
        in_series = _series_mask(frame, spike["series"])
        inside = in_series & (bins >= start) & (bins <= end)
        before = in_series & (bins < start) & (bins >= start - pd.Timedelta(days=baseline_days))
        if before.sum() < 20:
            before = in_series & ~inside
        window, base = frame[inside], frame[before]
        mix = window["category"].astype(str).value_counts()
        explanation = {
            "terms": _terms(window, base, top_terms, min_count),
            "clusters": _clusters(window, base, clusters, top_posts),
            "amplified_posts": _amplified_posts(window, frame, top_posts),
            "category_mix": {c: int(mix.get(c, 0)) for c in (*CATEGORIES, NONE)},
        }
        explained.append({**spike, "events": _events(events, start, end, freq), "explanation": explanation})
    return explained


def explanation_table(spikes: list[dict]) -> pd.DataFrame:
    """One row per explanation item: ``spike``, ``part`` (term, cluster, post, category, event), ``rank``,
    ``item``, ``value`` (z, share, posts or count) and ``count``."""
    rows = []
    for spike in spikes:
        explanation = spike.get("explanation", {})
        for rank, term in enumerate(explanation.get("terms", []), 1):
            rows.append((spike["id"], "term", rank, term["term"], term["z"], term["count"]))
        for rank, cluster in enumerate(explanation.get("clusters", []), 1):
            rows.append((spike["id"], "cluster", rank, cluster["label"] or str(cluster["cluster"]),
                         cluster["share"], cluster["count"]))
        for rank, post in enumerate(explanation.get("amplified_posts", []), 1):
            rows.append((spike["id"], "post", rank, post["text_clean"], post["posts"], post["reposts"]))
        mix = sorted(explanation.get("category_mix", {}).items(), key=lambda kv: -kv[1])
        for rank, (category, count) in enumerate(mix, 1):
            rows.append((spike["id"], "category", rank, category, count, count))
        for rank, event in enumerate(spike.get("events", []), 1):
            rows.append((spike["id"], "event", rank, event["label_en"], None, None))
    return pd.DataFrame(rows, columns=["spike", "part", "rank", "item", "value", "count"])
