"""Readers for news-article collections: Media Cloud CSV exports, article JSON/JSONL dumps, RSS and Atom.

Every article becomes one row of the posts table with ``platform="news"``, ``kind="article"`` and the
article columns ``title``, ``outlet`` and ``language`` filled; the original record is kept in ``raw``.

Formats (detected from headers and keys):

* ``mediacloud-csv`` — the older Media Cloud stories export (``stories_id, publish_date, title, url,
  language, …, media_name, media_url``) and the newer search export (``id, indexed_date, publish_date,
  title, url, language, media_name, media_url``). These carry no article text.
* ``article-json`` / ``article-jsonl`` — trafilatura, newspaper3k and news-please style records
  (``title``, ``text``/``maintext``/``raw_text``, ``date``/``publish_date``/``date_publish``,
  ``author``/``authors``, ``url``/``source``, ``sitename``/``hostname``/``source_domain``); a JSON file
  may hold one article or a list of them.
* ``rss`` / ``atom`` — feed files saved to disk; the channel's or feed's title is the outlet.

Publication times: a time that states its zone (``Z``, ``+08:00``, ``GMT`` in RSS) is read as stated.
A time without a zone is read in the zone the record states (a ``timezone``/``tz``/``time_zone`` field
holding an IANA name such as ``Asia/Shanghai`` or an offset such as ``+08:00``), otherwise as **UTC**
(Media Cloud stores UTC). A date without a time has ``time_precision="day"`` and is midnight of that
date in the same zone. Everything is stored in China time like every other post.

Language: the detected language of title and text (:func:`textkit.news.detect_language`); when the
record has too little text to tell, the language the record states (``zh-CN`` → ``zh``).

A record with neither title nor text, or with a missing or unreadable publication time, is rejected with
its reason (it cannot be placed on a timeline); nothing is dropped silently.
"""

from __future__ import annotations

import csv
import datetime as dt
import email.utils
import hashlib
import html
import io
import json
import re
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from textkit.ingest.base import Reader, ReadResult, Rejection, SourceFile, register_reader
from textkit.schema import CHINA_TZ

try:  # defusedxml guards against entity-expansion bombs in untrusted feed files
    from defusedxml import ElementTree as XmlTree
except ImportError:  # pragma: no cover - defusedxml is a dependency, the fallback refuses entities
    import xml.etree.ElementTree as XmlTree

PLATFORM = "news"
KIND = "article"
ZONE_FIELDS = ("timezone", "tz", "time_zone", "publish_timezone")
MEDIACLOUD_OLD = ("stories_id", "publish_date", "title", "url", "media_name")
MEDIACLOUD_NEW = ("id", "indexed_date", "publish_date", "title", "url", "media_name")
TEXT_KEYS = ("text", "maintext", "raw_text", "content", "body")
DATE_KEYS = ("date", "publish_date", "date_publish", "published", "pubdate", "published_at", "date_modify")
URL_KEYS = ("url", "source", "link", "canonical_url")
OUTLET_KEYS = ("sitename", "source-hostname", "media_name", "source_domain", "hostname", "meta_site_name")
AUTHOR_KEYS = ("author", "authors", "byline")
ID_KEYS = ("id", "stories_id", "article_id")

_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[ \t\r\f\v]+")


class ArticleError(ValueError):
    """A record that cannot become an article row; the message is the rejection reason."""


# --- values ------------------------------------------------------------------------------------------


def parse_zone(value: object) -> dt.tzinfo:
    """An IANA zone name or a UTC offset (``+08:00``, ``UTC+8``, ``-0500``) as a tzinfo."""
    text = str(value).strip()
    match = _OFFSET.match(text)
    if match:
        sign, hours, minutes = match.groups()
        delta = dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
        return dt.timezone(-delta if sign == "-" else delta)
    if text.upper() in ("UTC", "GMT", "Z"):
        return dt.UTC
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ArticleError(f"unknown time zone {text!r}") from None


def parse_published(value: object, zone: dt.tzinfo | None = None) -> tuple[pd.Timestamp, str]:
    """Parse a publication time; return it in China time with its precision (``second``/``minute``/``day``).

    A value without a zone is read in ``zone`` (default UTC). Accepts ISO 8601 (with ``T`` or a space,
    optional fraction and zone, or a bare date) and RFC 822 feed dates.
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        raise ArticleError("no publication time")
    text = str(value).strip()
    if not text:
        raise ArticleError("no publication time")
    zone = zone or dt.UTC
    try:
        parsed = dt.datetime.fromisoformat(text.replace(" ", "T", 1) if len(text) > 10 else text)
        precision = (
            "day" if len(text) <= 10 else ("second" if parsed.second or text.count(":") >= 2 else "minute")
        )
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            raise ArticleError(f"unreadable publication time {text!r}") from None
        precision = "second"
        if text.endswith("-0000"):  # RFC 2822: "-0000" means the zone is unknown
            parsed = parsed.replace(tzinfo=None)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return pd.Timestamp(parsed).tz_convert(CHINA_TZ), precision


def normalise_language(value: object) -> str | None:
    """``zh-CN``, ``zh_Hans``, ``EN-us`` → ``zh``, ``en``; empty → None."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    code = re.split(r"[-_]", str(value).strip().lower(), maxsplit=1)[0]
    return code or None


