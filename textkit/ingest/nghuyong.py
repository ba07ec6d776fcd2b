"""Reader for nghuyong/WeiboSpider JSON Lines (scraper-formats.md §4), plus its legacy MongoDB exports.

One file per spider run (``<spider>_<YYYYmmddHHMMSS>.jsonl``), one item per line: tweets (``_id`` str
mid, ``mblogid``, ``created_at``), comments (``_id`` **int**, ``comment_user``), reposts (tweets with
``retweet_id``/``is_retweet``), users, fans (``fan_info``) and follows (``follower_info``); every item
carries ``crawl_time`` (unix seconds). User, fan and follow items go to the authors table. A file that
is one pretty-printed JSON object or array (the README examples) is read the same way. Legacy
(pre-2022-10) MongoDB exports use weibo.cn fields (``weibo_url``, ``like_num``, ``comment_user_id``).
A line that is not valid JSON is rejected with its line number; every other line is still read.
"""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa

from textkit.ingest.base import Reader, ReadResult, Rejection, SourceFile, register_reader
from textkit.ingest.common import authors_frame, build_posts_columns
from textkit.ingest.records import json_lines, loads_line

_TWEET_KEYS = {"mblogid", "attitudes_count", "reposts_count", "pic_urls"}
_LEGACY_KEYS = {"weibo_url", "like_num", "repost_num", "comment_num", "comment_user_id"}
_USER_KEYS = {"nick_name", "followers_count", "friends_count", "avatar_hd"}


def _items(source: SourceFile) -> tuple[list[tuple[int, object, str]], list[Rejection]]:
    """(record number, parsed item, raw text) per record, and the lines that are not JSON."""
    text = source.text.lstrip("\ufeff")
    stripped = text.strip()
    if stripped.startswith(("{", "[")) and "\n" in stripped:
        try:
            whole = json.loads(stripped)
        except ValueError:
            whole = None
        if isinstance(whole, dict):
            return [(1, whole, stripped)], []
        if isinstance(whole, list):
            return [(i, item, json.dumps(item, ensure_ascii=False)) for i, item in enumerate(whole, 1)], []
    items, rejected = [], []
    record = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        record += 1
        try:
            items.append((record, loads_line(line), line))
        except ValueError as error:
            rejected.append(Rejection(record, f"line is not valid JSON ({error.msg} at column {error.colno})",
                                      line))
    return items, rejected


def _kind(item: dict) -> str:
    keys = set(item)
    if "fan_info" in keys:
        return "fan"
    if "follower_info" in keys:
        return "follow"
    if "comment_user" in keys or "comment_user_id" in keys:
        return "comment"
    if keys & _TWEET_KEYS or keys & _LEGACY_KEYS:
        return "tweet"
    if keys & _USER_KEYS:
        return "user"
    return "unknown"


def _user(user: dict) -> dict:
    ip = user.get("ip_location")
    return {"author_id": user.get("_id"), "author_name": user.get("nick_name"), "gender": user.get("gender"),
            "location": user.get("location"),
            "ip_location": ip.replace("IP属地：", "").strip() if isinstance(ip, str) else None,
            "description": user.get("description"), "followers": user.get("followers_count"),
            "following": user.get("friends_count"), "statuses": user.get("statuses_count"),
            "verified": user.get("verified")}


def _ip(value) -> str | None:
    if not isinstance(value, str):
        return None
    for prefix in ("发布于", "来自", "IP属地："):
        value = value.replace(prefix, "")
    return value.strip() or None


def _tweet_columns(items: list[dict]) -> dict[str, list]:
    """Posts fields of tweet items, column by column."""
    users = [u if isinstance(u := item.get("user"), dict) else {} for item in items]
    legacy = ["weibo_url" in item or "like_num" in item for item in items]
    retweets = [item.get("retweet_id") or (item.get("origin_weibo") if old else None)
                for item, old in zip(items, legacy, strict=True)]
    reposts = [bool(item.get("is_retweet")) or bool(retweet)
               for item, retweet in zip(items, retweets, strict=True)]
    details = [d if isinstance(d := (g if isinstance(g := item.get("geo"), dict) else {}).get("detail"), dict)
               else {} for item in items]
    locations = [detail.get("title") or item.get("location_map_info") or None
                 for item, detail in zip(items, details, strict=True)]
    return {
        "post_id": [item.get("_id") for item in items],
        "kind": ["repost" if repost else "post" for repost in reposts], "is_repost": reposts,
        "parent_post_id": [str(r) if r and not isinstance(r, dict) else None for r in retweets],
        "author_id": [user.get("_id") or item.get("user_id")
                      for item, user in zip(items, users, strict=True)],
        "author_name": [user.get("nick_name") for user in users],
        "text": [item.get("content") for item in items],
        "created_at": [item.get("created_at") for item in items],
        "likes": [item.get("attitudes_count", item.get("like_num")) for item in items],
        "comments": [item.get("comments_count", item.get("comment_num")) for item in items],
        "reposts": [item.get("reposts_count", item.get("repost_num")) for item in items],
        "ip_location": [_ip(item.get("ip_location")) for item in items],
        "location": [location if isinstance(location, str) else None for location in locations],
        "url": [item.get("url") or item.get("weibo_url") for item in items],
        "crawl_time": [item.get("crawl_time") for item in items],
    }


