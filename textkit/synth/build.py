"""Build the synthetic corpus in memory: who posts what, when, in which scraper file, copying whom.

:func:`build` returns a :class:`Corpus` (records plus authors); :mod:`textkit.synth.writers` turns it
into scraper files and the ground truth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from textkit.synth import phrases as P
from textkit.synth import volume
from textkit.synth.compose import Composer, Draws

BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
WEIBO_EPOCH = 515483463  # mid >> 22 + this = unix seconds
CRAWL_TIME = volume.END  # every scraper ran right after the last post
END_EPOCH = int(volume.END.timestamp())
CRAWL_EPOCH = int(CRAWL_TIME.timestamp())

# fixed accounts of the weibo-crawler part: key -> (screen name, file kind, role)
ACCOUNTS = {
    "acct_official": ("长安政务速报", "csv", "official"),
    "acct_media": ("秦川都市快讯", "json", "media"),
    "acct_resA": ("雁塔小鹿不吃香菜", "csv", "resident"),
    "acct_resB": ("灞上晚风7021", "csv", "resident"),
    "acct_resC": ("kiki在曲江", "json", "resident"),
}
SEARCH_FILES = ("search1", "search2", "nghuyong")

# repost storms: (time, theme, kind of original, share of the storm budget)
STORMS = (
    ("2021-12-19 21:10", "official", "official", 0.05),
    ("2021-12-20 09:20", "outage", "complaint", 0.16),
    ("2021-12-20 10:40", "news", "news", 0.07),
    ("2021-12-23 00:15", "official", "official", 0.06),
    ("2021-12-24 10:30", "medical", "help", 0.04),
    ("2021-12-27 19:00", "supplies", "complaint", 0.05),
    ("2021-12-30 11:00", "news", "news", 0.03),
    ("2022-01-01 20:30", "medical", "help", 0.05),
    ("2022-01-04 09:25", "outage", "complaint", 0.18),
    ("2022-01-04 10:15", "news", "news", 0.07),
    ("2022-01-05 07:40", "news", "news", 0.08),
    ("2022-01-05 12:10", "medical", "complaint", 0.06),
    ("2022-01-12 10:00", "support", "complaint", 0.03),
    ("2022-01-24 10:00", "official", "official", 0.07),
)
STORM_SHARE = 0.12
COPY_SHARE = 0.03
MIN_N = 1000


@dataclass(slots=True)
class Record:
    """One generated record (post, repost or comment) and its ground truth."""

    idx: int
    time: int
    theme: str
    fmt: str
    author: int
    kind: str = "post"
    text: str = ""
    sentiment: int = 0
    help_request: int = 0
    pii: list = field(default_factory=list)
    decoys: list = field(default_factory=list)
    parent: int = -1
    dup_of: int = -1
    dup_kind: str = "unique"
    malformed: int = 0
    storm: int = -1
    likes: int = 0
    comments: int = 0
    reposts: int = 0
    post_id: str = ""
    bid: str = ""
    simplified: str = ""  # the text before conversion to traditional characters, if converted

    @property
    def complaint(self) -> int:
        return int(self.theme in P.COMPLAINT_THEMES)


@dataclass
class Authors:
    """The author pool: ids, nicknames, genders, follower counts; 0–4 are the fixed accounts."""

    uid: list[str]
    name: list[str]
    gender: list[str]
    followers: list[int]


@dataclass
class Corpus:
    records: list[Record]
    authors: Authors
    seed: int
    n: int


def _authors(rng: np.random.Generator, n_authors: int) -> Authors:
    heads = rng.integers(0, len(P.NICK_HEADS), n_authors)
    bodies = rng.integers(0, len(P.NICK_BODIES), n_authors)
    styles = rng.integers(0, 4, n_authors)
    nums = rng.integers(10, 9999, n_authors)
    latin = rng.integers(0, len(P.NICK_LATIN), n_authors)
    gaps = rng.integers(1, 9000, n_authors)
    uid_base = 5_000_000_000 + np.cumsum(gaps + 9000)
    names = []
    for i in range(n_authors):
        head, body = P.NICK_HEADS[heads[i]], P.NICK_BODIES[bodies[i]]
        style = styles[i]
        if style == 0:
            names.append(f"{head}{body}{nums[i]}")
        elif style == 1:
            names.append(f"{head}{body}_{P.NICK_LATIN[latin[i]]}")
        elif style == 2:
            names.append(f"{P.NICK_LATIN[latin[i]]}{nums[i]}{body}")
        else:
            names.append(f"用户{uid_base[i] % 10_000_000_000}")
    for j, (name, _kind, _role) in enumerate(ACCOUNTS.values()):
        names[j] = name
    followers = (np.exp(rng.normal(5.0, 1.6, n_authors))).astype(np.int64)
    followers[:2] = (861_000, 1_250_000)
    genders = np.where(rng.random(n_authors) < 0.55, "f", "m").tolist()
    return Authors([str(u) for u in uid_base], names, genders, followers.tolist())


def _pick_authors(rng: np.random.Generator, n_authors: int, k: int) -> np.ndarray:
    """Skewed author choice (a few very active accounts), never one of the fixed accounts 0–4."""
    skew = rng.random(k) ** 2.2
    return 5 + (skew * (n_authors - 5)).astype(np.int64)


def build(n: int, seed: int) -> Corpus:
    """Generate the corpus structure and texts for ``n`` records with ``seed``."""
    if n < MIN_N:
        raise ValueError(f"n must be at least {MIN_N} (got {n})")
    rng = np.random.default_rng(seed)
    draws = Draws(rng)
    composer = Composer(draws)
    n_storm_members = round(STORM_SHARE * n)
    n_copies = round(COPY_SHARE * n)
    n_sampled = n - n_storm_members - n_copies - len(STORMS)
    n_authors = max(400, n // 3)
    authors = _authors(rng, n_authors)

    seconds, theme_idx = volume.sample_times(rng, n_sampled)
    themes = np.array(P.THEMES)[theme_idx]
    fmts = _assign_formats(rng, themes)
    who = _pick_authors(rng, n_authors, n_sampled)
    account_index = {key: j for j, key in enumerate(ACCOUNTS)}
    records: list[Record] = []
    for i in range(n_sampled):
        fmt = fmts[i]
        author = account_index.get(fmt, int(who[i]))
        kind = "comment" if fmt in ("mc_comments", "crawler_comments") else "post"
        records.append(Record(len(records), int(seconds[i]), str(themes[i]), fmt, author, kind))

    _late_comments(rng, records)
    _attach_comments(rng, records)
    help_originals = _mark_help_requests(rng, records)
    recipes = _compose_texts(composer, records)
    _add_help_copies(rng, composer, records, recipes, help_originals, n_copies, n_authors)
    _add_storms(rng, composer, records, n_storm_members, n_authors, authors)
    _add_account_reposts(rng, records)
    _mark_exact_duplicates(records)
    _mark_textual_near_duplicates(records)
    records.sort(key=lambda r: (r.time, r.idx))
    _assign_ids_and_counts(rng, records)
    return Corpus(records, authors, seed, n)


def _assign_formats(rng: np.random.Generator, themes: np.ndarray) -> list[str]:
    u = rng.random(themes.size)
    v = rng.random(themes.size)
    search = np.where(v < 0.6, "search1", np.where(v < 0.78, "search2", "nghuyong"))
    residents = np.array(["acct_resA", "acct_resB", "acct_resC"])[rng.integers(0, 3, themes.size)]
    other = np.where(
        u < 0.16,
        "mc_comments",
        np.where(u < 0.185, "crawler_comments", np.where(u < 0.195, residents, search)),
    )
    fmts = np.where(
        themes == "official",
        np.where(u < 0.35, "acct_official", search),
        np.where(themes == "news", np.where(u < 0.3, "acct_media", search), other),
    )
    return fmts.tolist()


def _late_comments(rng: np.random.Generator, records: list[Record]) -> None:
    """A tenth of the account's comments arrive in the last 30 hours (on the easing notice), so the
    comment export carries the relative times (``刚刚``, ``N小时前``, ``今天``, ``昨天``) of a fresh crawl."""
    comments = [r for r in records if r.fmt == "crawler_comments"]
    late = rng.random(len(comments)) < 0.1
    ages = rng.integers(30, 30 * 3600, len(comments))
    for r, move, age in zip(comments, late, ages, strict=True):
        if move:
            r.time = CRAWL_EPOCH - int(age)
    records.sort(key=lambda r: (r.time, r.idx))
    for i, r in enumerate(records):
        r.idx = i


def _attach_comments(rng: np.random.Generator, records: list[Record]) -> None:
    """Point every comment at an earlier note; comments with no possible parent become posts."""
    notes = [
        r for r in records if r.fmt in SEARCH_FILES and r.theme in ("news", "official", "outage", "medical")
    ]
    official = [r for r in records if r.fmt == "acct_official"]
    for pool, fmt in ((notes, "mc_comments"), (official, "crawler_comments")):
        times = np.array([r.time for r in pool], dtype=np.int64)
        comments = [r for r in records if r.fmt == fmt]
        back = rng.geometric(0.25, len(comments))
        for c, step in zip(comments, back, strict=True):
            j = int(np.searchsorted(times, c.time)) - int(step)
            if j < 0:
                c.fmt, c.kind = "search1", "post"
            else:
                c.parent = pool[j].idx


def _mark_help_requests(rng: np.random.Generator, records: list[Record]) -> list[Record]:
    eligible = [
        r
        for r in records
        if r.kind == "post"
        and r.theme in P.HELP_CONDITIONS
        and r.fmt in (*SEARCH_FILES, "acct_resA", "acct_resB", "acct_resC")
    ]
    chosen = rng.random(len(eligible)) < 0.3
    out = []
    for r, yes in zip(eligible, chosen, strict=True):
        if yes:
            r.help_request = 1
            out.append(r)
    if not out:
        raise ValueError("no help requests drawn; increase n")
    return out


_TRADITIONAL = None


def _to_traditional(text: str) -> str:
    global _TRADITIONAL
    if _TRADITIONAL is None:
        import opencc

        _TRADITIONAL = opencc.OpenCC("s2t")
    return _TRADITIONAL.convert(text)


def _compose_texts(composer: Composer, records: list[Record]) -> dict[int, dict]:
    """Write every record's text; return the help-request recipes by record index (for copies)."""
    d = composer.d
    recipes = {}
    for r in records:
        if r.help_request:
            recipe = composer.help_recipe(r.theme)
            recipes[r.idx] = recipe
            composed = composer.render_help(recipe)
        else:
            composed = composer.post(r.theme, r.time, short=(r.kind == "comment"))
            if r.theme in ("support", "chatter", "outage") and d.chance(0.04):
                r.simplified = composed.text
                composed.text = _to_traditional(composed.text)
        r.text, r.sentiment = composed.text, composed.sentiment
        r.pii = composed.pii
        r.decoys = composed.decoys
    return recipes


