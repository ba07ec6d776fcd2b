"""Readers for the dataabc scrapers: weibo-search, weibo-crawler, weiboSpider (scraper-formats.md §1–3).

* ``weibo-search-csv``: 17–21 columns; list-literal picture fields; a reposted original is its own
  row before the reposting row, whose ``retweet_id`` points to it. Vectorised (the fast CSV path).
* ``weibo-crawler-csv``: every header generation, ragged rows (originals 19 values, reposts 37),
  ``id\\t``, the column-shifted periods (2022-04→2024-01 ``full_created_at`` without header,
  2025-04→2025-11 ``live_photo_url`` without header) and the unlabelled LLM dict column are realigned
  row by row; counts of exactly 1000000 are lower bounds (the scraper wrote ``100万+`` so).
* ``weibo-crawler-json``, ``weibo-crawler-sqlite`` (weibo/comments/reposts/user tables),
  ``weibo-crawler-users-csv``, ``weibo-crawler-comments-csv``.
* ``weibospider-csv`` (repeated header rows, ``无``, merged repost text), ``weibospider-json``,
  ``weibospider-txt`` (console encoding, often GBK).

weiboSpider identifies posts by the base62 ``bid``; it becomes the numeric mid so that the same post
from two scrapers is one post.
"""

from __future__ import annotations

import json
import re
import sqlite3

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from textkit.ingest.base import Reader, ReadResult, Rejection, SourceFile, register_reader
from textkit.ingest.common import (
    arrow_strings,
    authors_frame,
    bid_to_mid,
    blank_to_missing,
    build_posts,
    clean_ids,
    counts_block,
    drop_rejected,
    parse_time_column,
    split_list,
    string_series,
)
from textkit.ingest.tables import EXTRA_KEY, header_of, read_csv_table
from textkit.schema import BOOL, INT, STRING


def _header_score(header: list[str], required: tuple[str, ...], optional: tuple[str, ...] = ()) -> float:
    names = set(header)
    if not all(r in names for r in required):
        return 0.0
    bonus = sum(o in names for o in optional) / max(len(optional), 1)
    return 0.8 + 0.19 * bonus


# --------------------------------------------------------------------------------------------------
# weibo-search


SEARCH_REQUIRED = ("id", "bid", "user_id", "用户昵称", "微博正文", "发布时间")
SEARCH_OPTIONAL = ("转发数", "评论数", "点赞数", "retweet_id", "微博图片url", "话题", "艾特用户")


@register_reader
class WeiboSearchCsv(Reader):
    """dataabc/weibo-search result CSV (``结果文件/<keyword>/<keyword>.csv``)."""

    name = "weibo-search-csv"
    platform = "weibo"

    def sniff(self, source: SourceFile) -> float:
        return _header_score(header_of(source), SEARCH_REQUIRED, SEARCH_OPTIONAL)

    def read(self, source: SourceFile) -> ReadResult:
        table = read_csv_table(source)
        df = table.frame
        get = lambda name: df[name] if name in df.columns else pd.Series("", index=df.index, dtype=STRING)  # noqa: E731
        times, precision, bad, rejections = parse_time_column(get("发布时间"), source.crawl_time,
                                                              table.record, lambda: table.raw, "发布时间")
        post_id = clean_ids(get("id"))
        retweet = clean_ids(get("retweet_id"))
        is_repost = retweet.notna()
        text = get("微博正文")
        parent_text = _lookup(retweet, post_id, text)
        user = clean_ids(get("user_id"))
        bid = get("bid").str.strip()
        url = ("https://weibo.com/" + user.fillna("") + "/" + bid).astype(STRING)
        posts = pd.DataFrame({
            "post_id": post_id,
            "source_record": pd.Series(table.record, index=df.index, dtype=INT),
            "kind": pd.Series(np.where(is_repost, "repost", "post"), index=df.index, dtype=STRING),
            "author_id": user,
            "author_name": get("用户昵称"),
            "created_at": times,
            "time_precision": precision,
            "text": text,
            **counts_block(df, {"likes": "点赞数", "comments": "评论数", "reposts": "转发数"}),
            "is_repost": is_repost.astype(BOOL),
            "parent_post_id": retweet,
            "parent_text": parent_text.astype(STRING),
            "topics": split_list(get("话题")),
            "mentions": split_list(get("艾特用户")),
            "location": blank_to_missing(get("发布位置")),
            "ip_location": blank_to_missing(get("ip")),
            "url": url.mask(bid == "", None),
            "raw": table.raw.set_axis(df.index),
        })
        return ReadResult(drop_rejected(posts, bad), table.records, table.rejected + rejections,
                          table.warnings)


