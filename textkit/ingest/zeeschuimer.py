"""Reader for Zeeschuimer NDJSON exports of Douyin and Xiaohongshu (RedNote) posts and comments.

Zeeschuimer (the browser add-on that feeds 4CAT) writes one line per captured item::

    {"nav_index": ..., "item_id": ..., "timestamp_collected": <ms>, "source_platform": "douyin.com",
     "source_platform_url": ..., "source_url": ..., "user_agent": ..., "data": {<raw API object>}}

``source_platform`` is ``douyin.com``, ``xiaohongshu.com`` or ``xiaohongshu-comments``. The raw object
comes in the shapes 4CAT's importers know: Douyin API JSON (``aweme_id``, ``create_time`` s,
``author``, ``statistics``, ``text_extra``) or embedded-page JSON (``awemeId``, ``createTime``,
``authorInfo``, ``stats``, ``textExtra``); Xiaohongshu API notes (``note_card`` with ``time`` ms and
``interact_info``), embedded-page notes (``note`` with ``interactInfo``), notes mapped from the page
HTML (no time: ``created_at`` stays empty) and comments (``content``, ``create_time`` ms,
``user_info``). Live-stream captures, thumbnail stubs and other platforms are rejected with the reason.
``timestamp_collected`` is each record's crawl time. ``raw`` keeps the whole line.
"""

from __future__ import annotations

import re

import pandas as pd

from textkit.ingest.base import Reader, ReadResult, Rejection, SourceFile, register_reader
from textkit.ingest.common import build_posts, mentions_from_text, record_crawl_times
from textkit.ingest.records import first_objects, is_json_text, json_records

PLATFORMS = {"douyin.com": "douyin", "xiaohongshu.com": "xhs", "xiaohongshu-comments": "xhs"}
_XHS_TOPIC = re.compile(r"#([^\s#\[\]]{1,40})")


class NotAPost(ValueError):
    """A captured item that holds no post or comment (a live stream, a thumbnail stub)."""


def _looks_like_zeeschuimer(obj: dict) -> bool:
    return "source_platform" in obj and isinstance(obj.get("data"), dict) and "timestamp_collected" in obj


def _texts(values) -> list[str]:
    return [v for v in values if isinstance(v, str) and v]


def douyin_fields(data: dict) -> dict:
    """Posts-table fields of a Douyin aweme as Zeeschuimer captured it (API or embedded shape)."""
    if data.get("rawdata") or (data.get("cell_room") or {}).get("rawdata") or (
            isinstance(data.get("cellRoom"), dict) and data["cellRoom"].get("rawdata")):
        raise NotAPost("a Douyin live stream, not a post")
    embedded = "awemeId" in data
    aweme_id = data.get("awemeId" if embedded else "aweme_id")
    if aweme_id is None:
        raise NotAPost("a Douyin item without an aweme id")
    author = data.get("authorInfo" if embedded else "author") or {}
    stats = data.get("stats" if embedded else "statistics") or {}
    extra = data.get("textExtra" if embedded else "text_extra") or []
    tag_key = "hashtagName" if embedded else "hashtag_name"
    return {
        "post_id": str(aweme_id), "kind": "post", "platform": "douyin",
        "text": data.get("desc"), "title": data.get("desc"),
        "created_at": data.get("createTime" if embedded else "create_time"),
        "author_id": data.get("authorUserId") or author.get("uid") or author.get("id"),
        "author_name": author.get("nickname"),
        "likes": stats.get("diggCount" if embedded else "digg_count"),
        "comments": stats.get("commentCount" if embedded else "comment_count"),
        "reposts": stats.get("shareCount" if embedded else "share_count"),
        "topics": _texts(tag.get(tag_key) for tag in extra if isinstance(tag, dict)),
        "ip_location": data.get("ip_label") or None,  # "region" is the country (CN), not the IP region
        "url": f"https://www.douyin.com/video/{aweme_id}",
    }