def _later(rng: np.random.Generator, start: int, mean_hours: float, k: int) -> np.ndarray:
    """``k`` times after ``start`` (exponential delays), kept inside the corpus period."""
    delays = 60 + (rng.exponential(mean_hours * 3600, k)).astype(np.int64)
    return np.minimum(start + delays, END_EPOCH - 1 - rng.integers(0, 3600, k))


def _add_help_copies(
    rng,
    composer: Composer,
    records: list[Record],
    recipes: dict[int, dict],
    originals: list[Record],
    n_copies: int,
    n_authors: int,
) -> None:
    """Copy-pasted help requests: near-identical variants (70%) and exact copies (30%) by other users."""
    family = rng.integers(0, len(originals), n_copies)
    exact = rng.random(n_copies) < 0.3
    to_search = rng.random(n_copies) < 0.6
    who = _pick_authors(rng, n_authors, n_copies)
    for k in range(n_copies):
        orig = originals[family[k]]
        when = int(_later(rng, orig.time, 8.0, 1)[0])
        fmt = "search1" if to_search[k] else "nghuyong"
        copy = Record(len(records), when, orig.theme, fmt, int(who[k]), help_request=1)
        if exact[k]:
            composed = composer.render_help(recipes[orig.idx])
            copy.dup_kind = "exact"
        else:
            composed = composer.render_help(composer.help_variant(recipes[orig.idx]))
            copy.dup_kind = "near"
        copy.dup_of = orig.idx
        copy.text, copy.sentiment, copy.pii, copy.decoys = (
            composed.text,
            composed.sentiment,
            composed.pii,
            composed.decoys,
        )
        records.append(copy)