def _lookup(keys: pd.Series, ids: pd.Series, values: pd.Series) -> pd.Series:
    """``values`` of the first row whose id equals each key (missing when none), vectorised."""
    lookup = pc.SetLookupOptions(arrow_strings(ids), skip_nulls=True)
    position = pc.index_in(arrow_strings(keys), options=lookup)
    return string_series(arrow_strings(values).take(position), keys.index)


# --------------------------------------------------------------------------------------------------
# weibo-crawler CSV

CRAWLER_REQUIRED = ("id", "bid", "正文", "日期", "点赞数", "评论数", "转发数")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_FULL_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def _looks_like_dict(value: str) -> bool:
    value = value.strip()
    return value.startswith("{") and value.endswith("}")


def realign_crawler_row(header: list[str], row: list[str]) -> tuple[dict, dict, list[str]]:
    """Map one weibo-crawler CSV row onto its header, undoing the shifted-column periods.

    Returns (values by header name, values the header has no name for, notes on what was realigned).
    """
    values = list(row)
    unnamed: dict = {}
    notes: list[str] = []
    if "日期" in header and "视频url" in header:
        at = header.index("日期")
        video = header.index("视频url")
        live_named = "Live Photo视频url" in header
        if (at + 1 < len(values) and not _DATE.match(values[at].strip())
                and _DATE.match(values[at + 1].strip()) and not live_named):
            unnamed["live_photo_url"] = values.pop(video + 1)
            notes.append("live_photo_url without header")
    if "@用户" in header:
        after = header.index("@用户") + 1
        if after < len(values) and _looks_like_dict(values[after]) and (
                after >= len(header) or header[after] != "llm_analysis"):
            unnamed["llm_analysis"] = values.pop(after)
            notes.append("llm_analysis column without header")
        if ("完整日期" not in header and after < len(values)
                and _FULL_DATETIME.match(values[after].strip())):
            unnamed["full_created_at"] = values.pop(after)
            notes.append("full_created_at without header")
    named = dict(zip(header, values, strict=False))
    if len(values) > len(header):
        unnamed[EXTRA_KEY] = values[len(header):]
    return named, unnamed, notes


@register_reader
class WeiboCrawlerCsv(Reader):
    """dataabc/weibo-crawler post CSV (``<user_id>.csv``), any header generation."""

    name = "weibo-crawler-csv"
    platform = "weibo"

    def sniff(self, source: SourceFile) -> float:
        if source.kind != "text":
            return 0.0
        header = header_of(source)
        return _header_score(header, CRAWLER_REQUIRED, ("@用户", "完整日期", "是否原创", "工具"))

    def read(self, source: SourceFile) -> ReadResult:
        table = read_csv_table(source, force_robust=True)
        rows = []
        realigned: dict[str, int] = {}
        for number, values in zip(table.record, table.rows or [], strict=True):
            named, unnamed, notes = realign_crawler_row(table.header, values)
            for note in notes:
                realigned[note] = realigned.get(note, 0) + 1
            raw = {**named, **unnamed}
            original = named.get("是否原创", "True").strip() != "False"
            parent = named.get("源微博id", "").strip() or None
            rows.append({
                "record": int(number), "raw": raw, "post_id": named.get("id"),
                "kind": "post" if original else "repost", "is_repost": not original,
                "text": named.get("正文"), "author_id": None,
                "created_at": (unnamed.get("full_created_at") or named.get("完整日期") or named.get("日期")),
                "likes": named.get("点赞数"), "comments": named.get("评论数"), "reposts": named.get("转发数"),
                "topics": named.get("话题", ""), "mentions": named.get("@用户", ""),
                "location": named.get("位置") or None,
                "parent_post_id": None if original else parent,
                "parent_text": None if original else named.get("源微博正文"),
                "url": f"https://m.weibo.cn/detail/{named.get('id', '').strip()}",
            })
        posts, rejections = build_posts(rows, source.crawl_time, capped=True)
        # originals have fewer values than the header by design: not worth a warning
        warnings = [w for w in table.warnings if "fewer and 0 with more" not in w]
        warnings += [f"{count} row(s): {note}, realigned" for note, count in sorted(realigned.items())]
        if "author_id" in posts.columns:
            posts = posts.drop(columns=["author_id"])
        return ReadResult(posts, table.records, table.rejected + rejections, warnings)


