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

from textkit.ingest.base import Reader, ReadResult, Rejection, SourceFile, register_reader
from textkit.ingest.common import authors_frame, build_posts
from textkit.ingest.records import loads_line

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


def _tweet(item: dict) -> dict:
    user = item.get("user") if isinstance(item.get("user"), dict) else {}
    legacy = "weibo_url" in item or "like_num" in item
    retweet = item.get("retweet_id") or (item.get("origin_weibo") if legacy else None)
    is_repost = bool(item.get("is_retweet")) or bool(retweet)
    geo = item.get("geo") if isinstance(item.get("geo"), dict) else {}
    detail = geo.get("detail") if isinstance(geo.get("detail"), dict) else {}
    location = detail.get("title") or item.get("location_map_info") or None
    return {
        "post_id": item.get("_id"), "kind": "repost" if is_repost else "post", "is_repost": is_repost,
        "parent_post_id": str(retweet) if retweet and not isinstance(retweet, dict) else None,
        "author_id": user.get("_id") or item.get("user_id"), "author_name": user.get("nick_name"),
        "text": item.get("content"), "created_at": item.get("created_at"),
        "likes": item.get("attitudes_count", item.get("like_num")),
        "comments": item.get("comments_count", item.get("comment_num")),
        "reposts": item.get("reposts_count", item.get("repost_num")),
        "ip_location": _ip(item.get("ip_location")),
        "location": location if isinstance(location, str) else None,
        "url": item.get("url") or item.get("weibo_url"), "crawl_time": item.get("crawl_time"),
    }


def _comment(item: dict) -> dict:
    user = item.get("comment_user") if isinstance(item.get("comment_user"), dict) else {}
    return {
        "post_id": str(item.get("_id")) if item.get("_id") is not None else None, "kind": "comment",
        "is_repost": False, "parent_post_id": item.get("weibo_id"),
        "author_id": user.get("_id") or item.get("comment_user_id"), "author_name": user.get("nick_name"),
        "text": item.get("content"), "created_at": item.get("created_at"),
        "likes": item.get("like_counts", item.get("like_num")), "ip_location": _ip(item.get("ip_location")),
        "crawl_time": item.get("crawl_time"),
    }


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
        items, rejected = _items(source)
        rows, users = [], []
        for record, item, raw in items:
            kind = _kind(item) if isinstance(item, dict) else "unknown"
            if kind == "tweet":
                rows.append({"record": record, "raw": raw, **_tweet(item)})
            elif kind == "comment":
                rows.append({"record": record, "raw": raw, **_comment(item)})
            elif kind in ("user", "fan", "follow"):
                user = item if kind == "user" else item.get("fan_info" if kind == "fan" else "follower_info")
                users.append({"record": record, "raw": item, **_user(user if isinstance(user, dict) else {})})
            else:
                rejected.append(Rejection(record, "not a tweet, comment, repost or user item", raw))
        posts, rejections = build_posts(rows, source.crawl_time,
                                        record_crawl_times=not source.crawl_time_given)
        return ReadResult(posts, len(items) + sum(r.reason.startswith("line is not") for r in rejected),
                          rejected + rejections, [], authors=authors_frame(users) if users else None)