def _add_storms(
    rng, composer: Composer, records: list[Record], n_members: int, n_authors: int, authors: Authors
) -> None:
    """Repost storms: one original reposted many times with short or empty comments and //@ chains."""
    weights = np.array([s[3] for s in STORMS])
    sizes = rng.multinomial(n_members, weights / weights.sum())
    influencers = _pick_authors(rng, min(n_authors, 60), len(STORMS))
    for s, (when, theme, kind, _share) in enumerate(STORMS):
        t0 = int(pd.Timestamp(when, tz="Asia/Shanghai").timestamp())
        orig = Record(len(records), t0, theme, "search1", int(influencers[s]), storm=s)
        if kind == "help":
            orig.help_request = 1
            composed = composer.render_help(composer.help_recipe(theme))
        else:
            composed = composer.post(theme, t0)
        orig.text, orig.sentiment, orig.pii, orig.decoys = (
            composed.text,
            composed.sentiment,
            composed.pii,
            composed.decoys,
        )
        records.append(orig)
        times = np.sort(_later(rng, t0, 2.5, int(sizes[s])))
        who = _pick_authors(rng, n_authors, int(sizes[s]))
        in_search = rng.random(int(sizes[s])) < 0.75
        chain_len = rng.choice(3, int(sizes[s]), p=[0.6, 0.3, 0.1])
        members: list[Record] = []
        for k in range(int(sizes[s])):
            fmt = "search1" if in_search[k] else "nghuyong"
            m = Record(
                len(records),
                int(times[k]),
                theme,
                fmt,
                int(who[k]),
                kind="repost",
                parent=orig.idx,
                dup_of=orig.idx,
                dup_kind="repost",
                storm=s,
                help_request=orig.help_request,
                sentiment=orig.sentiment,
            )
            chain = []
            for _ in range(min(int(chain_len[k]), len(members))):
                prev = members[int(rng.integers(0, len(members)))]
                chain.append((authors.name[prev.author], prev.text.split("//@")[0] or "转发微博"))
            m.text = composer.repost_comment(theme, chain)
            members.append(m)
            records.append(m)