def html_to_text(value: str) -> str:
    """Feed summaries and contents hold HTML: drop tags, unescape entities, tidy whitespace."""
    text = html.unescape(_TAG.sub(" ", re.sub(r"(?i)<br\s*/?>|</p>", "\n", value)))
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def url_id(url: str) -> str:
    """A stable post_id for an article that has no id of its own: ``url:`` + 16 hex of its URL's SHA-1."""
    return "url:" + hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]


def _first(record: dict, keys: Iterable[str]) -> object:
    for key in keys:
        value = record.get(key)
        if value not in (None, "", []) and not (isinstance(value, float) and pd.isna(value)):
            return value
    return None


def _clean(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value if v)
    text = str(value).strip()
    return text or None


# --- one record → one row ----------------------------------------------------------------------------


def article_row(
    record: dict,
    *,
    source_format: str,
    source: SourceFile,
    record_number: int,
    post_id: object = None,
    title: object = None,
    text: object = None,
    published: object = None,
    outlet: object = None,
    author: object = None,
    url: object = None,
    language: object = None,
) -> dict:
    """Build a posts-table row for one article; raise :class:`ArticleError` with the reason when it cannot."""
    from textkit.news import detect_language

    title, text, url = _clean(title), _clean(text), _clean(url)
    if not title and not text:
        raise ArticleError("article has neither title nor text")
    stated_zone = _first(record, ZONE_FIELDS)
    zone = parse_zone(stated_zone) if stated_zone is not None else None
    created_at, precision = parse_published(published, zone)
    post_id = _clean(post_id)
    if post_id is None:
        if url is None:
            raise ArticleError("article has no id and no url to identify it")
        post_id = url_id(url)
    detected = detect_language(" ".join(part for part in (title, text) if part))
    return {
        "post_id": post_id,
        "platform": PLATFORM,
        "source_format": source_format,
        "source_file": source.display_path,
        "source_record": record_number,
        "kind": KIND,
        "author_name": _clean(author),
        "created_at": created_at,
        "time_precision": precision,
        "text": text,
        "url": url,
        "title": title,
        "outlet": _clean(outlet),
        "language": detected if detected != "und" else normalise_language(language),
        "raw": json.dumps(record, ensure_ascii=False, sort_keys=True, default=str),
    }


def _result(rows: list[dict], records: int, rejected: list[Rejection], warnings: list[str]) -> ReadResult:
    posts = pd.DataFrame(rows) if rows else pd.DataFrame({"post_id": pd.Series([], dtype=object)})
    return ReadResult(posts=posts, records=records, rejected=rejected, warnings=warnings)


# --- Media Cloud CSV --------------------------------------------------------------------------------


def _csv_header(source: SourceFile) -> list[str]:
    lines = source.head_lines(1)
    if not lines:
        return []
    return [name.strip().lower() for name in next(csv.reader([lines[0]]))]


@register_reader
class MediaCloudCsvReader(Reader):
    """Media Cloud story exports (the older stories export and the newer search export)."""

    name = "mediacloud-csv"
    platform = PLATFORM

    def sniff(self, source: SourceFile) -> float:
        header = set(_csv_header(source))
        if set(MEDIACLOUD_OLD) <= header or set(MEDIACLOUD_NEW) <= header:
            return 0.95
        return 0.0

    def read(self, source: SourceFile) -> ReadResult:
        text = (source.text or "").lstrip("\ufeff")
        reader = csv.reader(io.StringIO(text, newline=""))
        header = [name.strip().lower() for name in next(reader, [])]
        id_key = "stories_id" if "stories_id" in header else "id"
        rows, rejected, warnings, records = [], [], [], 0
        for fields in reader:
            if not any(field.strip() for field in fields):
                continue
            if [f.strip().lower() for f in fields] == header:
                continue  # a repeated header row is not a record
            records += 1
            raw_line = ",".join(fields)
            if len(fields) != len(header):
                rejected.append(
                    Rejection(records, f"expected {len(header)} fields, found {len(fields)}", raw_line)
                )
                continue
            record = dict(zip(header, fields, strict=True))
            try:
                rows.append(
                    article_row(
                        record,
                        source_format=self.name,
                        source=source,
                        record_number=records,
                        post_id=record.get(id_key),
                        title=record.get("title"),
                        text=_first(record, TEXT_KEYS),
                        published=record.get("publish_date") or record.get("indexed_date"),
                        outlet=record.get("media_name") or record.get("media_url"),
                        author=_first(record, AUTHOR_KEYS),
                        url=record.get("url"),
                        language=record.get("language"),
                    )
                )
            except ArticleError as exc:
                rejected.append(Rejection(records, str(exc), raw_line))
        return _result(rows, records, rejected, warnings)


