"""Zeeschuimer NDJSON reader on a hand-made fixture (invented values in the shapes 4CAT imports)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

import textkit.ingest.zeeschuimer  # noqa: F401  (registers the reader)
from textkit.ingest import read_posts

FIXTURE = Path(__file__).parent / "fixtures" / "ingest" / "zeeschuimer" / "zeeschuimer_douyin_xhs.ndjson"
CHINA = "Asia/Shanghai"


def test_zeeschuimer_douyin_and_xiaohongshu():
    rejected: list[dict] = []
    posts, report = read_posts([FIXTURE], rejected_out=rejected)
    report.check()
    file = report.files[0]
    assert file.format == "zeeschuimer-ndjson"
    assert (file.records, file.accepted, file.rejected) == (10, 6, 4)
    assert [(r["record"], r["reason"].split(",")[0]) for r in rejected] == [
        (3, "a Douyin live stream"), (7, "a Xiaohongshu thumbnail stub without post content"),
        (9, "Zeeschuimer item from 'instagram.com'"), (10, "broken JSON line: Expecting value at column 79")]
    by_id = posts.set_index("post_id")
    api, embedded = by_id.loc["7300000000000000101"], by_id.loc["7300000000000000102"]
    assert (api["platform"], api["kind"], api["author_id"]) == ("douyin", "post", "2000000001")
    assert api["created_at"] == pd.Timestamp(1641000000, unit="s", tz="UTC").tz_convert(CHINA)
    assert (api["likes"], api["comments"], api["reposts"]) == (1200, 30, 4)
    assert list(api["topics"]) == ["西安一码通", "测试"]
    assert pd.isna(api["ip_location"])
    assert embedded["author_name"] == "测试抖音用户乙" and embedded["likes"] == 7
    note = by_id.loc["64f000000000000000000101"]
    assert (note["platform"], note["title"], note["ip_location"]) == ("xhs", "测试笔记一", "陕西")
    assert (note["likes"], note["comments"], bool(note["counts_lower_bound"])) == (12000, 100000, True)
    assert note["url"].endswith("?xsec_token=FAKEtoken")
    assert note["created_at"] == pd.Timestamp(1641010000000, unit="ms", tz="UTC").tz_convert(CHINA)
    assert by_id.loc["64f000000000000000000102", "author_id"] == "5f0000000000000000000002"
    assert pd.isna(by_id.loc["64f000000000000000000103", "created_at"])
    comment = by_id.loc["65a000000000000000000101"]
    assert (comment["kind"], comment["parent_post_id"], comment["likes"]) == (
        "comment", "64f000000000000000000101", 4)
    assert json.loads(comment["raw"])["source_platform"] == "xiaohongshu-comments"


def test_relative_times_resolve_against_timestamp_collected_unless_a_crawl_time_is_given(tmp_path):
    item = json.loads(FIXTURE.read_text(encoding="utf-8").splitlines()[3])
    item["data"]["note_card"]["time"] = "3小时前"
    path = tmp_path / "zeeschuimer.ndjson"
    path.write_text(json.dumps(item, ensure_ascii=False) + "\n", encoding="utf-8")
    collected = pd.Timestamp(item["timestamp_collected"], unit="ms", tz="UTC").tz_convert(CHINA)
    posts, _ = read_posts([path])
    assert posts["created_at"].tolist() == [collected - pd.Timedelta(hours=3)]
    posts, _ = read_posts([path], crawl_time="2022-02-01 12:00")
    assert posts["created_at"].tolist() == [pd.Timestamp("2022-02-01 09:00", tz=CHINA)]