# --------------------------------------------------------------------------------------------------
# weibo-crawler users.csv and comment CSV

USERS_REQUIRED = ("用户id", "昵称", "粉丝数", "关注数")


@register_reader
class WeiboCrawlerUsersCsv(Reader):
    """dataabc/weibo-crawler ``users.csv``: user records, written to the authors table."""

    name = "weibo-crawler-users-csv"
    platform = "weibo"

    def sniff(self, source: SourceFile) -> float:
        return _header_score(header_of(source), USERS_REQUIRED, ("微博数", "IP属地"))

    def read(self, source: SourceFile) -> ReadResult:
        table = read_csv_table(source, force_robust=True)
        rows = []
        for number, raw_json in zip(table.record, table.raw, strict=True):
            rec = json.loads(raw_json)
            rows.append({"record": int(number), "raw": rec, "author_id": rec.get("用户id"),
                         "author_name": rec.get("昵称"), "gender": rec.get("性别"),
                         "location": rec.get("所在地") or None, "ip_location": rec.get("IP属地") or None,
                         "description": rec.get("简介"), "followers": rec.get("粉丝数"),
                         "following": rec.get("关注数"), "statuses": rec.get("微博数"),
                         "verified": rec.get("是否认证")})
        return ReadResult(pd.DataFrame(), table.records, table.rejected, table.warnings,
                          authors=authors_frame(rows))


COMMENTS_HEADER = ("id", "weibo_id", "created_at", "user_screen_name", "text", "like_count")


@register_reader
class WeiboCrawlerCommentsCsv(Reader):
    """dataabc/weibo-crawler comment export (``<screen_name>_comments.csv``)."""

    name = "weibo-crawler-comments-csv"
    platform = "weibo"

    def sniff(self, source: SourceFile) -> float:
        return _header_score(header_of(source), COMMENTS_HEADER, ("pic_url",))

    def read(self, source: SourceFile) -> ReadResult:
        table = read_csv_table(source)
        rows = [{"record": int(n), "raw": raw, **_comment_fields(json.loads(raw))}
                for n, raw in zip(table.record, table.raw, strict=True)]
        posts, rejections = build_posts(rows, source.crawl_time, topics_in_text=True)
        return ReadResult(posts, table.records, table.rejected + rejections, table.warnings)


def _comment_fields(rec: dict) -> dict:
    return {"post_id": rec.get("id"), "kind": "comment", "parent_post_id": rec.get("weibo_id"),
            "created_at": rec.get("created_at"), "author_id": rec.get("user_id"),
            "author_name": rec.get("user_screen_name"), "text": rec.get("text"),
            "likes": rec.get("like_count")}


# --------------------------------------------------------------------------------------------------
# weibo-crawler JSON


def _json_document(source: SourceFile):
    if not source.text:
        return None
    head = source.head(200).lstrip("\ufeff \r\n\t")
    if not head.startswith("{"):
        return None
    try:
        return json.loads(source.text.lstrip("\ufeff"))
    except ValueError:
        return None


def _crawler_post(item: dict, record: int) -> dict:
    retweet = item.get("retweet") if isinstance(item.get("retweet"), dict) else None
    return {
        "record": record, "raw": item, "post_id": item.get("id"),
        "kind": "repost" if retweet else "post", "is_repost": retweet is not None,
        "author_id": item.get("user_id"), "author_name": item.get("screen_name"),
        "text": item.get("text"),
        "created_at": item.get("full_created_at") or item.get("created_at"),
        "likes": item.get("attitudes_count"), "comments": item.get("comments_count"),
        "reposts": item.get("reposts_count"),
        "topics": item.get("topics") or "", "mentions": item.get("at_users") or "",
        "location": item.get("location") or None, "ip_location": item.get("ip_location") or None,
        "parent_post_id": retweet.get("id") if retweet else None,
        "parent_text": retweet.get("text") if retweet else None,
        "url": f"https://m.weibo.cn/detail/{item.get('id')}" if item.get("id") else None,
    }


