"""Ingest every real scraper file and real post corpus in ../shared; spot values checked against the files.

Only ids, times, counts and links are asserted: no post text or nickname appears here.
"""

from __future__ import annotations

import csv
import json

import pandas as pd

from textkit.ingest import ingest_dir, read_posts

SCRAPER_FORMATS = {
    "2019-12_heyauri-zombie-blog_1669879400.head.csv": "weibo-crawler-csv",
    "2022-12_to_2024-06_BlueHtml-weibo-backup_3229023683.json": "weibo-crawler-json",
    "2024-06_BlueHtml-weibo-backup_users.csv": "weibo-crawler-users-csv",
    "2024-09_engineerWxy-Crawlers_5659527751.head.csv": "weibo-crawler-csv",
    "2024-09_engineerWxy-Crawlers_users.csv": "weibo-crawler-users-csv",
    "2024-12_atorber-weibo-crawler_users.csv": "weibo-crawler-users-csv",
    "2025-01_atorber-weibo-crawler_weibodata.trimmed.db": "weibo-crawler-sqlite",
    "README-example_1669879400.json": "weibo-crawler-json",
    "2020-03_yys12138-weibo-search_dilireba.head.csv": "weibo-search-csv",
    "2022-10_hxx12138-weibo-search_yiqing.csv": "weibo-search-csv",
    "2024-11_HolyCaonima-weibo-crawler_2334162530.head.csv": "weibo-crawler-csv",
    "2024-11_HolyCaonima-weibo-crawler_2334162530.trimmed.json": "weibo-crawler-json",
    "2024-01_andyischaos-WeiboXCommunityNotes_weibo-piyao.head.csv": "weibospider-csv",
    "docs-example_1669879400.json": "weibospider-json",
    "2024-02_Dev-Khant-RAG_xhs_search_contents_2024-02-07.head.csv": "mediacrawler-xhs",
}
T = pd.Timestamp
CRAWLER = "data/scrapers/dataabc-weibo-crawler"
SEARCH = "data/scrapers/dataabc-weibo-search"
SPIDER = "data/scrapers/dataabc-weiboSpider"


def _one(path, **kwargs):
    posts, report = read_posts([path], **kwargs)
    report.check()
    (file_report,) = report.files
    return posts, file_report


def _scraper_files(shared):
    return sorted(p for p in (shared / "data" / "scrapers").rglob("*") if p.is_file())


def test_every_scraper_file_is_read_completely(shared):
    files = _scraper_files(shared)
    assert files
    for path in files:
        posts, report = _one(path)
        assert report.error is None, report.error
        assert report.rejected == 0, (path.name, report.rejected)
        assert report.records > 0
        assert report.records == report.accepted + report.duplicates + report.rejected
        if path.name in SCRAPER_FORMATS and not SCRAPER_FORMATS[path.name].startswith("mediacrawler"):
            assert report.format == SCRAPER_FORMATS[path.name], path.name
        if path.name.startswith("README-example_") and path.parent.name.startswith("nghuyong"):
            assert report.format == "nghuyong-jsonl"
        assert posts["created_at"].notna().all()
        for raw in posts["raw"]:
            assert isinstance(json.loads(raw), dict)


def test_whole_scraper_folder_in_one_run(shared, tmp_path):
    report = ingest_dir([shared / "data" / "scrapers"], tmp_path / "out")
    total = report["total"]
    assert total["records"] == total["accepted"] + total["duplicates"] + total["rejected"]
    assert total["rejected"] == 0
    posts = pd.read_parquet(tmp_path / "out" / "posts.parquet")
    assert not posts.duplicated(["platform", "post_id"]).any()
    authors = pd.read_parquet(tmp_path / "out" / "authors.parquet")
    assert {"3229023683", "5659527751", "6067225218"} <= set(authors["author_id"])
    # weiboSpider's base62 bids become mids, so its README example and weibo-crawler's are one user's posts
    spider = next(f for f in report["files"] if f["file"].endswith("docs-example_1669879400.json"))
    assert spider["duplicates"] >= 1


def test_weibo_crawler_2019_capped_counts_and_dates(shared):
    path = shared / CRAWLER / "2019-12_heyauri-zombie-blog_1669879400.head.csv"
    posts, report = _one(path)
    assert report.records == 30 and report.accepted == 30
    first = posts.iloc[0]
    assert first["post_id"] == "4451582411926548"
    assert first["created_at"] == T("2019-12-20", tz="Asia/Shanghai")
    assert first["time_precision"] == "day"
    assert (first["likes"], first["comments"], first["reposts"]) == (703892, 445618, 1000000)
    assert bool(first["counts_lower_bound"]) is True  # 1000000 is weibo-crawler's "100万+"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    capped = [any(r[c] == "1000000" for c in ("点赞数", "评论数", "转发数")) for r in rows]
    assert posts["counts_lower_bound"].tolist() == capped
    assert posts["post_id"].tolist() == [r["id"].strip() for r in rows]