def _add_account_reposts(rng: np.random.Generator, records: list[Record]) -> None:
    """Residents repost the official and media accounts; the official account reposts the media account."""
    official = [r for r in records if r.fmt in ("acct_official", "acct_media") and r.kind == "post"]
    media = [r for r in official if r.fmt == "acct_media"]
    for pool, fmts, share in (
        (official, ("acct_resA", "acct_resB", "acct_resC"), 0.3),
        (media, ("acct_official",), 0.15),
    ):
        times = np.array([r.time for r in pool], dtype=np.int64)
        for r in records:
            if r.fmt in fmts and r.kind == "post" and not r.help_request and rng.random() < share:
                j = int(np.searchsorted(times, r.time)) - 1 - int(rng.integers(0, 3))
                if j >= 0 and pool[j].parent < 0:
                    r.kind, r.parent = "repost", pool[j].idx


_DECORATION = re.compile(r"\[[^\]]{1,8}\]|#[^#]{1,30}#|https?://\S+|网页链接|展开全文c?")
_PUNCTUATION = re.compile(r"[\W_]+")


def normalised(text: str) -> str:
    """The text without emoticon codes, hashtags, links, punctuation and spaces (for exact duplicates)."""
    return _PUNCTUATION.sub("", _DECORATION.sub("", text)).lower()