def _comment_columns(items: list[dict]) -> dict[str, list]:
    """Posts fields of comment items, column by column."""
    users = [u if isinstance(u := item.get("comment_user"), dict) else {} for item in items]
    return {
        "post_id": [str(i) if (i := item.get("_id")) is not None else None for item in items],
        "kind": ["comment"] * len(items), "is_repost": [False] * len(items),
        "parent_post_id": [item.get("weibo_id") for item in items],
        "author_id": [user.get("_id") or item.get("comment_user_id")
                      for item, user in zip(items, users, strict=True)],
        "author_name": [user.get("nick_name") for user in users],
        "text": [item.get("content") for item in items],
        "created_at": [item.get("created_at") for item in items],
        "likes": [item.get("like_counts", item.get("like_num")) for item in items],
        "ip_location": [_ip(item.get("ip_location")) for item in items],
        "crawl_time": [item.get("crawl_time") for item in items],
    }


def _interleave(parts: list[tuple[list[int], dict[str, list]]], n: int) -> dict[str, list]:
    """Columns of several groups of rows merged back into row order (None where a group lacks a field)."""
    if len(parts) == 1:
        return parts[0][1]
    names = list(dict.fromkeys(name for _, columns in parts for name in columns))
    merged = {}
    for name in names:
        values = [None] * n
        for positions, columns in parts:
            if name in columns:
                for position, value in zip(positions, columns[name], strict=True):
                    values[position] = value
        merged[name] = values
    return merged


@register_reader
class NghuyongJsonl(Reader):
    """nghuyong/WeiboSpider output (``output/<spider>_<stamp>.jsonl``)."""

    name = "nghuyong-jsonl"
    platform = "weibo"

    def sniff(self, source: SourceFile) -> float:
        head = source.head(6000).lstrip("\ufeff \r\n\t")
        if not head.startswith(("{", "[")):
            return 0.0
        markers = ('"_id"', '"crawl_time"')
        if not any(m in head for m in markers):
            return 0.0
        specific = ('"mblogid"', '"comment_user"', '"fan_info"', '"follower_info"', '"nick_name"',
                    '"weibo_url"', '"comment_user_id"')
        return 0.9 if any(s in head for s in specific) else 0.0

    def read(self, source: SourceFile) -> ReadResult:
        lines = json_lines(source)
        if lines is not None:
            numbers, values, texts = lines.numbers.tolist(), lines.values, lines.texts
            rejected = [Rejection(record, f"line is not valid JSON ({error.msg} at column {error.colno})",
                                  line) for record, line, error in lines.broken]
        else:
            items, rejected = _items(source)
            numbers = [record for record, _, _ in items]
            values = [item for _, item, _ in items]
            texts = pa.array([raw for _, _, raw in items], pa.string())
        kind_of: dict[tuple, str] = {}  # by the keys in order: cheaper to hash than a set
        tweets, comments, users, unknown = [], [], [], []
        groups = {"tweet": tweets, "comment": comments, "user": users, "fan": users, "follow": users}
        for i, item in enumerate(values):
            if not isinstance(item, dict):
                unknown.append(i)
                continue
            keys = tuple(item)
            kind = kind_of.get(keys) or kind_of.setdefault(keys, _kind(item))
            groups.get(kind, unknown).append(i)
        for i in unknown:
            rejected.append(Rejection(numbers[i], "not a tweet, comment, repost or user item",
                                      texts[i].as_py()))
        posts, rejections = pd.DataFrame(), []
        rows = sorted(tweets + comments)
        if rows:
            position = {i: p for p, i in enumerate(rows)}
            parts = [([position[i] for i in group], columns([values[i] for i in group]))
                     for group, columns in ((tweets, _tweet_columns), (comments, _comment_columns)) if group]
            fields = _interleave(parts, len(rows))
            fields["record"] = [numbers[i] for i in rows]
            contiguous = rows[-1] - rows[0] + 1 == len(rows)  # sorted: every line in between (no copy)
            fields["raw"] = texts.slice(rows[0], len(rows)) if contiguous else texts.take(pa.array(rows))
            posts, rejections = build_posts_columns(fields, source.crawl_time,
                                                    record_crawl_times=not source.crawl_time_given)
        author_rows = []
        for i in users:
            item = values[i]
            kind = kind_of[tuple(item)]
            user = item if kind == "user" else item.get("fan_info" if kind == "fan" else "follower_info")
            author_rows.append({"record": numbers[i], "raw": item,
                                **_user(user if isinstance(user, dict) else {})})
        return ReadResult(posts, len(numbers) + sum(r.reason.startswith("line is not") for r in rejected),
                          rejected + rejections,
                          [], authors=authors_frame(author_rows) if author_rows else None)
