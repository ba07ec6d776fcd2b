"""News coverage beside the posts: language, syndication, coverage timeline and press lag per event.

Stage ``news`` (:func:`news_dir`) reads the articles (``kind == "article"``) of ``posts.parquet`` and,
when the timeline stage has run, ``complaints.parquet`` and ``spikes.json``; it writes

* ``articles.parquet`` — one row per article: records of the same article from several files (a
  Media Cloud export row and the article text fetched for it) are merged by normalised URL. Columns
  ``article_id, url, outlet, title, language, created_at, time_precision, text, tokens, story,
  is_canonical, record_ids, source_formats``.
* ``syndication.csv`` — one row per story (a group of republished copies): ``story, canonical_article_id,
  canonical_outlet, canonical_title, language, first_seen, last_seen, placements, outlets, outlet_names``.
* ``coverage.csv`` — per bin (China time): ``bin_start, freq, placements, placements_zh, placements_en,
  stories, new_stories, complaints``. A *placement* is one article an outlet ran; ``stories`` counts the
  distinct stories with a placement in the bin, ``new_stories`` those whose first appearance is in the bin;
  ``complaints`` counts complaint posts (``complaints.parquet``, articles excluded).
* ``coverage_lags.csv`` — per event of ``data/events.csv``: the first complaint spike about it, the first
  article about it and the lag between them (see :func:`coverage_lags` for the matching rule).

Language is detected (:func:`detect_language`), not taken from the export. Chinese text goes through the
jieba path (:func:`textkit.tokenize.tokenize`), English through scikit-learn's English analyzer with its
English stop words (:func:`tokenize_articles`).
"""

from __future__ import annotations

import argparse
import os
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from textkit.io import read_json, record_stage, sha256_file, write_csv, write_parquet
from textkit.paths import EVENTS_CSV, LEXICON_DIR
from textkit.schema import CHINA_TZ, STRING, STRING_LIST, TIMESTAMP