# --- article JSON / JSONL ----------------------------------------------------------------------------


def _looks_like_article(obj: object) -> bool:
    return (
        isinstance(obj, dict)
        and "title" in obj
        and any(k in obj for k in TEXT_KEYS)
        and any(k in obj for k in (*URL_KEYS, *OUTLET_KEYS))
    )


def _json_article_row(record: dict, reader: Reader, source: SourceFile, number: int) -> dict:
    url = _first(record, URL_KEYS)
    return article_row(
        record,
        source_format=reader.name,
        source=source,
        record_number=number,
        post_id=_first(record, ID_KEYS),
        title=record.get("title"),
        text=_first(record, TEXT_KEYS),
        published=_first(record, DATE_KEYS),
        outlet=_first(record, OUTLET_KEYS),
        author=_first(record, AUTHOR_KEYS),
        url=url,
        language=record.get("language") or record.get("lang"),
    )


@register_reader
class ArticleJsonlReader(Reader):
    """One article per line (trafilatura ``--json`` output, news-please, newspaper3k dumps)."""

    name = "article-jsonl"
    platform = PLATFORM

    def sniff(self, source: SourceFile) -> float:
        lines = source.head_lines(1)
        if not lines:
            return 0.0
        try:
            first = json.loads(lines[0].lstrip("\ufeff"))
        except json.JSONDecodeError:
            return 0.0
        return 0.85 if _looks_like_article(first) else 0.0

    def read(self, source: SourceFile) -> ReadResult:
        rows, rejected, records = [], [], 0
        for line in (source.text or "").lstrip("\ufeff").splitlines():
            if not line.strip():
                continue
            records += 1
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                rejected.append(
                    Rejection(records, f"broken JSON line: {exc.msg} at column {exc.colno}", line)
                )
                continue
            if not isinstance(record, dict):
                rejected.append(Rejection(records, "JSON line is not an object", line))
                continue
            try:
                rows.append(_json_article_row(record, self, source, records))
            except ArticleError as exc:
                rejected.append(Rejection(records, str(exc), line))
        return _result(rows, records, rejected, [])


@register_reader
class ArticleJsonReader(Reader):
    """A JSON file holding one article object or a list of them."""

    name = "article-json"
    platform = PLATFORM

    def sniff(self, source: SourceFile) -> float:
        head = source.head(4096).lstrip("\ufeff").lstrip()
        if not head.startswith(("{", "[")) or '"title"' not in head:
            return 0.0
        has_text = any(f'"{k}"' in head for k in TEXT_KEYS)
        has_place = any(f'"{k}"' in head for k in (*URL_KEYS, *OUTLET_KEYS))
        if not (has_text and has_place):
            return 0.0
        try:
            data = json.loads(source.text or "")
        except json.JSONDecodeError:
            return 0.5  # article keys but broken: still ours, read() reports the damage
        first = data[0] if isinstance(data, list) and data else data
        return 0.85 if _looks_like_article(first) else 0.0

    def read(self, source: SourceFile) -> ReadResult:
        try:
            data = json.loads((source.text or "").lstrip("\ufeff"))
        except json.JSONDecodeError as exc:
            return _result(
                [],
                1,
                [Rejection(1, f"broken JSON: {exc.msg} at line {exc.lineno}", (source.text or "")[:2000])],
                [],
            )
        items = data if isinstance(data, list) else [data]
        rows, rejected = [], []
        for number, record in enumerate(items, start=1):
            raw = json.dumps(record, ensure_ascii=False, sort_keys=True)
            if not isinstance(record, dict):
                rejected.append(Rejection(number, "array item is not an object", raw))
                continue
            try:
                rows.append(_json_article_row(record, self, source, number))
            except ArticleError as exc:
                rejected.append(Rejection(number, str(exc), raw))
        return _result(rows, len(items), rejected, [])