def _mark_exact_duplicates(records: list[Record]) -> None:
    """Texts that came out identical (after normalisation, in simplified characters) are exact duplicates
    of their first occurrence."""
    first: dict[str, Record] = {}
    for r in sorted(records, key=lambda r: (r.time, r.idx)):
        if r.dup_kind == "repost":
            continue
        key = normalised(r.simplified or r.text)
        seen = first.get(key) if key else None
        if key and seen is None:
            first[key] = r
        if seen is not None and r.dup_kind == "unique":
            r.dup_kind, r.dup_of = "exact", seen.idx
        elif seen is not None and r.dup_kind == "near":
            r.dup_kind = "exact"


NEAR_THRESHOLD = 0.8  # Jaccard of character 3-grams of the normalised text
_MINHASH_ROWS, _MINHASH_BANDS, _BUCKET_CAP = 3, 8, 24


def _shingle_hashes(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hashes of the character 3-grams of each normalised text, vectorised: (hashes, starts, counts)."""
    keys = [normalised(t) for t in texts]
    lengths = np.fromiter((len(k) for k in keys), dtype=np.int64, count=len(keys))
    codes = np.frombuffer(("\0\0".join(keys) + "\0\0").encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    starts = np.concatenate([[0], np.cumsum(lengths + 2)[:-1]])
    counts = np.maximum(1, lengths - 2)
    mask = np.uint64((1 << 32) - 1)
    prime = np.uint64(1_000_003)
    grams = (codes[:-2] * prime * prime + codes[1:-1] * prime + codes[2:]) & mask
    positions = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts) + np.arange(
        counts.sum()
    )
    hashes = grams[positions]
    return hashes, np.concatenate([[0], np.cumsum(counts)[:-1]]), counts


def _mark_textual_near_duplicates(records: list[Record]) -> None:
    """Independently written posts that came out near-identical (Jaccard of character 3-grams of the
    normalised text >= NEAR_THRESHOLD) are near copies of the earlier one: the ground truth describes the
    texts as they are. Candidates come from MinHash banding (numpy), then the Jaccard is checked exactly."""
    items = sorted((r for r in records if r.dup_kind != "repost"), key=lambda r: (r.time, r.idx))
    flat, starts, counts = _shingle_hashes([r.simplified or r.text for r in items])
    params = np.random.default_rng(20220104).integers(1, 1 << 32, (_MINHASH_ROWS * _MINHASH_BANDS, 2))
    mask = np.uint64((1 << 32) - 1)
    signature = np.stack(
        [np.minimum.reduceat(((np.uint64(a | 1) * flat + np.uint64(b)) & mask), starts) for a, b in params],
        axis=1,
    )
    mix = np.uint64(0x9E3779B97F4A7C15)
    band_keys = [  # a band's three 32-bit minima mixed into one 64-bit key (collisions are re-checked)
        ((signature[:, band * _MINHASH_ROWS] << np.uint64(32)) | signature[:, band * _MINHASH_ROWS + 1])
        ^ (signature[:, band * _MINHASH_ROWS + 2] * mix)
        for band in range(_MINHASH_BANDS)
    ]
    band_keys = [keys.tolist() for keys in band_keys]
    buckets: list[dict[int, list[int]]] = [{} for _ in range(_MINHASH_BANDS)]
    sets: dict[int, set[int]] = {}
    for i, r in enumerate(items):
        if counts[i] < 2:  # fewer than 4 characters after normalisation: only exact copies count
            continue
        hits: dict[int, int] = {}
        for band in range(_MINHASH_BANDS):
            members = buckets[band].setdefault(band_keys[band][i], [])
            for j in members:
                hits[j] = hits.get(j, 0) + 1
            if len(members) < _BUCKET_CAP:
                members.append(i)
        if r.dup_kind != "unique":
            continue
        mine = None
        for j, count in hits.items():
            if count < 2:  # a pair at the threshold shares >= 2 of 8 bands with probability 0.97
                continue
            mine = mine if mine is not None else set(flat[starts[i] : starts[i] + counts[i]].tolist())
            other = sets.setdefault(j, set(flat[starts[j] : starts[j] + counts[j]].tolist()))
            if len(mine & other) >= NEAR_THRESHOLD * len(mine | other):
                target = items[j]
                r.dup_kind, r.dup_of = "near", target.dup_of if target.dup_of >= 0 else target.idx
                break


def mid_to_bid(mid: str) -> str:
    """Weibo's base62 ``bid`` of a numeric ``mid`` (groups of 7 digits from the right)."""
    groups = []
    end = len(mid)
    while end > 0:
        start = max(0, end - 7)
        value = int(mid[start:end])
        chars = ""
        while value:
            value, rem = divmod(value, 62)
            chars = BASE62[rem] + chars
        groups.append(chars.rjust(4, "0") if start > 0 else chars or "0")
        end = start
    return "".join(reversed(groups))


def mids_to_bids(mids: np.ndarray) -> list[str]:
    """Vectorised :func:`mid_to_bid` for 16-digit mids."""
    alphabet = np.array(list(BASE62))
    parts = []
    rest = mids.astype(np.int64)
    groups = []
    for _ in range(2):
        groups.append(rest % 10_000_000)
        rest = rest // 10_000_000
    groups.append(rest)  # the leading digits
    for g, value in enumerate(reversed(groups)):
        chars = []
        v = value.copy()
        for _ in range(4):
            chars.append(alphabet[v % 62])
            v = v // 62
        block = np.char.add(np.char.add(chars[3], chars[2]), np.char.add(chars[1], chars[0]))
        if g == 0:
            block = np.char.lstrip(block, "0")
        parts.append(block)
    return np.char.add(np.char.add(parts[0], parts[1]), parts[2]).tolist()


def _assign_ids_and_counts(rng: np.random.Generator, records: list[Record]) -> None:
    """Weibo mids from the post time (snowflake-like, unique), and like/comment/repost counts."""
    k = len(records)
    order = np.arange(k, dtype=np.int64)
    low = (order * 2654435761) % (1 << 22)
    times = np.array([r.time for r in records], dtype=np.int64)
    mids = ((times - WEIBO_EPOCH) << 22) + low
    likes = np.floor(np.exp(rng.normal(1.0, 1.4, k))).astype(np.int64)
    comments = np.floor(np.exp(rng.normal(0.2, 1.2, k))).astype(np.int64)
    reposts = np.floor(np.exp(rng.normal(-0.3, 1.3, k))).astype(np.int64)
    storm_size: dict[int, int] = {}
    for r in records:
        if r.dup_kind == "repost":
            storm_size[r.dup_of] = storm_size.get(r.dup_of, 0) + 1
    bids = mids_to_bids(mids)
    for i, r in enumerate(records):
        r.post_id, r.bid = str(mids[i]), bids[i]
        r.likes, r.comments, r.reposts = int(likes[i]), int(comments[i]), int(reposts[i])
        if r.idx in storm_size:
            r.reposts = storm_size[r.idx] * 9 + int(likes[i])
            r.likes = storm_size[r.idx] * 40 + int(likes[i])
            r.comments = storm_size[r.idx] * 3