# --- language ----------------------------------------------------------------------------------------

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+(?:'[A-Za-z]+)?")
_NON_ENGLISH_LATIN = re.compile(r"[\u00c0-\u024f]")
HAN_PER_WORD = 1.5  # Chinese characters per word, to weigh Han characters against Latin words


def detect_language(text: str | None) -> str:
    """Detect ``zh``, ``en``, ``ja``, ``ko`` or ``und`` (undetermined) from the text's scripts.

    Han characters are weighed against Latin words (1.5 characters ≈ one word), so an English report
    quoting 一码通 stays English and a Chinese post naming an app stays Chinese. Japanese needs kana,
    Korean hangul. Latin-script text is English when English function words make up at least 8% of
    its words (or it is a short headline without non-English letters); other Latin-script languages
    are ``und``. Fewer than 2 Han characters and 2 Latin words is ``und``.
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    if not text:
        return "und"
    text = unicodedata.normalize("NFKC", str(text))
    han = len(_HAN.findall(text))
    kana = len(_KANA.findall(text))
    hangul = len(_HANGUL.findall(text))
    words = _LATIN_WORD.findall(text)
    if hangul >= 2 and hangul >= han:
        return "ko"
    if kana >= 2 and kana * 5 >= han:
        return "ja"
    if han < 2 and len(words) < 2:
        return "und"
    if han / HAN_PER_WORD >= len(words):
        return "zh"
    lowered = [w.lower() for w in words]
    function_share = sum(w in ENGLISH_STOP_WORDS for w in lowered) / len(lowered)
    foreign_letters = len(_NON_ENGLISH_LATIN.findall(text)) / max(1, sum(map(len, words)))
    if foreign_letters > 0.01:
        return "und"
    if function_share >= 0.08 or len(words) <= 12:
        return "en"
    return "und"


def tokenize_articles(texts: list[str], languages: list[str]) -> list[list[str]]:
    """Tokens per text: Chinese (and undetermined text with Han characters) through the jieba path,
    everything else through scikit-learn's English analyzer with English stop words."""
    from sklearn.feature_extraction.text import CountVectorizer

    from textkit.tokenize import tokenize

    english = CountVectorizer(stop_words="english").build_analyzer()
    chinese_index = [
        i
        for i, (text, lang) in enumerate(zip(texts, languages, strict=True))
        if lang == "zh" or (lang not in ("en",) and _HAN.search(text or ""))
    ]
    tokens: list[list[str]] = [english(text or "") for text in texts]
    if chinese_index:
        for i, toks in zip(chinese_index, tokenize([texts[i] or "" for i in chinese_index]), strict=True):
            tokens[i] = list(toks)
    return tokens


# --- one row per article -----------------------------------------------------------------------------

_PRECISION_RANK = {"second": 0, "minute": 1, "day": 2}


def normalise_url(url: str | None) -> str | None:
    """Lower-case scheme and host, drop the fragment, tracking parameters (``utm_*``) and a trailing ``/``."""
    if url is None or (isinstance(url, float) and np.isnan(url)) or not str(url).strip():
        return None
    parts = urlsplit(str(url).strip())
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if not k.lower().startswith("utm_")])
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def merge_articles(posts: pd.DataFrame) -> pd.DataFrame:
    """One row per article from the posts table's article records, merged by normalised URL.

    A researcher often has a Media Cloud export (title, outlet, exact time, no text) and the texts fetched
    for the same URLs (trafilatura, date only): they are one article. The merged row takes the longest
    text, the first title and outlet, and the most precise publication time; ``record_ids`` lists the
    ``post_id`` of every record merged. Records without a URL stay articles of their own.
    """
    records = posts[posts["kind"].astype(str) == "article"].copy()
    if records.empty:
        return _empty_articles()
    records = records.sort_values(["source_file", "source_record", "post_id"], kind="stable")
    keys = records["url"].astype(object).map(normalise_url)
    records["_key"] = keys.where(keys.notna(), "id:" + records["post_id"].astype(str))
    records["_rank"] = records["time_precision"].map(_PRECISION_RANK).fillna(3)
    grouped = records.groupby("_key", sort=False)
    articles = grouped.agg(article_id=("post_id", "first"), title=("title", "first"),
                           outlet=("outlet", "first"), stated=("language", "first"))
    lengths = records["text"].str.len().astype("float64").fillna(-1)
    longest = lengths.groupby(records["_key"], sort=False).idxmax()
    articles["text"] = records.loc[longest.to_numpy(), "text"].to_numpy()
    timed = records.sort_values(["_rank", "created_at"], kind="stable").groupby("_key", sort=False)
    articles["created_at"] = timed["created_at"].first()
    articles["time_precision"] = timed["time_precision"].first()
    articles["record_ids"] = grouped["post_id"].agg(lambda ids: [str(v) for v in ids])
    articles["source_formats"] = grouped["source_format"].agg(lambda names: sorted(set(map(str, names))))
    articles["url"] = [None if key.startswith("id:") else key for key in articles.index]
    pairs = zip(articles["title"].astype(object), articles["text"].astype(object), strict=True)
    detected = [detect_language(" ".join(p for p in pair if isinstance(p, str))) for pair in pairs]
    articles["language"] = [lang if lang != "und" or pd.isna(stated) else stated
                            for lang, stated in zip(detected, articles["stated"], strict=True)]
    articles = articles.reset_index(drop=True)[
        ["article_id", "url", "outlet", "title", "language", "created_at", "time_precision", "text",
         "record_ids", "source_formats"]]
    articles = articles.sort_values(["created_at", "article_id"], kind="stable").reset_index(drop=True)
    for column in ("article_id", "url", "outlet", "title", "language", "time_precision", "text"):
        articles[column] = articles[column].astype(STRING)
    articles["created_at"] = pd.to_datetime(articles["created_at"]).dt.tz_convert(CHINA_TZ).astype(TIMESTAMP)
    for column in ("record_ids", "source_formats"):
        articles[column] = articles[column].astype(STRING_LIST)
    return articles


def _empty_articles() -> pd.DataFrame:
    columns = {c: pd.Series([], dtype=STRING) for c in ("article_id", "url", "outlet", "title", "language")}
    columns["created_at"] = pd.Series([], dtype=TIMESTAMP)
    columns["time_precision"] = pd.Series([], dtype=STRING)
    columns["text"] = pd.Series([], dtype=STRING)
    columns["record_ids"] = pd.Series([], dtype=STRING_LIST)
    columns["source_formats"] = pd.Series([], dtype=STRING_LIST)
    return pd.DataFrame(columns)