def _doc_result(source: SourceFile, doc: dict, post_of, user_of, *, capped: bool) -> ReadResult:
    rows, rejected, users = [], [], []
    record = 0
    if isinstance(doc.get("user"), dict):
        record += 1
        users.append({"record": record, "raw": doc["user"], **user_of(doc["user"])})
    for item in doc.get("weibo") or []:
        record += 1
        if not isinstance(item, dict):
            rejected.append(Rejection(record, "weibo item is not a JSON object", json.dumps(item)))
            continue
        rows.append(post_of(item, record))
    posts, rejections = build_posts(rows, source.crawl_time, capped=capped)
    return ReadResult(posts, record, rejected + rejections, [],
                      authors=authors_frame(users) if users else None)


def _crawler_user(user: dict) -> dict:
    return {"author_id": user.get("id"), "author_name": user.get("screen_name"),
            "gender": user.get("gender"), "location": user.get("location"),
            "ip_location": user.get("ip_location"), "description": user.get("description"),
            "followers": user.get("followers_count"), "following": user.get("follow_count"),
            "statuses": user.get("statuses_count"), "verified": user.get("verified")}


@register_reader
class WeiboCrawlerJson(Reader):
    """dataabc/weibo-crawler ``<user_id>.json``: ``{"user": {...}, "weibo": [...]}``."""

    name = "weibo-crawler-json"
    platform = "weibo"

    def sniff(self, source: SourceFile) -> float:
        head = source.head(4000)
        if '"weibo"' not in head or '"user"' not in head:
            return 0.0
        return 0.9 if ('"attitudes_count"' in head or '"bid"' in head) else 0.0

    def read(self, source: SourceFile) -> ReadResult:
        doc = _json_document(source)
        if not isinstance(doc, dict):
            raise ValueError("not a complete JSON object (truncated file?)")
        return _doc_result(source, doc, _crawler_post, _crawler_user, capped=True)


# --------------------------------------------------------------------------------------------------
# weibo-crawler SQLite


@register_reader
class WeiboCrawlerSqlite(Reader):
    """dataabc/weibo-crawler ``weibodata.db``: tables ``weibo``, ``comments``, ``reposts``, ``user``."""

    name = "weibo-crawler-sqlite"
    platform = "weibo"

    def sniff(self, source: SourceFile) -> float:
        if source.kind != "sqlite":
            return 0.0
        tables = _sqlite_tables(source)
        return 0.95 if "weibo" in tables and "user" in tables else (0.6 if "weibo" in tables else 0.0)

    def read(self, source: SourceFile) -> ReadResult:
        tables = _sqlite_tables(source)
        rows, users = [], []
        record = 0
        with _connect(source) as db:
            for table, post_of in (("weibo", _sqlite_weibo), ("comments", _sqlite_comment),
                                   ("reposts", _sqlite_repost)):
                if table not in tables:
                    continue
                for item in _sqlite_rows(db, table):
                    record += 1
                    rows.append({"record": record, "raw": {"_table": table, **item}, **post_of(item)})
            if "user" in tables:
                for item in _sqlite_rows(db, "user"):
                    record += 1
                    users.append({"record": record, "raw": {"_table": "user", **item},
                                  "author_id": item.get("id"), "author_name": item.get("nick_name"),
                                  "gender": item.get("gender"), "location": item.get("location"),
                                  "description": item.get("bio"), "followers": item.get("follower_count"),
                                  "following": item.get("follow_count")})
        posts, rejections = build_posts(rows, source.crawl_time, capped=True)
        # text of reposted posts that are in the same database
        if len(posts) and "parent_post_id" in posts.columns:
            texts = posts.drop_duplicates("post_id").set_index("post_id")["text"]
            posts["parent_text"] = posts["parent_post_id"].map(texts).astype(STRING)
        return ReadResult(posts, record, rejections, [], authors=authors_frame(users) if users else None)


def _connect(source: SourceFile) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{source.path.resolve()}?mode=ro&immutable=1", uri=True)


def _sqlite_tables(source: SourceFile) -> set[str]:
    try:
        with _connect(source) as db:
            return {r[0] for r in db.execute("select name from sqlite_master where type='table'")}
    except sqlite3.DatabaseError as error:
        raise ValueError(f"damaged SQLite database ({error})") from None


