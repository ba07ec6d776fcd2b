"""Readers for NanmiCoder/MediaCrawler output: Weibo, Xiaohongshu, Douyin and Bilibili.

One reader per platform (``mediacrawler-weibo``, ``mediacrawler-xhs``, ``mediacrawler-douyin``,
``mediacrawler-bilibili``), each reading CSV (``utf-8-sig``), JSON (a list, ``indent=4``), JSON Lines
and Excel workbooks (sheets ``Contents``, ``Comments``, ``Creators``…); ``mediacrawler-sqlite`` reads
its SQLite database (``weibo_note``, ``xhs_note_comment``… tables). What a record is (content,
comment, creator, Bilibili dynamic or contact) is told by its keys, record by record, so a daily file
that mixes MediaCrawler versions still reads. Both field sets are understood: the one before
2026-07-01 (``user_id``, ``nickname``, ``avatar``, ``ip_location``…) and the anonymised one after
(``creator_hash`` = 16 hex chars of sha256(user id), masked ``nickname`` ``a***b``), plus the early-2024
Xiaohongshu subset and hand-edited column subsets (a Xiaohongshu note without ``note_id`` gets its id
from ``note_url``).

MediaCrawler's CSV writer takes each row's columns from that item's own keys while the header comes
from the first item, so a row from another version has another number of values. Such a row is
realigned with the known MediaCrawler field list of that length when there is exactly one; otherwise
it is rejected with the reason.

Mapping to the posts table: contents → ``kind="post"`` (Bilibili dynamics too), comments →
``kind="comment"`` with ``parent_post_id`` = ``note_id``/``aweme_id``/``video_id``; creators, up
info and contacts → the authors table. Times: Weibo ``create_time`` (unix s; else
``create_date_time``), Xiaohongshu ``time``/``create_time`` (ms), Douyin and Bilibili ``create_time``
(s), dynamics ``pub_ts`` (s); relative forms resolve against ``--crawl-time`` when given, else the
record's ``last_modify_ts`` (ms), else the file's crawl time. Counts are strings (``1.2万``,
``10万+``) parsed by :mod:`textkit.counts`. Topics: Xiaohongshu ``tag_list``, Weibo ``#话题#`` and
Douyin ``#话题`` in the text.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import ClassVar

import numpy as np
import pandas as pd
import pyarrow as pa

from textkit.ingest.base import Reader, ReadResult, Rejection, SourceFile, register_reader
from textkit.ingest.common import (
    as_string,
    authors_frame,
    clean_ids,
    counts_block,
    drop_rejected,
    find_all,
    mentions_from_text,
    parse_time_column,
    record_crawl_times,
    split_list,
    string_series,
    topics_from_text,
)
from textkit.ingest.records import (
    Records,
    first_objects,
    is_json_text,
    json_records,
    xlsx_headers,
    xlsx_records,
)
from textkit.ingest.tables import header_of, read_csv_table
from textkit.schema import INT, STRING

# Field lists in MediaCrawler's key order (store/<platform>/__init__.py), before and after 2026-07-01.
FIELD_SETS: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {
    ("weibo", "content"): (
        ("note_id", "content", "create_time", "create_date_time", "liked_count", "comments_count",
         "shared_count", "last_modify_ts", "note_url", "ip_location", "user_id", "nickname", "gender",
         "profile_url", "avatar", "source_keyword"),
        ("note_id", "content", "create_time", "create_date_time", "liked_count", "comments_count",
         "shared_count", "last_modify_ts", "note_url", "ip_location", "user_id", "nickname", "gender",
         "profile_url", "avatar"),
        ("note_id", "content", "create_time", "create_date_time", "liked_count", "comments_count",
         "shared_count", "last_modify_ts", "note_url", "creator_hash", "nickname", "source_keyword"),
    ),
    ("weibo", "comment"): (
        ("comment_id", "create_time", "create_date_time", "note_id", "content", "sub_comment_count",
         "comment_like_count", "last_modify_ts", "ip_location", "parent_comment_id", "user_id", "nickname",
         "gender", "profile_url", "avatar"),
        ("comment_id", "create_time", "create_date_time", "note_id", "content", "sub_comment_count",
         "comment_like_count", "last_modify_ts", "ip_location", "user_id", "nickname", "gender",
         "profile_url", "avatar"),
        ("comment_id", "create_time", "create_date_time", "note_id", "content", "sub_comment_count",
         "comment_like_count", "last_modify_ts", "parent_comment_id", "creator_hash", "nickname"),
    ),
    ("weibo", "creator"): (
        ("user_id", "nickname", "gender", "avatar", "desc", "ip_location", "follows", "fans", "tag_list",
         "last_modify_ts"),
    ),
    ("xhs", "content"): (
        ("note_id", "type", "title", "desc", "video_url", "time", "last_update_time", "user_id", "nickname",
         "avatar", "liked_count", "collected_count", "comment_count", "share_count", "ip_location",
         "image_list", "tag_list", "last_modify_ts", "note_url", "source_keyword", "xsec_token"),
        ("note_id", "type", "title", "desc", "time", "last_update_time", "user_id", "nickname", "avatar",
         "liked_count", "collected_count", "comment_count", "share_count", "ip_location", "image_list",
         "last_modify_ts", "note_url"),
        ("note_id", "type", "title", "desc", "video_url", "time", "last_update_time", "creator_hash",
         "nickname", "liked_count", "collected_count", "comment_count", "share_count", "image_list",
         "tag_list", "last_modify_ts", "note_url", "source_keyword", "xsec_token"),
    ),
    ("xhs", "comment"): (
        ("comment_id", "create_time", "ip_location", "note_id", "content", "user_id", "nickname", "avatar",
         "sub_comment_count", "pictures", "parent_comment_id", "last_modify_ts", "like_count"),
        ("comment_id", "create_time", "note_id", "content", "creator_hash", "nickname", "sub_comment_count",
         "pictures", "parent_comment_id", "last_modify_ts", "like_count"),
    ),
    ("xhs", "creator"): (
        ("user_id", "nickname", "gender", "avatar", "desc", "ip_location", "follows", "fans", "interaction",
         "tag_list", "last_modify_ts"),
    ),
    ("douyin", "content"): (
        ("aweme_id", "aweme_type", "title", "desc", "create_time", "user_id", "sec_uid", "short_user_id",
         "user_unique_id", "user_signature", "nickname", "avatar", "liked_count", "collected_count",
         "comment_count", "share_count", "ip_location", "last_modify_ts", "aweme_url", "cover_url",
         "video_download_url", "music_download_url", "note_download_url", "source_keyword"),
        ("aweme_id", "aweme_type", "title", "desc", "create_time", "creator_hash", "nickname", "liked_count",
         "collected_count", "comment_count", "share_count", "last_modify_ts", "aweme_url", "cover_url",
         "video_download_url", "music_download_url", "note_download_url", "source_keyword"),
    ),
    ("douyin", "comment"): (
        ("comment_id", "create_time", "ip_location", "aweme_id", "content", "user_id", "sec_uid",
         "short_user_id", "user_unique_id", "user_signature", "nickname", "avatar", "sub_comment_count",
         "like_count", "last_modify_ts", "parent_comment_id", "pictures"),
        ("comment_id", "create_time", "aweme_id", "content", "creator_hash", "nickname", "sub_comment_count",
         "like_count", "last_modify_ts", "parent_comment_id", "pictures"),
    ),
    ("douyin", "creator"): (
        ("user_id", "nickname", "gender", "avatar", "desc", "ip_location", "follows", "fans", "interaction",
         "videos_count", "last_modify_ts"),
    ),
    ("bilibili", "content"): (
        ("video_id", "video_type", "title", "desc", "create_time", "user_id", "nickname", "avatar",
         "liked_count", "disliked_count", "video_play_count", "video_favorite_count", "video_share_count",
         "video_coin_count", "video_danmaku", "video_comment", "last_modify_ts", "video_url",
         "video_cover_url", "source_keyword"),
        ("video_id", "video_type", "title", "desc", "create_time", "creator_hash", "nickname", "liked_count",
         "disliked_count", "video_play_count", "video_favorite_count", "video_share_count",
         "video_coin_count", "video_danmaku", "video_comment", "last_modify_ts", "video_url",
         "video_cover_url", "source_keyword"),
    ),
    ("bilibili", "comment"): (
        ("comment_id", "parent_comment_id", "create_time", "video_id", "content", "user_id", "nickname",
         "sex", "sign", "avatar", "sub_comment_count", "like_count", "last_modify_ts"),
        ("comment_id", "parent_comment_id", "create_time", "video_id", "content", "creator_hash", "nickname",
         "sub_comment_count", "like_count", "last_modify_ts"),
    ),
    ("bilibili", "creator"): (
        ("user_id", "nickname", "sex", "sign", "avatar", "last_modify_ts", "total_fans", "total_liked",
         "user_rank", "is_official"),
    ),
    ("bilibili", "dynamic"): (
        ("dynamic_id", "user_id", "user_name", "text", "type", "pub_ts", "total_comments", "total_forwards",
         "total_liked", "last_modify_ts"),
        ("dynamic_id", "creator_hash", "user_name", "text", "type", "pub_ts", "total_comments",
         "total_forwards", "total_liked", "last_modify_ts"),
    ),
    ("bilibili", "contact"): (
        ("up_id", "fan_id", "up_name", "fan_name", "up_sign", "fan_sign", "up_avatar", "fan_avatar",
         "last_modify_ts"),
    ),
}

_WEIBO_TOPIC = re.compile(r"#([^#\n]{1,60})#")
_DOUYIN_TOPIC = re.compile(r"#([^#\s]{1,40})")
_XHS_NOTE_URL = re.compile(r"/(?:explore|discovery/item|item)/([0-9a-f]{24})")


def item_type(platform: str, keys: set[str]) -> str | None:
    """What a MediaCrawler record of ``platform`` is, from its keys (None when it is none of them)."""
    if platform == "weibo":
        if {"comment_id", "note_id", "comment_like_count"} <= keys:
            return "comment"
        if {"note_id", "content"} <= keys and keys & {"create_date_time", "shared_count", "note_url"}:
            return "content"
    elif platform == "xhs":
        if {"comment_id", "note_id", "like_count"} <= keys:
            return "comment"
        if {"desc", "collected_count", "liked_count"} <= keys and keys & {"note_id", "note_url"} and (
                "time" in keys or "last_update_time" in keys):
            return "content"
    elif platform == "douyin":
        if {"comment_id", "aweme_id"} <= keys:
            return "comment"
        if "aweme_id" in keys and keys & {"aweme_type", "aweme_url", "desc"}:
            return "content"
    elif platform == "bilibili":
        if {"comment_id", "video_id"} <= keys:
            return "comment"
        if "video_id" in keys and keys & {"video_type", "video_play_count", "video_url"}:
            return "content"
        if {"dynamic_id", "pub_ts"} <= keys:
            return "dynamic"
        if {"up_id", "fan_id"} <= keys:
            return "contact"
        if {"total_fans", "user_rank"} <= keys:
            return "creator"
    if platform in ("weibo", "xhs", "douyin") and {"user_id", "nickname", "follows", "fans"} <= keys:
        creator_of = ("douyin" if "videos_count" in keys else "xhs" if "interaction" in keys
                      else "weibo" if "tag_list" in keys else None)
        if creator_of == platform:
            return "creator"
    return None


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip()) and not (
        isinstance(value, float) and np.isnan(value))


def _get(record: dict, *keys: str) -> object:
    for key in keys:
        value = record.get(key)
        if _present(value):
            return value.strip() if isinstance(value, str) else value
    return None


# Posts columns ← MediaCrawler fields (the first non-empty one wins), per (platform, record type).
POST_FIELDS: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {
    ("weibo", "content"): {"post_id": ("note_id",), "text": ("content",),
                           "created_at": ("create_time", "create_date_time"), "likes": ("liked_count",),
                           "comments": ("comments_count",), "reposts": ("shared_count",),
                           "url": ("note_url",)},
    ("weibo", "comment"): {"post_id": ("comment_id",), "parent_post_id": ("note_id",), "text": ("content",),
                           "created_at": ("create_time", "create_date_time"),
                           "likes": ("comment_like_count",), "comments": ("sub_comment_count",)},
    ("xhs", "content"): {"post_id": ("note_id",), "title": ("title",), "text": ("desc",),
                         "created_at": ("time", "last_update_time"), "likes": ("liked_count",),
                         "comments": ("comment_count",), "reposts": ("share_count",), "url": ("note_url",),
                         "topics": ("tag_list",)},
    ("xhs", "comment"): {"post_id": ("comment_id",), "parent_post_id": ("note_id",), "text": ("content",),
                         "created_at": ("create_time",), "likes": ("like_count",),
                         "comments": ("sub_comment_count",)},
    ("douyin", "content"): {"post_id": ("aweme_id",), "title": ("title",), "text": ("desc", "title"),
                            "created_at": ("create_time",), "likes": ("liked_count",),
                            "comments": ("comment_count",), "reposts": ("share_count",),
                            "url": ("aweme_url",)},
    ("douyin", "comment"): {"post_id": ("comment_id",), "parent_post_id": ("aweme_id",), "text": ("content",),
                            "created_at": ("create_time",), "likes": ("like_count",),
                            "comments": ("sub_comment_count",)},
    ("bilibili", "content"): {"post_id": ("video_id",), "title": ("title",), "text": ("desc",),
                              "created_at": ("create_time",), "likes": ("liked_count",),
                              "comments": ("video_comment",), "reposts": ("video_share_count",),
                              "url": ("video_url",)},
    ("bilibili", "comment"): {"post_id": ("comment_id",), "parent_post_id": ("video_id",),
                              "text": ("content",), "created_at": ("create_time",), "likes": ("like_count",),
                              "comments": ("sub_comment_count",)},
    ("bilibili", "dynamic"): {"post_id": ("dynamic_id",), "text": ("text",), "created_at": ("pub_ts",),
                              "likes": ("total_liked",), "comments": ("total_comments",),
                              "reposts": ("total_forwards",)},
}
AUTHOR_FIELDS = {"author_id": ("user_id", "creator_hash"), "author_name": ("nickname", "user_name"),
                 "ip_location": ("ip_location",)}
URL_OF_ID = {("weibo", "content"): "https://m.weibo.cn/detail/", ("douyin", "content"):
             "https://www.douyin.com/video/", ("bilibili", "content"): "https://www.bilibili.com/video/av"}
_COUNT_TARGETS = ("likes", "comments", "reposts")
_STRING_TARGETS = ("text", "title", "author_name", "ip_location", "url")


def _coalesce(frame: pd.DataFrame, names: tuple[str, ...]) -> pd.Series:
    """The first non-empty value among ``names`` (stripped strings; missing when all are empty)."""
    out = pd.Series(None, index=frame.index, dtype=STRING)
    for name in names:
        if name in frame.columns:
            values = _strings(frame[name]).str.strip()
            out = out.fillna(values.mask(values == "", None))
    return out


def _strings(values: pd.Series) -> pd.Series:
    """A column as strings: straight through Arrow when it already holds only text, else value by value."""
    if values.dtype == STRING:
        return values
    try:
        array = pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return as_string(values)
    return pd.Series(pd.arrays.ArrowStringArray(array), index=values.index).astype(STRING)


class MediaCrawlerReader(Reader):
    """Shared logic of the four platform readers (subclasses set ``name`` and ``platform``)."""

    platform: ClassVar[str] = ""

    # -- detection ---------------------------------------------------------------------------------

    def sniff(self, source: SourceFile) -> float:
        if source.kind == "xlsx":
            headers = xlsx_headers(source)
            kinds = [item_type(self.platform, set(keys)) for keys in headers.values()]
            return 0.9 if any(kinds) else 0.0
        if source.kind != "text":
            return 0.0
        if is_json_text(source):
            objects = first_objects(source)
            kinds = [item_type(self.platform, set(obj)) for obj in objects]
            return 0.9 if kinds and sum(k is not None for k in kinds) * 2 >= len(kinds) else 0.0
        header = set(header_of(source))
        return 0.9 if item_type(self.platform, header) else 0.0

    # -- reading -----------------------------------------------------------------------------------

    def read(self, source: SourceFile) -> ReadResult:
        if source.kind == "xlsx":
            return self._convert(xlsx_records(source), source)
        if is_json_text(source):
            return self._convert(json_records(source), source)
        table = read_csv_table(source)
        if table.rows is None and table.rejected:  # a short last row may be another version's item
            table = read_csv_table(source, force_robust=True)
        kind = item_type(self.platform, set(table.header))
        if table.rows is None and kind in ("content", "comment", "dynamic"):
            # clean file: one field set, columns straight from the CSV parser
            posts, rejected = self._posts(kind, table.frame, table.record, table.raw, source)
            return ReadResult(posts=posts, records=table.records, rejected=table.rejected + rejected,
                              warnings=table.warnings)
        return self._convert(self._csv_records(table), source)

    def _csv_records(self, table) -> Records:
        out = Records(rejected=list(table.rejected), warnings=list(table.warnings))
        header = table.header
        if table.rows is None:
            columns = [table.frame[name].to_numpy(dtype=object, na_value=None)
                       for name in table.frame.columns]
            for i, record in enumerate(table.record):
                out.items.append((int(record), {h: col[i] for h, col in zip(header, columns, strict=True)}))
            return out
        realigned = 0
        for record, row in zip(table.record, table.rows, strict=True):
            if len(row) == len(header):
                out.items.append((int(record), dict(zip(header, row, strict=True))))
                continue
            keys = self._field_set_of_length(len(row), header)
            if keys is None:
                out.rejected.append(Rejection(
                    int(record), f"{len(row)} values for the {len(header)}-column header and no MediaCrawler "
                    f"{self.platform} field list has {len(row)} keys (rows of mixed versions?)",
                    ",".join(row)))
                continue
            realigned += 1
            out.items.append((int(record), dict(zip(keys, row, strict=True))))
        if realigned:
            out.warnings.append(f"{realigned} row(s) written by another MediaCrawler version realigned "
                                "with that version's field list")
        return out

    def _field_set_of_length(self, n: int, header: list[str]) -> tuple[str, ...] | None:
        kind = item_type(self.platform, set(header))
        kinds = [kind] if kind else [k for p, k in FIELD_SETS if p == self.platform]
        candidates = {keys for k in kinds for keys in FIELD_SETS.get((self.platform, k), ())
                      if len(keys) == n}
        return candidates.pop() if len(candidates) == 1 else None

    def _convert(self, records: Records, source: SourceFile) -> ReadResult:
        """Records of any container, grouped by what they are, each group converted column-wise."""
        groups: dict[str, list[tuple[int, dict]]] = {}
        kinds_of: dict[tuple, str | None] = {}  # by the keys in order: cheaper to hash than a set
        rejected = list(records.rejected)
        for number, record in records.items:
            keys = tuple(record)
            kind = kinds_of.get(keys, False)
            if kind is False:
                kind = kinds_of[keys] = item_type(self.platform, set(keys))
            if kind is None:
                shown = ", ".join(list(record)[:8])
                rejected.append(Rejection(number, f"not a MediaCrawler {self.platform} content, comment or "
                                          f"creator record (keys: {shown})", _json(record)))
            else:
                groups.setdefault(kind, []).append((number, record))
        keys_of: dict[str, set[str]] = {}
        for keys, kind in kinds_of.items():
            keys_of.setdefault(kind, set()).update(keys)
        posts, author_rows = [], []
        for kind, items in groups.items():
            if kind in ("creator", "contact"):
                author_rows += [self._author_row(kind, number, record) for number, record in items]
                continue
            used = self._source_fields(kind)  # only the fields _posts reads: same columns, less work
            frame = pd.DataFrame.from_records([record for _, record in items],
                                              columns=[key for key in used if key in keys_of[kind]])
            numbers = np.array([number for number, _ in items], dtype=np.int64)
            texts = records.raw_lines(numbers)
            if texts.null_count:  # records that are not a JSON line: their JSON
                texts = pa.array([text if text is not None else _json(record) for text, (_, record)
                                  in zip(texts.to_pylist(), items, strict=True)], pa.string())
            raw = string_series(texts)
            group_posts, group_rejected = self._posts(kind, frame, numbers, raw, source)
            posts.append(group_posts)
            rejected += group_rejected
        authors = authors_frame(author_rows) if author_rows else None
        return ReadResult(posts=pd.concat(posts, ignore_index=True) if posts else pd.DataFrame(),
                          records=records.count, rejected=sorted(rejected, key=lambda r: r.record),
                          warnings=records.warnings, authors=authors)

    def _source_fields(self, kind: str) -> list[str]:
        """The record fields :meth:`_posts` reads for records of ``kind``."""
        spec = {**AUTHOR_FIELDS, **POST_FIELDS[(self.platform, kind)]}
        return list(dict.fromkeys([name for names in spec.values() for name in names] + ["last_modify_ts"]))

    def _posts(self, kind: str, frame: pd.DataFrame, records: np.ndarray, raw: pd.Series,
               source: SourceFile) -> tuple[pd.DataFrame, list[Rejection]]:
        """Posts columns of records of one type, column-wise; rejections for unreadable times."""
        frame = frame.reset_index(drop=True)
        raw = raw.reset_index(drop=True)
        spec = {**AUTHOR_FIELDS, **POST_FIELDS[(self.platform, kind)]}
        values = {target: _coalesce(frame, names) for target, names in spec.items()}
        times, precision, bad, rejections = parse_time_column(
            values["created_at"], record_crawl_times(_coalesce(frame, ("last_modify_ts",)), source),
            records, raw, spec["created_at"][0])
        if self.platform == "xhs" and kind == "content":  # hand-edited subsets drop note_id
            from_url = values["url"].str.extract(_XHS_NOTE_URL.pattern, expand=False).astype(STRING)
            values["post_id"] = values["post_id"].fillna(from_url)
        if (prefix := URL_OF_ID.get((self.platform, kind))) is not None:
            values["url"] = values["url"].fillna(prefix + values["post_id"])
        out = {"post_id": clean_ids(values["post_id"]), "kind": "comment" if kind == "comment" else "post",
               "created_at": times, "time_precision": precision,
               "source_record": pd.Series(records, dtype=INT), "raw": raw,
               "author_id": clean_ids(values["author_id"])}
        if "parent_post_id" in values:
            out["parent_post_id"] = clean_ids(values["parent_post_id"])
        for target in _STRING_TARGETS:
            if target in values:
                out[target] = values[target]
        out.update(counts_block(pd.DataFrame({t: values[t] for t in _COUNT_TARGETS if t in values}),
                                {t: t for t in _COUNT_TARGETS if t in values}))
        text = values["text"]
        if "topics" in values:
            out["topics"] = split_list(values["topics"])
        elif self.platform == "weibo":
            out["topics"] = topics_from_text(text)
        elif self.platform == "douyin":
            out["topics"] = find_all(text, _DOUYIN_TOPIC, "#")
        if self.platform in ("weibo", "douyin", "bilibili"):
            out["mentions"] = mentions_from_text(text)
        posts = pd.DataFrame(out)
        return drop_rejected(posts, bad), rejections

    def _author_row(self, kind: str, number: int, record: dict) -> dict:
        if kind == "contact":
            return {"record": number, "raw": record, "author_id": _get(record, "fan_id"),
                    "author_name": _get(record, "fan_name"), "description": _get(record, "fan_sign")}
        return {"record": number, "raw": record, "author_id": _get(record, "user_id", "creator_hash"),
                "author_name": _get(record, "nickname"), "gender": _get(record, "gender", "sex"),
                "ip_location": _get(record, "ip_location"), "description": _get(record, "desc", "sign"),
                "followers": _get(record, "fans", "total_fans"), "following": _get(record, "follows"),
                "verified": _get(record, "is_official")}


def _json(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, default=str)


@register_reader
class WeiboMediaCrawlerReader(MediaCrawlerReader):
    """MediaCrawler Weibo contents, comments and creators."""

    name = "mediacrawler-weibo"
    platform = "weibo"


@register_reader
class XhsMediaCrawlerReader(MediaCrawlerReader):
    """MediaCrawler Xiaohongshu (RedNote) notes, comments and creators."""

    name = "mediacrawler-xhs"
    platform = "xhs"


@register_reader
class DouyinMediaCrawlerReader(MediaCrawlerReader):
    """MediaCrawler Douyin videos (awemes), comments and creators."""

    name = "mediacrawler-douyin"
    platform = "douyin"


@register_reader
class BilibiliMediaCrawlerReader(MediaCrawlerReader):
    """MediaCrawler Bilibili (``bili``) videos, comments, dynamics, up info and contacts."""

    name = "mediacrawler-bilibili"
    platform = "bilibili"


# MediaCrawler's SQLite tables (database/models.py) → (platform, reader of that platform)
SQLITE_TABLES: dict[str, str] = {
    "weibo_note": "weibo", "weibo_note_comment": "weibo", "weibo_creator": "weibo",
    "xhs_note": "xhs", "xhs_note_comment": "xhs", "xhs_creator": "xhs",
    "douyin_aweme": "douyin", "douyin_aweme_comment": "douyin", "dy_creator": "douyin",
    "bilibili_video": "bilibili", "bilibili_video_comment": "bilibili", "bilibili_up_info": "bilibili",
    "bilibili_contact_info": "bilibili", "bilibili_up_dynamic": "bilibili",
}
_PLATFORM_READERS = {"weibo": WeiboMediaCrawlerReader, "xhs": XhsMediaCrawlerReader,
                     "douyin": DouyinMediaCrawlerReader, "bilibili": BilibiliMediaCrawlerReader}


def _sqlite_tables(source: SourceFile) -> list[str]:
    import sqlite3

    with contextlib.closing(sqlite3.connect(f"file:{source.path}?mode=ro", uri=True)) as db:
        return [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]


@register_reader
class SqliteMediaCrawlerReader(Reader):
    """MediaCrawler's SQLite database (``weibo_note``, ``xhs_note_comment``, ``douyin_aweme`` … tables).

    Every known table is read; the extra ``id`` and ``add_ts`` columns stay in ``raw``. Record numbers
    run on across tables in the order of :data:`SQLITE_TABLES`.
    """

    name = "mediacrawler-sqlite"
    platform = "weibo"

    def sniff(self, source: SourceFile) -> float:
        if source.kind != "sqlite":
            return 0.0
        return 0.95 if set(_sqlite_tables(source)) & set(SQLITE_TABLES) else 0.0

    def read(self, source: SourceFile) -> ReadResult:
        import sqlite3

        present = set(_sqlite_tables(source))
        per_platform: dict[str, Records] = {}
        record = 0
        with contextlib.closing(sqlite3.connect(f"file:{source.path}?mode=ro", uri=True)) as db:
            db.row_factory = sqlite3.Row
            for table, platform in SQLITE_TABLES.items():
                if table not in present:
                    continue
                records = per_platform.setdefault(platform, Records())
                for row in db.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):  # table names are ours
                    record += 1
                    records.items.append((record, dict(row)))
        posts, authors, rejected, warnings, total = [], [], [], [], 0
        for platform, records in per_platform.items():
            result = _PLATFORM_READERS[platform]()._convert(records, source)
            total += result.records
            rejected += result.rejected
            warnings += result.warnings
            if result.posts is not None and len(result.posts):
                posts.append(result.posts.assign(platform=platform))
            if result.authors is not None and len(result.authors):
                authors.append(result.authors.assign(platform=platform))
        return ReadResult(posts=pd.concat(posts, ignore_index=True) if posts else pd.DataFrame(),
                          records=total, rejected=sorted(rejected, key=lambda r: r.record),
                          warnings=warnings,
                          authors=pd.concat(authors, ignore_index=True) if authors else None)