# --- syndication -------------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")
_KEEP_CJK = re.compile(r"[^\w]+")
MIN_BODY_CHARS = 200  # shorter texts are compared on headline + text


def shingles(text: str, language: str, *, word_n: int = 3, char_n: int = 4) -> set[str]:
    """The set of overlapping pieces two copies of a story share: word ``word_n``-grams for Latin-script
    text, character ``char_n``-grams (punctuation and spaces removed) for Chinese and other text."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    if language != "zh" and not _HAN.search(text):
        words = _WORD.findall(text)
        if len(words) < word_n:
            return {" ".join(words)} if words else set()
        return {" ".join(words[i : i + word_n]) for i in range(len(words) - word_n + 1)}
    chars = _KEEP_CJK.sub("", text)
    if len(chars) < char_n:
        return {chars} if chars else set()
    return {chars[i : i + char_n] for i in range(len(chars) - char_n + 1)}


def syndication_basis(title: str | None, text: str | None) -> str:
    """What copies are compared on: the body when it is long enough, else headline and body together."""
    body = text or ""
    return body if len(body) >= MIN_BODY_CHARS else " ".join(p for p in (title, text) if p)


def group_syndicated(
    bases: list[str],
    languages: list[str],
    *,
    jaccard: float = 0.45,
    containment: float = 0.8,
    min_shingles: int = 20,
    max_df: float = 0.05,
    min_df_cap: int = 50,
    block: int = 2000,
) -> np.ndarray:
    """Group near-duplicate texts (republished copies of one story); return a group label per text.

    Two texts are copies when the Jaccard similarity of their shingle sets (:func:`shingles`) is at least
    ``jaccard``, or when at least ``containment`` of the smaller set lies in the larger (a shortened
    copy; both sets need ``min_shingles`` pieces). Groups are the connected components of that relation.
    Pieces found in more than ``max_df`` of the texts (and in more than ``min_df_cap`` texts) are stock
    phrases and boilerplate, not evidence of copying: they are left out of both sets. Exact, no sampling:
    intersections come from a sparse product, ``block`` rows at a time.
    """
    n = len(bases)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    vocabulary: dict[str, int] = {}
    indices: list[int] = []
    indptr = [0]
    for base, language in zip(bases, languages, strict=True):
        pieces = sorted(shingles(base, language))
        indices.extend(vocabulary.setdefault(p, len(vocabulary)) for p in pieces)
        indptr.append(len(indices))
    matrix = csr_matrix(
        (np.ones(len(indices), dtype=np.int32), indices, indptr), shape=(n, max(1, len(vocabulary)))
    )
    document_frequency = np.bincount(matrix.indices, minlength=matrix.shape[1])
    common = document_frequency > max(min_df_cap, max_df * n)
    if common.any():
        matrix = matrix[:, np.flatnonzero(~common)].tocsr()
    sizes = np.diff(matrix.indptr)
    transposed = matrix.T.tocsr()
    rows, cols = [], []
    for start in range(0, n, block):
        inter = (matrix[start : start + block] @ transposed).tocoo()
        i = inter.row + start
        j = inter.col
        keep = i < j
        i, j, common = i[keep], j[keep], inter.data[keep].astype(float)
        union = sizes[i] + sizes[j] - common
        smaller = np.minimum(sizes[i], sizes[j])
        similar = (common / np.maximum(union, 1) >= jaccard) | (
            (smaller >= min_shingles) & (common / np.maximum(smaller, 1) >= containment)
        )
        rows.append(i[similar])
        cols.append(j[similar])
    i = np.concatenate(rows)
    j = np.concatenate(cols)
    graph = csr_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels


def assign_stories(articles: pd.DataFrame, **params) -> pd.DataFrame:
    """Add ``story`` (Int64, numbered by first appearance) and ``is_canonical`` (the earliest placement)."""
    articles = articles.sort_values(["created_at", "article_id"], kind="stable").reset_index(drop=True)
    bases = [
        syndication_basis(t, x)
        for t, x in zip(
            articles["title"].astype(object).where(articles["title"].notna(), None),
            articles["text"].astype(object).where(articles["text"].notna(), None),
            strict=True,
        )
    ]
    labels = group_syndicated(bases, articles["language"].fillna("und").astype(str).tolist(), **params)
    first_position = {}
    for position, label in enumerate(labels):
        first_position.setdefault(label, position)
    order = {label: rank for rank, label in enumerate(sorted(first_position, key=first_position.get))}
    articles["story"] = pd.array([order[label] for label in labels], dtype="Int64")
    articles["is_canonical"] = ~articles["story"].duplicated()
    return articles


def syndication_table(articles: pd.DataFrame) -> pd.DataFrame:
    """One row per story: its canonical (first) article, first/last appearance and the outlets that ran it."""
    ordered = articles.sort_values(["created_at", "article_id"], kind="stable")
    ordered = ordered[ordered["story"].notna()]
    grouped = ordered.groupby("story", sort=True)
    first = grouped.head(1).set_index("story").sort_index()  # each story's earliest placement
    outlets: dict[int, dict[str, None]] = {}  # per story its outlets in order of appearance
    for story, outlet in zip(ordered["story"].tolist(),
                             ordered["outlet"].fillna("(unknown outlet)").astype(str).tolist(), strict=True):
        outlets.setdefault(story, {})[outlet] = None
    rows = [
        {
            "story": int(story),
            "canonical_article_id": article_id,
            "canonical_outlet": outlet,
            "canonical_title": title,
            "language": language,
            "first_seen": first_seen.isoformat(),
            "last_seen": last_seen.isoformat(),
            "placements": placements,
            "outlets": len(outlets[story]),
            "outlet_names": "; ".join(outlets[story]),
        }
        for story, article_id, outlet, title, language, first_seen, last_seen, placements in zip(
            first.index.tolist(), first["article_id"].tolist(), first["outlet"].tolist(),
            first["title"].tolist(), first["language"].tolist(), first["created_at"].tolist(),
            grouped["created_at"].max().tolist(), grouped.size().tolist(), strict=True)
    ]
    columns = [
        "story",
        "canonical_article_id",
        "canonical_outlet",
        "canonical_title",
        "language",
        "first_seen",
        "last_seen",
        "placements",
        "outlets",
        "outlet_names",
    ]
    return pd.DataFrame(rows, columns=columns)


# --- coverage timeline -------------------------------------------------------------------------------

FREQS = {"H": "h", "D": "D"}


def coverage_timeline(
    articles: pd.DataFrame, complaints: pd.DataFrame | None = None, *, freq: str = "D"
) -> pd.DataFrame:
    """Stories and placements per bin (China time, zero-filled) beside complaint volume.

    ``complaints`` is ``complaints.parquet`` (``platform, created_at, complaint``); news records in it
    are left out. Without it the ``complaints`` column is missing values.
    """
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {', '.join(FREQS)}, not {freq!r}")
    step = FREQS[freq]
    bins = articles["created_at"].dt.tz_convert(CHINA_TZ).dt.floor(step)
    complaint_bins = None
    if complaints is not None:
        voices = complaints[
            (complaints["platform"].astype(str) != "news") & (complaints["complaint"].astype(int) == 1)
        ]
        complaint_bins = pd.to_datetime(voices["created_at"]).dt.tz_convert(CHINA_TZ).dt.floor(step)
    edges = [s for s in (bins, complaint_bins) if s is not None and len(s)]
    if not edges:
        return pd.DataFrame(
            columns=[
                "bin_start",
                "freq",
                "placements",
                "placements_zh",
                "placements_en",
                "stories",
                "new_stories",
                "complaints",
            ]
        )
    index = pd.date_range(min(s.min() for s in edges), max(s.max() for s in edges), freq=step, tz=CHINA_TZ)
    frame = pd.DataFrame(
        {
            "bin": bins,
            "story": articles["story"],
            "language": articles["language"],
            "canonical": articles["is_canonical"],
        }
    )
    grouped = frame.groupby("bin")
    table = pd.DataFrame(index=index)
    table["placements"] = grouped.size().reindex(index, fill_value=0)
    for language in ("zh", "en"):
        table[f"placements_{language}"] = (
            frame[frame["language"] == language].groupby("bin").size().reindex(index, fill_value=0)
        )
    table["stories"] = grouped["story"].nunique().reindex(index, fill_value=0)
    table["new_stories"] = frame[frame["canonical"]].groupby("bin").size().reindex(index, fill_value=0)
    if complaint_bins is not None:
        table["complaints"] = complaint_bins.value_counts().reindex(index, fill_value=0).astype("Int64")
    else:
        table["complaints"] = pd.array([pd.NA] * len(index), dtype="Int64")
    table = table.astype({c: "int64" for c in table.columns if c != "complaints"})
    table.insert(0, "freq", freq)
    table.insert(0, "bin_start", [t.isoformat() for t in index])
    return table.reset_index(drop=True)


# --- press lag per event -----------------------------------------------------------------------------

EVENT_KEYWORDS_CSV = LEXICON_DIR / "news_event_keywords.csv"
_ENGLISH_SUFFIX = re.compile(r"(?:es|s|ed|ing)$")


def event_keywords(
    events: pd.DataFrame, extra_path: str | os.PathLike | None = EVENT_KEYWORDS_CSV
) -> list[list[str]]:
    """Keywords per event: the ``|``-separated ``keywords`` listed for the event's ``label_en`` in
    ``data/lexicon/news_event_keywords.csv`` (editable); for an event not listed there, the tokens of
    ``label_zh`` (jieba path, single characters dropped) and ``label_en`` (English analyzer, words under
    4 letters dropped, suffixes ``s/es/ed/ing`` cut from longer words)."""
    from sklearn.feature_extraction.text import CountVectorizer

    from textkit.tokenize import tokenize

    english = CountVectorizer(stop_words="english").build_analyzer()
    extra: dict[str, list[str]] = {}
    if extra_path is not None and Path(extra_path).exists():
        table = pd.read_csv(extra_path, dtype=str, keep_default_na=False)
        for label, words in zip(table["label_en"], table["keywords"], strict=True):
            extra.setdefault(label.strip(), []).extend(
                w.strip().lower() for w in words.split("|") if w.strip()
            )
    chinese = tokenize(events["label_zh"].astype(str).tolist())
    keywords = []
    for zh_tokens, label_en in zip(chinese, events["label_en"].astype(str), strict=True):
        if label_en.strip() in extra:
            keywords.append(sorted(set(extra[label_en.strip()])))
            continue
        words = [t for t in zh_tokens if len(t) >= 2 and _HAN.search(t)]
        words += [_ENGLISH_SUFFIX.sub("", w) if len(w) > 5 else w for w in english(label_en) if len(w) >= 4]
        keywords.append(sorted(set(words)))
    return keywords


def coverage_lags(
    articles: pd.DataFrame,
    events: pd.DataFrame,
    spikes: list[dict] | None,
    *,
    series: str = "all_complaints",
    min_shared: int = 2,
    lead_hours: float = 12,
    horizon_hours: float = 72,
    keywords_path: str | os.PathLike | None = EVENT_KEYWORDS_CSV,
    keywords: list[list[str]] | None = None,
) -> pd.DataFrame:
    """For each event, the first complaint spike about it, the first article about it, and the lag.

    Rule: the first spike is the earliest spike of ``series`` in ``spikes.json`` whose [start, end]
    overlaps the event's [start, end] (a moment's end is its start). An article is about an event when
    it was published from ``lead_hours`` before the event's start to ``horizon_hours`` after its end and
    its headline + text contain at least ``min_shared`` of the event's keywords (:func:`event_keywords`,
    case-insensitive substring match; ``keywords`` overrides them, one list per event).
    ``lag_hours`` = first article − first spike start (positive: the press followed the complaints);
    ``press_after_event_hours`` = first article − event start.
    """
    if keywords is None:
        keywords = event_keywords(events, keywords_path)
    keywords = [[w.lower() for w in words] for words in keywords]
    candidates = [s for s in (spikes or []) if s.get("series") == series]
    haystacks = (
        articles["title"].fillna("").astype(str) + "\n" + articles["text"].fillna("").astype(str)
    ).str.lower()
    rows = []
    for (_, event), words in zip(events.iterrows(), keywords, strict=True):
        start = event["start"]
        end = event["end"] if not pd.isna(event["end"]) else start
        spike = _first_spike(candidates, start, end)
        in_window = (articles["created_at"] >= start - pd.Timedelta(hours=lead_hours)) & (
            articles["created_at"] <= end + pd.Timedelta(hours=horizon_hours)
        )
        shared = haystacks.map(lambda text, words=words: sum(w in text for w in words))
        about = articles[in_window & (shared >= min_shared)].sort_values(["created_at", "article_id"])
        first = about.iloc[0] if len(about) else None
        spike_start = pd.Timestamp(spike["start"]).tz_convert(CHINA_TZ) if spike else None
        rows.append(
            {
                "event_start": start.isoformat(),
                "label_en": event["label_en"],
                "label_zh": event["label_zh"],
                "keywords": "|".join(words),
                "first_spike_id": spike["id"] if spike else None,
                "first_spike_start": spike_start.isoformat() if spike else None,
                "first_spike_peak": spike["peak"] if spike else None,
                "first_article_id": first["article_id"] if first is not None else None,
                "first_article_at": first["created_at"].isoformat() if first is not None else None,
                "first_article_outlet": first["outlet"] if first is not None else None,
                "first_article_title": first["title"] if first is not None else None,
                "articles": len(about),
                "stories": int(about["story"].nunique()) if len(about) else 0,
                "lag_hours": _hours(first["created_at"] - spike_start)
                if first is not None and spike
                else None,
                "press_after_event_hours": _hours(first["created_at"] - start) if first is not None else None,
            }
        )
    return pd.DataFrame(rows)


def _first_spike(spikes: list[dict], start: pd.Timestamp, end: pd.Timestamp) -> dict | None:
    overlapping = [s for s in spikes if pd.Timestamp(s["start"]) <= end and pd.Timestamp(s["end"]) >= start]
    return min(overlapping, key=lambda s: (pd.Timestamp(s["start"]), str(s["id"])), default=None)


def _hours(delta: pd.Timedelta) -> float:
    return round(delta.total_seconds() / 3600, 2)


# --- the stage ---------------------------------------------------------------------------------------


def news_dir(
    analysis_dir: str | os.PathLike,
    *,
    freq: str = "D",
    events_path: str | os.PathLike | None = None,
    jaccard: float = 0.45,
    containment: float = 0.8,
) -> dict:
    """Stage ``news``: ``posts.parquet`` (+ ``complaints.parquet``, ``spikes.json``) → ``articles.parquet``,
    ``syndication.csv``, ``coverage.csv``, ``coverage_lags.csv``; record provenance; return the report."""
    folder = Path(analysis_dir)
    posts_path = folder / "posts.parquet"
    if not posts_path.exists():
        raise FileNotFoundError(f"{posts_path} not found: run `textkit ingest ... --out {folder}` first")
    complaints_path = folder / "complaints.parquet"
    events_path = Path(events_path) if events_path is not None else EVENTS_CSV
    spikes_path = folder / "spikes.json"
    inputs = [p for p in (posts_path, complaints_path, spikes_path, events_path) if p.exists()]
    with ThreadPoolExecutor(max_workers=1) as hashing:  # the inputs' hashes, beside the work (no GIL)
        digests = hashing.map(sha256_file, inputs)
        report = _news(folder, posts_path, complaints_path, spikes_path, events_path, freq,
                       jaccard, containment)
        report["inputs"] = {p.name: digest for p, digest in zip(inputs, digests, strict=True)}
    record_stage(folder, "news", report)
    return report


ARTICLE_COLUMNS = ("post_id", "kind", "source_file", "source_record", "source_format", "url", "outlet",
                   "title", "language", "text", "created_at", "time_precision")
BATCH_ROWS = 65_536


def read_article_records(posts_path: str | os.PathLike) -> pd.DataFrame:
    """The article records (``kind == "article"``) of a ``posts.parquet``, with the columns
    :func:`merge_articles` uses, as ``pd.read_parquet`` would give them.

    The ``kind`` column is read first; the other columns are then read batch by batch only up to the
    last article record, so a corpus of a million posts with its articles together is not decoded whole.
    """
    source = pq.ParquetFile(posts_path)
    kind = source.read(columns=["kind"]).column(0)
    rows = pc.indices_nonzero(pc.fill_null(pc.equal(kind, "article"), False)).to_numpy()
    present = set(source.schema_arrow.names)
    columns = [c for c in ARTICLE_COLUMNS if c in present]
    batches = []
    if len(rows):
        start, last = 0, int(rows[-1])
        for batch in source.iter_batches(batch_size=BATCH_ROWS, columns=columns, use_threads=True):
            inside = rows[(rows >= start) & (rows < start + batch.num_rows)] - start
            if len(inside):
                batches.append(batch.take(pa.array(inside)))
            start += batch.num_rows
            if start > last:
                break
    schema = source.schema_arrow
    table = pa.Table.from_batches(batches, schema=pa.schema([schema.field(c) for c in columns],
                                                            metadata=schema.metadata))
    return table.to_pandas()


def _complaint_times(path: Path) -> pd.DataFrame:
    """The rows of ``complaints.parquet`` that :func:`coverage_timeline` counts (complaints, not news),
    columns ``platform, created_at, complaint``."""
    table = pq.read_table(path, columns=["platform", "created_at", "complaint"])
    counted = pc.and_(pc.not_equal(table["platform"], "news"), pc.equal(table["complaint"], 1))
    return table.filter(pc.fill_null(counted, False)).to_pandas()


def _news(folder: Path, posts_path: Path, complaints_path: Path, spikes_path: Path, events_path: Path,
          freq: str, jaccard: float, containment: float) -> dict:
    """The work of :func:`news_dir` (all but the inputs' hashes and the provenance record)."""
    from textkit.events import load_events

    posts = read_article_records(posts_path)
    articles = merge_articles(posts)
    articles = assign_stories(articles, jaccard=jaccard, containment=containment)
    texts = [
        " ".join(p for p in (t, x) if isinstance(p, str))
        for t, x in zip(articles["title"].astype(object), articles["text"].astype(object), strict=True)
    ]
    articles["tokens"] = pd.Series(
        tokenize_articles(texts, articles["language"].fillna("und").tolist()),
        dtype=STRING_LIST,
        index=articles.index,
    )
    write_parquet(folder / "articles.parquet", articles)

    syndication = syndication_table(articles)
    write_csv(folder / "syndication.csv", syndication)

    complaints = _complaint_times(complaints_path) if complaints_path.exists() else None
    coverage = coverage_timeline(articles, complaints, freq=freq)
    write_csv(folder / "coverage.csv", coverage)

    spikes = read_json(spikes_path) if spikes_path.exists() else None
    lags = coverage_lags(articles, load_events(events_path), spikes)
    write_csv(folder / "coverage_lags.csv", lags)

    return {
        "freq": freq,
        "article_records": int((posts["kind"].astype(str) == "article").sum()),
        "articles": len(articles),
        "stories": int(articles["story"].nunique()),
        "syndicated_stories": int((syndication["placements"] > 1).sum()),
        "languages": {k: int(v) for k, v in articles["language"].value_counts().sort_index().items()},
        "outlets": int(articles["outlet"].nunique()),
        "complaints_used": complaints is not None,
        "spikes_used": spikes is not None,
        "events_with_lag": int(lags["lag_hours"].notna().sum()),
        "params": {"jaccard": jaccard, "containment": containment},
    }


def register(subparsers) -> argparse.ArgumentParser:
    """The ``textkit news`` subcommand."""
    parser = subparsers.add_parser(
        "news",
        help="news coverage: syndication groups, coverage timeline, press lag per event",
        description="Group republished articles, count coverage beside complaints, and measure how long "
        "after the first complaint spike the press covered each event.",
    )
    parser.add_argument("analysis_dir", help="analysis folder holding posts.parquet (after ingest)")
    parser.add_argument("--freq", choices=tuple(FREQS), default="D", help="coverage bin: hour or day")
    parser.add_argument("--events", help="events CSV (default data/events.csv)")
    parser.set_defaults(func=_main)
    return parser


def _main(args: argparse.Namespace) -> int:
    report = news_dir(args.analysis_dir, freq=args.freq, events_path=args.events)
    print(
        f"articles {report['articles']}  stories {report['stories']}  "
        f"syndicated {report['syndicated_stories']}  outlets {report['outlets']}"
    )
    print(f"events with a press lag: {report['events_with_lag']}")
    return 0