def _sqlite_rows(db: sqlite3.Connection, table: str) -> list[dict]:
    cursor = db.execute(f'select * from "{table}" order by rowid')
    names = [d[0] for d in cursor.description]
    out = []
    for row in cursor:
        out.append({n: (v if not isinstance(v, bytes) else f"<{len(v)} bytes>") for n, v in zip(names, row,
                                                                                               strict=True)})
    return out


def _sqlite_weibo(item: dict) -> dict:
    retweet = str(item.get("retweet_id") or "").strip() or None
    return {"post_id": item.get("id"), "kind": "repost" if retweet else "post", "is_repost": bool(retweet),
            "parent_post_id": retweet, "author_id": item.get("user_id"),
            "author_name": item.get("screen_name"), "text": item.get("text"),
            "created_at": item.get("created_at"), "likes": item.get("attitudes_count"),
            "comments": item.get("comments_count"), "reposts": item.get("reposts_count"),
            "topics": item.get("topics") or "", "mentions": item.get("at_users") or "",
            "location": item.get("location") or None, "ip_location": item.get("ip_location") or None,
            "url": f"https://m.weibo.cn/detail/{item.get('id')}"}


def _sqlite_comment(item: dict) -> dict:
    return {"post_id": item.get("id"), "kind": "comment", "is_repost": False,
            "parent_post_id": item.get("weibo_id"), "author_id": item.get("user_id"),
            "author_name": item.get("user_screen_name"), "text": item.get("text"),
            "created_at": item.get("created_at"), "likes": item.get("like_count")}


def _sqlite_repost(item: dict) -> dict:
    return {**_sqlite_comment(item), "kind": "repost", "is_repost": True}


# --------------------------------------------------------------------------------------------------
# weiboSpider

SPIDER_REQUIRED = ("微博id", "微博正文", "发布时间", "点赞数", "转发数", "评论数")
_REPOST = re.compile(
    r"^转发理由:(?P<reason>.*?)\n\s*原始用户:\s*(?P<user>[^\n]*)\n\s*转发内容:\s*(?P<text>.*)$", re.S)


def spider_post_id(value: str | None) -> str | None:
    """weiboSpider's ``微博id`` (a base62 bid) as the numeric mid; numeric ids pass through."""
    value = (value or "").strip()
    if not value:
        return None
    return value if value.isdigit() else (bid_to_mid(value) or value)


def _spider_fields(post_id, text, original, time, place, likes, reposts, comments) -> dict:
    is_repost = str(original).strip() == "False" if original is not None else False
    match = _REPOST.match(text or "") if is_repost or (text or "").startswith("转发理由:") else None
    is_repost = is_repost or match is not None
    return {"post_id": spider_post_id(post_id), "kind": "repost" if is_repost else "post",
            "is_repost": is_repost, "text": text,
            "parent_text": match.group("text").strip() if match else None,
            "created_at": time, "location": None if place in (None, "", "无") else place,
            "likes": likes, "reposts": reposts, "comments": comments,
            "url": f"https://weibo.cn/comment/{post_id.strip()}" if post_id and post_id.strip() else None}


@register_reader
class WeiboSpiderCsv(Reader):
    """dataabc/weiboSpider ``<user_id>.csv`` (weibo.cn, cookie version)."""

    name = "weibospider-csv"
    platform = "weibo"

    def sniff(self, source: SourceFile) -> float:
        return _header_score(header_of(source), SPIDER_REQUIRED, ("发布工具", "是否为原创微博"))

    def read(self, source: SourceFile) -> ReadResult:
        table = read_csv_table(source)
        rows = []
        for number, raw in zip(table.record, table.raw, strict=True):
            rec = json.loads(raw)
            rows.append({"record": int(number), "raw": raw, "topics": [], **_spider_fields(
                rec.get("微博id"), rec.get("微博正文"), rec.get("是否为原创微博"), rec.get("发布时间"),
                rec.get("发布位置"), rec.get("点赞数"), rec.get("转发数"), rec.get("评论数"))})
        posts, rejections = build_posts(rows, source.crawl_time, topics_in_text=False)
        return ReadResult(posts, table.records, table.rejected + rejections, table.warnings)