def test_weibo_crawler_tab_ids_and_full_times(shared):
    path = shared / CRAWLER / "2024-09_engineerWxy-Crawlers_5659527751.head.csv"
    posts, _ = _one(path)
    first = posts.iloc[0]
    assert first["post_id"] == "5069687817766029"  # written as "5069687817766029\t"
    assert first["created_at"] == T("2024-08-21 06:00:29", tz="Asia/Shanghai")
    assert first["time_precision"] == "second"
    assert (first["likes"], first["comments"], first["reposts"]) == (3028, 169, 937)
    assert posts["post_id"].str.fullmatch(r"\d{16}").all()


def test_weibo_crawler_json_repost_link(shared):
    path = shared / CRAWLER / "README-example_1669879400.json"
    posts, report = _one(path)
    assert report.records == 3  # the user and two posts
    assert report.authors == 1
    repost = posts.set_index("post_id").loc["4454081098040623"]
    assert repost["kind"] == "repost" and bool(repost["is_repost"])
    assert repost["parent_post_id"] == "4454028484570123"
    assert pd.notna(repost["parent_text"])
    assert repost["created_at"] == T("2019-12-27", tz="Asia/Shanghai")


def test_weibo_crawler_json_mixed_date_forms(shared):
    folder = shared / CRAWLER
    path = folder / "2022-12_to_2024-06_BlueHtml-weibo-backup_3229023683.json"
    posts, report = _one(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert report.records == len(doc["weibo"]) + 1
    assert posts["post_id"].tolist() == [str(w["id"]) for w in doc["weibo"]]
    assert posts.iloc[0]["created_at"] == T("2023-01-14 02:02:46", tz="Asia/Shanghai")
    assert (posts["author_id"] == "3229023683").all()


def test_weibo_crawler_sqlite(shared):
    path = shared / CRAWLER / "2025-01_atorber-weibo-crawler_weibodata.trimmed.db"
    posts, report = _one(path)
    assert report.format == "weibo-crawler-sqlite"
    assert report.records == 25 + 3  # 25 weibo rows and 3 users (comments/reposts are empty)
    assert (report.posts, report.authors, report.duplicates) == (25, 3, 0)
    first = posts.iloc[0]
    assert first["post_id"] == "5109391814033632"
    assert first["created_at"] == T("2024-12-08 19:29:58", tz="Asia/Shanghai")
    assert (first["likes"], first["comments"], first["reposts"]) == (7, 0, 4)


def test_weibo_search_sample_values(shared):
    path = shared / SEARCH / "2020-03_yys12138-weibo-search_dilireba.head.csv"
    posts, report = _one(path)
    assert report.records == 30
    first = posts.iloc[0]
    assert first["post_id"] == "4477817658326393" and first["author_id"] == "6179910877"
    assert first["created_at"] == T("2020-03-01 23:59", tz="Asia/Shanghai")
    assert (first["likes"], first["comments"], first["reposts"]) == (6, 1, 1)
    assert len(first["mentions"]) == 2 and len(first["topics"]) == 1
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert posts["post_id"].tolist() == [r["id"] for r in rows]
    assert posts["likes"].tolist() == [int(r["点赞数"]) for r in rows]
    # the picture field is a Python list literal; raw keeps it verbatim
    pictures = [r["微博图片url"] for r in rows]
    literal = [i for i, value in enumerate(pictures) if value.startswith("[")]
    assert literal
    assert json.loads(posts.iloc[literal[0]]["raw"])["微博图片url"] == pictures[literal[0]]


def test_weibospider_reposts(shared):
    folder = shared / SPIDER
    path = folder / "2024-01_andyischaos-WeiboXCommunityNotes_weibo-piyao.head.csv"
    posts, report = _one(path)
    assert report.records == 30
    first = posts.iloc[0]
    assert first["post_id"] == "4985402726813007"  # base62 bid NzPIksAnd as the numeric mid
    assert json.loads(first["raw"])["微博id"] == "NzPIksAnd"
    assert first["created_at"] == T("2024-01-01 16:01", tz="Asia/Shanghai")
    assert first["kind"] == "repost" and pd.notna(first["parent_text"])
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert posts["is_repost"].tolist() == [r["是否为原创微博"] == "False" for r in rows]
    # weiboSpider's count order is 点赞数, 转发数, 评论数
    assert posts["reposts"].tolist() == [int(r["转发数"]) for r in rows]
    assert posts["comments"].tolist() == [int(r["评论数"]) for r in rows]


def test_nghuyong_examples(shared):
    folder = shared / "data/scrapers/nghuyong-WeiboSpider"
    comment, report = _one(folder / "README-example_comment.json")
    assert comment.iloc[0]["post_id"] == "4826279188108038"  # int _id kept as a string
    assert comment.iloc[0]["kind"] == "comment"
    assert comment.iloc[0]["created_at"] == T("2022-10-19 13:41:29", tz="Asia/Shanghai")
    assert comment.iloc[0]["likes"] == 1
    tweet, _ = _one(folder / "README-example_tweet_by_tweet_id.json")
    assert tweet.iloc[0]["post_id"] == "4762810834227120"
    counts = (tweet.iloc[0]["likes"], tweet.iloc[0]["comments"], tweet.iloc[0]["reposts"])
    assert counts == (12167, 1924, 1890)
    for name in ("user", "fan", "follow"):
        posts, report = _one(folder / f"README-example_{name}.json")
        assert len(posts) == 0 and report.authors == 1 and report.records == 1


def test_shanghai_weibo_search(shared):
    path = shared / "data/real/shanghai-2022-weibo-sample/yiqing_2022-05-02.csv"
    posts, report = _one(path)
    assert (report.format, report.records, report.accepted) == ("weibo-search-csv", 235, 235)
    assert posts["created_at"].min() == T("2022-05-02 23:47", tz="Asia/Shanghai")
    assert posts["created_at"].max() == T("2022-05-03 00:00", tz="Asia/Shanghai")
    assert posts.iloc[0]["post_id"] == "4764828906555869"


def test_guangzhou_yearless_times_need_a_crawl_time(shared):
    path = shared / "data/real/guangzhou-2022-weibo/guangzhou_weibo_2022.csv"
    posts, report = _one(path, crawl_time="2022-12-05T12:00:00+08:00")
    assert (report.format, report.records, report.accepted, report.rejected) == (
        "guangzhou-2022-csv", 35765, 35765, 0)
    assert posts["kind"].value_counts().to_dict() == {"post": 19145, "comment": 16620}
    assert posts["created_at"].min() == T("2022-09-01 18:48", tz="Asia/Shanghai")
    assert posts["created_at"].max() == T("2022-11-30 23:59", tz="Asia/Shanghai")
    # the derived `datetime` column of the file agrees with the resolved yearless times
    derived = pd.read_csv(path, usecols=["datetime"], dtype=str)["datetime"]
    assert (posts["created_at"].dt.strftime("%Y-%m-%d %H:%M") == derived.to_numpy()).all()
    assert posts["post_id"].str.startswith("sur:").all() and posts["post_id"].is_unique
    _, without = _one(path)
    assert without.rejected == 35765 and without.accepted == 0


def test_ncov_gb18030_original(shared):
    path = shared / "data/real/ncov-weibo-2020-10k/nCov_10k_test.csv"
    posts, report = _one(path, crawl_time="2020-02-20")
    assert report.encoding == "gb18030" and report.replaced_bytes == 2
    assert (report.records, report.accepted, report.rejected) == (10000, 10000, 0)
    assert any("undecodable" in w for w in report.warnings)
    assert posts["created_at"].min() == T("2020-01-01 00:00", tz="Asia/Shanghai")
    assert posts["created_at"].max() == T("2020-02-18 23:59", tz="Asia/Shanghai")
    assert posts.iloc[0]["post_id"] == "4456068992182160"  # written with a trailing space
    copy, _ = _one(path.with_name("nCov_10k_test.utf8.csv"))
    assert copy["post_id"].tolist() == posts["post_id"].tolist()
    assert (copy["created_at"].to_numpy() == posts["created_at"].to_numpy()).all()


def test_hashtag_daily_dates_from_file_names(shared):
    folder = shared / "data/real/covid19-weibo-hashtag-daily-2020"
    posts, report = read_posts([p for p in sorted(folder.glob("*.csv"))])
    report.check()
    counts = {f.file.rsplit("/", 1)[-1]: f.records for f in report.files}
    assert counts == {"2020-01-21.csv": 10492, "2020-01-24.csv": 14566, "2020-01-25.csv": 15445}
    assert all(f.encoding == "gb18030" and f.rejected == 0 for f in report.files)
    days = posts.groupby(posts["source_file"].str[-14:-4])["created_at"].agg(["min", "max"])
    for day, row in days.iterrows():
        assert row["min"] == row["max"] == T(day, tz="Asia/Shanghai")
    assert (posts["time_precision"] == "day").all()
