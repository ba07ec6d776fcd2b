"""News readers on hand-made fixtures (invented article text only) of every supported article format."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import textkit.ingest.news as news_readers
from textkit.ingest import read_posts
from textkit.ingest.base import SourceFile
from textkit.ingest.detect import detect
from textkit.ingest.sources import open_source

NEWS = Path(__file__).parent / "fixtures" / "news"
FORMATS = {
    "mediacloud_stories_old.csv": ("mediacloud-csv", 4, 2),
    "mediacloud_search.csv": ("mediacloud-csv", 2, 2),
    "articles_trafilatura.jsonl": ("article-jsonl", 5, 3),
    "article_newspaper.json": ("article-json", 2, 2),
    "feed_rss.xml": ("rss", 2, 1),
    "feed_atom.xml": ("atom", 2, 2),
}


def china(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("Asia/Shanghai")


@pytest.fixture(scope="module")
def ingested():
    rejected: list[dict] = []
    posts, report = read_posts([NEWS / name for name in sorted(FORMATS)], rejected_out=rejected)
    return posts.set_index("post_id"), report.to_dict(), rejected


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_format_is_detected(name):
    assert detect(open_source(NEWS / name)).name == FORMATS[name][0]


def test_nothing_lost_and_every_record_is_an_article(ingested):
    posts, report, rejected = ingested
    by_file = {Path(f["file"]).name: f for f in report["files"]}
    for name, (fmt, records, accepted) in FORMATS.items():
        entry = by_file[name]
        assert (entry["format"], entry["records"], entry["accepted"]) == (fmt, records, accepted), name
        assert entry["records"] == entry["accepted"] + entry["duplicates"] + entry["rejected"]
    assert len(rejected) == sum(r - a for _, r, a in FORMATS.values())
    assert set(posts["kind"]) == {"article"} and set(posts["platform"]) == {"news"}
    assert posts["title"].notna().all() and posts["outlet"].notna().all()


def test_rejections_name_their_reason(ingested):
    _, _, rejected = ingested
    reasons = " | ".join(r["reason"] for r in rejected)
    assert "unreadable publication time 'not a date'" in reasons
    assert "neither title nor text" in reasons
    assert "broken JSON line" in reasons
    assert reasons.count("no publication time") == 2  # the undated JSONL record and RSS item


def test_mediacloud_times_are_utc_without_zone(ingested):
    posts, _, _ = ingested
    old = posts.loc["900000001"]
    assert old["created_at"] == china("2022-01-04T03:15:42.123456Z")
    assert (old["title"], old["outlet"], old["language"]) == (
        "Invented city's health app fails during testing drive", "Example Daily", "en")
    search = posts.loc["abc123fake"]
    assert search["time_precision"] == "day" and search["created_at"] == china("2021-12-20T00:00:00Z")


def test_language_is_detected_not_taken_from_the_export(ingested):
    posts, _, _ = ingested
    assert posts.loc["def456fake", "language"] == "zh"  # the export says en; the headline is Chinese
    assert posts.loc["urn:uuid:00000000-0000-0000-0000-000000000003", "language"] == "en"


def test_stated_zone_is_used_for_times_without_zone(ingested):
    posts, _, _ = ingested
    by_title = posts.set_index("title")
    shanghai = by_title.loc["示例区居民凌晨排队做核酸"]
    assert shanghai["created_at"] == china("2021-12-20T08:30:00+08:00")
    assert shanghai["time_precision"] == "minute"
    offset = by_title.loc["Wire copy with a stated offset"]
    assert offset["created_at"] == china("2022-01-04T10:00:00+01:00")


def test_feeds_keep_outlet_author_and_plain_text(ingested):
    posts, _, _ = ingested
    rss = posts.loc["pt-0001"]
    assert rss["created_at"] == china("2021-12-22T16:05:00Z")
    assert (rss["outlet"], rss["author_name"]) == ("Placeholder Times", "F. Writer")
    assert "Shops & markets will close" in rss["text"] and "<p>" not in rss["text"]
    atom = posts.loc["urn:uuid:00000000-0000-0000-0000-000000000002"]
    assert (atom["outlet"], atom["author_name"], atom["language"]) == ("假想都市报", "记者乙", "zh")
    assert atom["url"] == "https://www.imagined-metro.example/2022/01/24/low.html"
    undated_entry = posts.loc["urn:uuid:00000000-0000-0000-0000-000000000003"]
    assert undated_entry["created_at"] == china("2022-01-24T03:00:00Z")  # falls back to <updated>


def test_json_article_without_id_gets_a_url_id_and_raw_keeps_everything(ingested):
    posts, _, _ = ingested
    url = "https://www.specimen-chronicle.example/2022/01/05/chief.html"
    assert news_readers.url_id(url) in posts.index
    row = posts.loc[news_readers.url_id(url)]
    assert row["author_name"] == "D. Writer, E. Writer"
    assert '"meta_lang": "en"' in row["raw"]


def _source(text: str, name: str = "x.txt") -> SourceFile:
    return SourceFile(Path(name), name, "utf-8", text)


def test_article_readers_leave_social_media_files_alone():
    weibo_line = '{"id": "4720000000000001", "text": "invented", "created_at": "2022-01-04", "user": {}}\n'
    xhs_line = '{"note_id": "n1", "title": "t", "desc": "d", "note_url": "https://x.example/n1"}\n'
    for text in (weibo_line, xhs_line, "mid,text,created_at\n1,a,2022-01-04\n"):
        for reader in (news_readers.ArticleJsonlReader(), news_readers.ArticleJsonReader(),
                       news_readers.MediaCloudCsvReader(), news_readers.RssReader(),
                       news_readers.AtomReader()):
            assert reader.sniff(_source(text)) == 0.0, (reader.name, text)


def test_feed_with_entities_is_refused_not_expanded():
    bomb = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">]>'
            "<rss><channel><title>&a;</title></channel></rss>")
    result = news_readers.RssReader().read(_source(bomb, "bomb.xml"))
    assert result.records == 1 and len(result.posts) == 0
    assert "entities" in result.rejected[0].reason


def test_broken_feed_is_one_clear_rejection():
    result = news_readers.AtomReader().read(_source('<feed xmlns="http://www.w3.org/2005/Atom"><entry>'))
    assert result.records == 1 and result.rejected[0].reason.startswith("unreadable XML")


@pytest.mark.parametrize(("value", "zone", "expected", "precision"), [
    ("2022-01-04 03:15:42", None, "2022-01-04T11:15:42+08:00", "second"),
    ("2022-01-04T03:15:42Z", None, "2022-01-04T11:15:42+08:00", "second"),
    ("2022-01-04 09:00", "Asia/Shanghai", "2022-01-04T09:00:00+08:00", "minute"),
    ("2022-01-04", "+08:00", "2022-01-04T00:00:00+08:00", "day"),
    ("Tue, 04 Jan 2022 01:00:00 +0000", None, "2022-01-04T09:00:00+08:00", "second"),
    ("Tue, 04 Jan 2022 01:00:00 -0000", "UTC+1", "2022-01-04T08:00:00+08:00", "second"),
])
def test_parse_published(value, zone, expected, precision):
    tz = news_readers.parse_zone(zone) if zone else None
    assert news_readers.parse_published(value, tz) == (china(expected), precision)


def test_unknown_zone_is_a_clear_error():
    with pytest.raises(news_readers.ArticleError, match="unknown time zone 'Mars/Base'"):
        news_readers.parse_zone("Mars/Base")


@given(st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1),
                    timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=8)),
                                               dt.timezone(dt.timedelta(hours=-5, minutes=-30))])))
def test_iso_times_with_a_zone_keep_their_instant(moment):
    moment = moment.replace(microsecond=0)
    parsed, _ = news_readers.parse_published(moment.isoformat(), dt.timezone(dt.timedelta(hours=3)))
    assert parsed == pd.Timestamp(moment) and str(parsed.tz) == "Asia/Shanghai"


def test_generic_csv_with_a_column_mapping_lands_as_articles():
    from textkit.ingest.generic import GenericReader
    from textkit.news import merge_articles

    mapping = {"post_id": "文章编号", "created_at": "发布时间", "title": "标题", "text": "正文",
               "outlet": "媒体", "url": "链接", "language": "语种"}
    reader = GenericReader(mapping=mapping, platform="news", kind="article")
    result = reader.read(open_source(NEWS / "articles_mapped.csv"))
    assert result.records == 2 and not result.rejected
    posts = result.posts.assign(platform="news", source_format="generic", source_file="articles_mapped.csv",
                                source_record=[1, 2])
    assert set(posts["kind"]) == {"article"}
    assert posts["outlet"].tolist() == ["演示晨报", "Example Daily"]
    articles = merge_articles(posts).set_index("article_id")
    assert articles.loc["fake-002", "language"] == "en"  # the file says zh; the text is English
    assert articles.loc["fake-001", "created_at"] == china("2022-01-04T11:20:00+08:00")  # generic: China time