def _spider_user(user: dict) -> dict:
    return {"author_id": user.get("id"), "author_name": user.get("nickname"), "gender": user.get("gender"),
            "location": user.get("location"), "description": user.get("description"),
            "followers": user.get("followers"), "following": user.get("following"),
            "statuses": user.get("weibo_num")}


def _spider_json_post(item: dict, record: int) -> dict:
    original = item.get("original")
    return {"record": record, "raw": item, **_spider_fields(
        str(item.get("id") or ""), item.get("content"), None if original is None else str(original),
        item.get("publish_time"), item.get("publish_place"), item.get("up_num"), item.get("retweet_num"),
        item.get("comment_num")), "author_id": item.get("user_id") or None}


@register_reader
class WeiboSpiderJson(Reader):
    """dataabc/weiboSpider ``<user_id>.json``: ``{"user": {...}, "weibo": [...]}``, weibo.cn fields."""

    name = "weibospider-json"
    platform = "weibo"

    def sniff(self, source: SourceFile) -> float:
        head = source.head(4000)
        if '"weibo"' not in head or '"user"' not in head:
            return 0.0
        return 0.9 if ('"publish_time"' in head or '"up_num"' in head) else 0.0

    def read(self, source: SourceFile) -> ReadResult:
        doc = _json_document(source)
        if not isinstance(doc, dict):
            raise ValueError("not a complete JSON object (truncated file?)")
        result = _doc_result(source, doc, _spider_json_post, _spider_user, capped=False)
        user = doc.get("user") if isinstance(doc.get("user"), dict) else {}
        if len(result.posts) and user.get("id"):
            ids = result.posts.get("author_id", pd.Series(None, index=result.posts.index, dtype=STRING))
            result.posts["author_id"] = ids.fillna(str(user["id"]))
            result.posts["author_name"] = user.get("nickname")
        return result


_TXT_FIELDS = {"微博位置": "place", "发布位置": "place", "发布时间": "time", "点赞数": "likes",
               "转发数": "reposts", "评论数": "comments", "发布工具": "tool"}


@register_reader
class WeiboSpiderTxt(Reader):
    """dataabc/weiboSpider ``<user_id>.txt`` (written in the console encoding: GBK or UTF-8)."""

    name = "weibospider-txt"
    platform = "weibo"

    def sniff(self, source: SourceFile) -> float:
        head = source.head(20000)
        return 0.9 if "发布时间：" in head and ("微博内容：" in head or "用户信息：" in head) else 0.0

    def read(self, source: SourceFile) -> ReadResult:
        lines = source.text.lstrip("\ufeff").splitlines()
        user: dict = {}
        rows, rejected = [], []
        pending: list[str] = []
        fields: dict = {}
        section = None
        record = 0
        for line in lines:
            stripped = line.strip()
            if stripped in ("用户信息：", "微博内容："):
                section = stripped
                continue
            if section == "用户信息：":
                if "：" in stripped:
                    key, value = stripped.split("：", 1)
                    user[key] = value
                continue
            key, _, value = stripped.partition("：")
            if key in _TXT_FIELDS and (pending or fields):
                fields[_TXT_FIELDS[key]] = value.strip()
                if key == "发布工具":
                    record += 1
                    rows.append(self._row(record, pending, fields))
                    pending, fields = [], {}
                continue
            if fields:  # text after the fields of an unfinished record: close it
                record += 1
                rows.append(self._row(record, pending, fields))
                pending, fields = [], {}
            if stripped or pending:
                pending.append(line)
        if (pending and any(p.strip() for p in pending)) or fields:
            record += 1
            rejected.append(Rejection(record, "incomplete record at the end of the file (truncated?)",
                                      "\n".join(pending)))
        posts, rejections = build_posts(rows, source.crawl_time)
        if len(posts):
            posts["author_id"] = clean_ids(pd.Series(user.get("用户id"), index=posts.index))
            posts["author_name"] = user.get("用户昵称")
        return ReadResult(posts, record, rejected + rejections, [])

    @staticmethod
    def _row(record: int, pending: list[str], fields: dict) -> dict:
        text = "\n".join(pending).strip()
        raw = {"text": text, **fields}
        return {"record": record, "raw": raw, **_spider_fields(
            None, text, None, fields.get("time"), fields.get("place"), fields.get("likes"),
            fields.get("reposts"), fields.get("comments"))}


__all__ = ["bid_to_mid", "realign_crawler_row", "spider_post_id"]