# --- RSS 2.0 and Atom feeds --------------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_LOCAL = re.compile(r"^\{[^}]*\}")


def _local(tag: str) -> str:
    return _LOCAL.sub("", tag)


def _element_record(element) -> dict:
    """Child elements as a flat dict (namespace prefixes dropped; attributes of ``link`` kept)."""
    record: dict[str, object] = {}
    for child in element:
        key = _local(child.tag)
        if key == "link" and child.get("href"):
            value: object = child.get("href")
            if child.get("rel", "alternate") != "alternate":
                continue
        elif len(child):
            value = {_local(grand.tag): (grand.text or "").strip() for grand in child}
        else:
            value = (child.text or "").strip()
        if key in record:
            previous = record[key]
            record[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            record[key] = value
    return record


def _parse_feed(source: SourceFile):
    text = (source.text or "").lstrip("\ufeff")
    if "<!ENTITY" in text:
        raise ArticleError("feed declares XML entities; refused (entity expansion is unsafe)")
    try:
        return XmlTree.fromstring(text.encode("utf-8"))
    except Exception as exc:
        raise ArticleError(f"unreadable XML: {exc}") from None


def _iter_feed_items(root) -> Iterator[tuple[object, dict]]:
    yield from (
        (item, _element_record(item)) for item in root.iter() if _local(item.tag) in ("item", "entry")
    )


class _FeedReader(Reader):
    platform = PLATFORM
    marker = ""

    def sniff(self, source: SourceFile) -> float:
        head = source.head(2048)
        return 0.95 if self.marker in head else 0.0

    def read(self, source: SourceFile) -> ReadResult:
        try:
            root = _parse_feed(source)
        except ArticleError as exc:
            return _result([], 1, [Rejection(1, str(exc), (source.text or "")[:2000])], [])
        outlet, language = self._feed_info(root)
        rows, rejected, records = [], [], 0
        for element, record in _iter_feed_items(root):
            records += 1
            record["_feed"] = {"outlet": outlet, "language": language}
            try:
                rows.append(self._row(element, record, source, records, outlet, language))
            except ArticleError as exc:
                rejected.append(
                    Rejection(records, str(exc), json.dumps(record, ensure_ascii=False, sort_keys=True))
                )
        return _result(rows, records, rejected, [] if records else ["feed holds no items"])

    def _feed_info(self, root) -> tuple[str | None, str | None]:
        raise NotImplementedError

    def _row(self, element, record: dict, source: SourceFile, number: int, outlet, language) -> dict:
        raise NotImplementedError


def _text_of(value: object) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or next(iter(value.values()), None)
    return html_to_text(value) if isinstance(value, str) and value.strip() else None


@register_reader
class RssReader(_FeedReader):
    """RSS 2.0 feeds saved to disk (``<rss><channel><item>``)."""

    name = "rss"
    marker = "<rss"

    def _feed_info(self, root):
        channel = root.find("channel")
        if channel is None:
            return None, None
        return (channel.findtext("title") or "").strip() or None, (channel.findtext("language") or None)

    def _row(self, element, record, source, number, outlet, language):
        body = _first(record, ("encoded", "description", "summary"))
        return article_row(
            record,
            source_format=self.name,
            source=source,
            record_number=number,
            post_id=_text_of(record.get("guid")),
            title=_text_of(record.get("title")),
            text=_text_of(body),
            published=_text_of(record.get("pubDate")) or _text_of(record.get("date")),
            outlet=_text_of(record.get("source")) or outlet,
            author=_text_of(record.get("creator")) or _text_of(record.get("author")),
            url=_text_of(record.get("link")),
            language=language,
        )


@register_reader
class AtomReader(_FeedReader):
    """Atom feeds saved to disk (``<feed xmlns="http://www.w3.org/2005/Atom"><entry>``)."""

    name = "atom"
    marker = "http://www.w3.org/2005/Atom"

    def sniff(self, source: SourceFile) -> float:
        head = source.head(2048)
        return 0.95 if "<feed" in head and self.marker in head else 0.0

    def _feed_info(self, root):
        return (root.findtext(f"{ATOM}title") or "").strip() or None, root.get(XML_LANG)

    def _row(self, element, record, source, number, outlet, language):
        body = _first(record, ("content", "summary"))
        return article_row(
            record,
            source_format=self.name,
            source=source,
            record_number=number,
            post_id=_text_of(record.get("id")),
            title=_text_of(record.get("title")),
            text=_text_of(body),
            published=_text_of(record.get("published")) or _text_of(record.get("updated")),
            outlet=outlet,
            author=_text_of(record.get("author")),
            url=_text_of(record.get("link")),
            language=element.get(XML_LANG) or language,
        )