def xhs_note_fields(data: dict) -> dict:
    """Posts-table fields of a Xiaohongshu note (API, embedded-page or HTML-mapped shape)."""
    if data.get("_zs-origin") == "html":
        note_id = data.get("id")
        return {"post_id": note_id, "kind": "post", "platform": "xhs", "title": data.get("title"),
                "text": None, "created_at": None, "author_name": data.get("author_name"),
                "likes": data.get("likes"), "url": f"https://www.xiaohongshu.com{data.get('url') or ''}"}
    if "note" in data:
        note = data["note"] or {}
        info = note.get("interactInfo") or note.get("interact_info") or {}
        user = note.get("user") or {}
        note_id = data.get("id") or note.get("noteId")
        token = note.get("xsecToken")
        liked, comments, shares = (info.get("likedCount", info.get("liked_count")),
                                   info.get("commentCount", info.get("comment_count")),
                                   info.get("shareCount", info.get("share_count")))
        user_id = user.get("userId") or user.get("user_id")
    elif "note_card" in data or "user" in data or data.get("type") == "video":
        note = data.get("note_card") if data.get("type") != "video" else data
        note = note or {}
        info = note.get("interact_info") or {}
        user = note.get("user") or {}
        note_id = data.get("id") or data.get("note_id")
        token = data.get("xsec_token")
        liked, comments, shares = info.get("liked_count"), info.get("comment_count"), info.get("share_count")
        user_id = user.get("user_id")
    else:
        raise NotAPost("a Xiaohongshu thumbnail stub without post content")
    desc = note.get("desc")
    tags = [t.get("name") for t in note.get("tag_list") or [] if isinstance(t, dict)]
    return {
        "post_id": note_id, "kind": "post", "platform": "xhs",
        "title": note.get("display_title") or note.get("title"), "text": desc,
        "created_at": note.get("time"), "author_id": user_id, "author_name": user.get("nickname"),
        "likes": liked, "comments": comments, "reposts": shares,
        "topics": _texts(tags) or (_XHS_TOPIC.findall(desc) if isinstance(desc, str) else []),
        "ip_location": note.get("ip_location") or note.get("ipLocation"),
        "url": f"https://www.xiaohongshu.com/explore/{note_id}" + (f"?xsec_token={token}" if token else ""),
    }


def xhs_comment_fields(data: dict) -> dict:
    """Posts-table fields of a Xiaohongshu comment."""
    if data.get("id") is None or "content" not in data:
        raise NotAPost("a Xiaohongshu comment capture without id or content")
    user = data.get("user_info") or {}
    return {
        "post_id": data.get("id"), "kind": "comment", "platform": "xhs",
        "parent_post_id": data.get("note_id"), "text": data.get("content"),
        "created_at": data.get("create_time"), "author_id": user.get("user_id"),
        "author_name": user.get("nickname"), "likes": data.get("like_count"),
        "comments": data.get("sub_comment_count"), "ip_location": data.get("ip_location"),
    }


_FIELDS = {"douyin.com": douyin_fields, "xiaohongshu.com": xhs_note_fields,
           "xiaohongshu-comments": xhs_comment_fields}


@register_reader
class ZeeschuimerReader(Reader):
    """Zeeschuimer ``.ndjson`` exports (Douyin, Xiaohongshu notes and comments)."""

    name = "zeeschuimer-ndjson"
    platform = "douyin"

    def sniff(self, source: SourceFile) -> float:
        if not is_json_text(source):
            return 0.0
        objects = first_objects(source)
        return 0.95 if objects and all(_looks_like_zeeschuimer(o) for o in objects) else 0.0

    def read(self, source: SourceFile) -> ReadResult:
        records = json_records(source)
        rejected = list(records.rejected)
        rows: list[dict] = []
        for number, item in records.items:
            platform = item.get("source_platform")
            fields = _FIELDS.get(platform)
            if not _looks_like_zeeschuimer(item) or fields is None:
                reason = (f"Zeeschuimer item from {platform!r}, which textkit does not read"
                          if _looks_like_zeeschuimer(item)
                          else "not a Zeeschuimer item (no source_platform/data)")
                rejected.append(Rejection(number, reason, _dump(item)))
                continue
            try:
                row = fields(item["data"])
            except NotAPost as error:
                rejected.append(Rejection(number, str(error), _dump(item)))
                continue
            row.update(record=number, raw=item, _crawl=item.get("timestamp_collected"))
            rows.append(row)
        posts = pd.DataFrame()
        if rows:
            crawl = record_crawl_times(pd.Series([r.pop("_crawl") for r in rows], dtype=object), source)
            posts, time_rejections = build_posts(rows, crawl)
            rejected.extend(time_rejections)
            if len(posts):
                posts["mentions"] = mentions_from_text(posts["text"])
        return ReadResult(posts=posts, records=records.count,
                          rejected=sorted(rejected, key=lambda r: r.record), warnings=records.warnings)


def _dump(item: dict) -> str:
    import json

    return json.dumps(item, ensure_ascii=False, default=str)
