"""MediaCrawler readers on hand-made fixtures (tests/fixtures/ingest/mediacrawler, all values invented)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import textkit.ingest.mediacrawler  # noqa: F401  (registers the readers)
from textkit.counts import parse_count
from textkit.ingest import read_posts
from textkit.ingest.mediacrawler import FIELD_SETS, item_type
from textkit.ingest.sources import open_source
from textkit.schema import COLUMN_NAMES

FIXTURE_DIR = Path(__file__).parent / "fixtures" / "ingest"
ROOT = FIXTURE_DIR / "mediacrawler"
CHINA = "Asia/Shanghai"
PLATFORMS = {"weibo": "weibo", "xhs": "xhs", "douyin": "douyin", "bili": "bilibili"}
FIRST_TIME = pd.Timestamp("2022-01-01 08:00:00", tz=CHINA)


def _maker():
    spec = importlib.util.spec_from_file_location("make_mediacrawler", FIXTURE_DIR / "make_mediacrawler.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKER = _maker()
CONTENT_FILES = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("*/*/*/search_*.*")
                       if not p.relative_to(ROOT).as_posix().startswith("mixed/"))


def read(path: Path):
    rejected: list[dict] = []
    authors: list[pd.DataFrame] = []
    posts, report = read_posts([path], rejected_out=rejected, authors_out=authors)
    report.check()
    return posts, report, rejected, (authors[0] if authors else None)


def test_fixtures_match_their_generator():
    expected = MAKER.fixtures()
    on_disk = {p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*") if p.is_file()}
    assert on_disk == set(expected)
    for name, text in expected.items():
        assert (ROOT / name).read_bytes().decode("utf-8") == text, name


def test_every_platform_item_format_and_version_has_a_fixture():
    for version in ("old", "new"):
        for platform_dir in PLATFORMS:
            for items in ("contents", "comments"):
                for fmt in ("csv", "json", "jsonl"):
                    assert f"{version}/{platform_dir}/{fmt}/search_{items}_2022-01-04.{fmt}" in CONTENT_FILES


@pytest.mark.parametrize("name", CONTENT_FILES)
def test_fixture_reads_completely_with_right_values(name):
    version, platform_dir, _, _ = name.split("/")
    platform = PLATFORMS[platform_dir]
    comments = "comments" in name
    posts, report, rejected, _ = read(ROOT / name)
    assert rejected == []
    assert report.files[0].format == f"mediacrawler-{platform}"
    assert (report.files[0].records, report.files[0].accepted) == (3, 3)
    assert list(posts.columns) == list(COLUMN_NAMES)
    assert (posts["platform"] == platform).all()
    assert (posts["kind"] == ("comment" if comments else "post")).all()
    assert posts["created_at"].iloc[0] == FIRST_TIME
    assert posts["created_at"].iloc[1] == FIRST_TIME + pd.Timedelta(seconds=3_661)
    assert (posts["time_precision"] == "second").all()
    make_id = MAKER.comment_id if comments else MAKER.post_id
    assert posts["post_id"].tolist() == [make_id(platform, i) for i in range(3)]
    if comments:
        assert (posts["parent_post_id"] == MAKER.post_id(platform, 0)).all()
        assert posts["likes"].tolist() == [0, 3, 6]
    else:
        assert posts["parent_post_id"].isna().all()
        if "subset" not in name and "early2024" not in name:
            assert posts["likes"].tolist() == [12, 12000, 100000]
            assert posts["counts_lower_bound"].tolist() == [False, False, True]
    new = version == "new"
    if new:
        assert posts["author_id"].tolist() == [MAKER.creator_hash(i) for i in range(3)]
        assert posts["author_name"].iloc[0] == "测***甲"
        assert posts["ip_location"].isna().all()
    else:
        assert posts["author_id"].tolist() == [MAKER.user_id(i) for i in range(3)]
        if "ip_location" in FIELD_SETS[(platform, "comment" if comments else "content")][0]:
            assert posts["ip_location"].iloc[0] == "陕西"
    raw = json.loads(posts["raw"].iloc[0])
    assert set(raw) == set(FIELD_SETS[(platform, "comment" if comments else "content")][-1 if new else 0])


def test_weibo_content_counts_url_topics_mentions():
    posts, *_ = read(ROOT / "old/weibo/jsonl/search_contents_2022-01-04.jsonl")
    assert posts["reposts"].tolist() == [0, 0, 1_000_000]
    assert posts["counts_lower_bound"].iloc[2]
    assert posts["url"].iloc[0] == "https://m.weibo.cn/detail/4999000000000001"
    assert posts["topics"].iloc[0] == ["西安一码通"]
    assert posts["mentions"].iloc[0] == ["测试账号甲"]


def test_xhs_notes_titles_tags_and_ms_times():
    posts, *_ = read(ROOT / "old/xhs/json/search_contents_2022-01-04.json")
    assert posts["title"].tolist() == ["测试标题1", "测试标题2", "测试标题3"]
    assert posts["topics"].tolist() == [["西安", "测试话题"], [], ["西安", "测试话题"]]
    assert posts["reposts"].tolist() == [1, 21000, 1]


def test_xhs_real_column_subset_takes_the_id_from_the_url():
    posts, _, rejected, _ = read(ROOT / "old/xhs/csv/subset_search_contents_2024-02-07.csv")
    assert rejected == [] and len(posts) == 3
    assert posts["post_id"].tolist() == [MAKER.post_id("xhs", i) for i in range(3)]
    assert posts["author_id"].isna().all() and posts["author_name"].iloc[1] == "测试用户乙"
    assert posts["created_at"].iloc[0] == FIRST_TIME


def test_early_2024_xhs_field_set():
    posts, *_ = read(ROOT / "old/xhs/csv/early2024_search_contents_2024-02-07.csv")
    assert len(posts) == 3 and posts["topics"].map(len).sum() == 0


def test_douyin_and_bilibili_specifics():
    douyin, *_ = read(ROOT / "old/douyin/csv/search_contents_2022-01-04.csv")
    assert douyin["url"].iloc[0] == f"https://www.douyin.com/video/{MAKER.post_id('douyin', 0)}"
    assert douyin["topics"].iloc[0] == ["西安一码通"]
    bili, *_ = read(ROOT / "new/bili/json/search_contents_2022-01-04.json")
    assert bili["comments"].tolist() == [2, 3, 4]
    assert bili["title"].iloc[2] == "测试标题3"


def test_bilibili_dynamics_are_posts():
    posts, _, rejected, _ = read(ROOT / "new/bili/jsonl/creator_dynamics_2022-01-04.jsonl")
    assert rejected == [] and posts["post_id"].tolist() == ["770001", "770002", "770003"]
    assert posts["likes"].tolist() == [9, 9, 9] and posts["author_name"].iloc[0] == "测***甲"


@pytest.mark.parametrize("platform_dir", sorted(PLATFORMS))
def test_creators_go_to_the_authors_table(platform_dir):
    path = ROOT / f"old/{platform_dir}/json/creator_creators_2022-01-04.json"
    posts, report, rejected, authors = read(path)
    assert len(posts) == 0 and rejected == []
    assert report.files[0].records == 3 and report.files[0].authors == 3
    assert authors["author_id"].tolist() == [MAKER.user_id(i) for i in range(3)]
    assert authors["platform"].eq(PLATFORMS[platform_dir]).all()


def test_mixed_versions_in_one_csv_are_realigned():
    posts, report, rejected, _ = read(ROOT / "mixed/weibo/csv/search_contents_2022-01-04.csv")
    assert rejected == [] and len(posts) == 3
    assert posts["author_id"].tolist() == [MAKER.user_id(0), MAKER.user_id(1), MAKER.creator_hash(2)]
    assert posts["likes"].tolist() == [12, 12000, 100000]
    assert any("realigned" in w for w in report.files[0].warnings)


def test_a_row_of_unknown_width_is_rejected_with_reason(tmp_path):
    text = (ROOT / "old/weibo/csv/search_contents_2022-01-04.csv").read_text(encoding="utf-8")
    path = tmp_path / "search_contents_2022-01-04.csv"
    path.write_text(text + "4999000000000009,只有三列,1640995200\n", encoding="utf-8")
    posts, report, rejected, _ = read(path)
    assert len(posts) == 3 and report.files[0].records == 4
    assert rejected[0]["record"] == 4 and "3 values" in rejected[0]["reason"]


def test_broken_jsonl_line_and_truncated_json_list(tmp_path):
    lines = (ROOT / "new/xhs/jsonl/search_comments_2022-01-04.jsonl").read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "search_comments.jsonl"
    broken.write_text("\n".join([lines[0], lines[1][:40], lines[2]]) + "\n", encoding="utf-8")
    posts, report, rejected, _ = read(broken)
    assert len(posts) == 2 and [r["record"] for r in rejected] == [2]
    assert "broken JSON line" in rejected[0]["reason"]

    text = (ROOT / "old/douyin/json/search_contents_2022-01-04.json").read_text(encoding="utf-8")
    truncated = tmp_path / "search_contents.json"
    truncated.write_text(text[: text.rindex('"aweme_id"') + 30], encoding="utf-8")
    posts, report, rejected, _ = read(truncated)
    assert len(posts) == 2 and report.files[0].records == 3
    assert "truncated" in rejected[0]["reason"]


def test_relative_times_resolve_against_last_modify_ts(tmp_path):
    record = json.loads((ROOT / "old/douyin/jsonl/search_comments_2022-01-04.jsonl").read_text(
        encoding="utf-8").splitlines()[0])
    record["create_time"] = "5分钟前"
    path = tmp_path / "search_comments.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    posts, *_ = read(path)
    crawl = pd.Timestamp(MAKER.CRAWL_MS, unit="ms", tz="UTC").tz_convert(CHINA)
    assert posts["created_at"].iloc[0] == crawl - pd.Timedelta(minutes=5)


def test_a_given_crawl_time_beats_last_modify_ts_which_beats_the_files(tmp_path):
    lines = (ROOT / "old/douyin/jsonl/search_comments_2022-01-04.jsonl").read_text(encoding="utf-8")
    with_stamp, without_stamp = (json.loads(line) for line in lines.splitlines()[:2])
    with_stamp["create_time"] = without_stamp["create_time"] = "5分钟前"
    del without_stamp["last_modify_ts"]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    path = corpus / "search_comments.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in (with_stamp, without_stamp)),
                    encoding="utf-8")
    marker = {"synthetic": True, "crawl_time": "2022-01-10T20:00:00+08:00"}
    (corpus / "textkit_synthetic.json").write_text(json.dumps(marker), encoding="utf-8")
    record_crawl = pd.Timestamp(MAKER.CRAWL_MS, unit="ms", tz="UTC").tz_convert(CHINA)
    five = pd.Timedelta(minutes=5)
    posts, *_ = read(path)
    assert posts["created_at"].tolist() == [record_crawl - five,
                                            pd.Timestamp("2022-01-10 20:00", tz=CHINA) - five]
    posts, report = read_posts([path], crawl_time="2022-02-01 12:00")
    report.check()
    assert posts["created_at"].tolist() == [pd.Timestamp("2022-02-01 11:55", tz=CHINA)] * 2


def test_excel_workbook_with_contents_comments_and_creators(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet, item in (("Contents", "content"), ("Comments", "comment"), ("Creators", "creator")):
        fields = FIELD_SETS[("weibo", item)][0]
        rows = MAKER.records("weibo", item, fields, False)
        ws = workbook.create_sheet(sheet)
        ws.append(list(fields))
        for row in rows:
            ws.append([row[f] for f in fields])
    path = tmp_path / "weibo_search_20220104_080000.xlsx"
    workbook.save(path)
    assert item_type("weibo", set(FIELD_SETS[("weibo", "content")][0])) == "content"
    posts, report, rejected, authors = read(path)
    assert report.files[0].format == "mediacrawler-weibo"
    assert report.files[0].records == 9 and rejected == []
    assert posts["kind"].value_counts().to_dict() == {"post": 3, "comment": 3}
    post_ids = posts.loc[posts["kind"] == "post", "post_id"].tolist()
    assert post_ids == [MAKER.post_id("weibo", i) for i in range(3)]
    assert posts["created_at"].iloc[0] == FIRST_TIME
    assert len(authors) == 3


def test_sniff_does_not_claim_other_platforms_files():
    from textkit.ingest.base import READERS

    source = open_source(ROOT / "old/xhs/csv/search_contents_2022-01-04.csv")
    scores = {name: READERS[name]().sniff(source) for name in READERS if name.startswith("mediacrawler")}
    assert scores == {"mediacrawler-weibo": 0.0, "mediacrawler-xhs": 0.9, "mediacrawler-douyin": 0.0,
                      "mediacrawler-bilibili": 0.0, "mediacrawler-sqlite": 0.0}


def test_sqlite_database_with_several_platforms(tmp_path):
    import sqlite3

    path = tmp_path / "sqlite_tables.db"
    with sqlite3.connect(path) as db:
        tables = (("weibo_note", "weibo", "content"), ("xhs_note_comment", "xhs", "comment"),
                  ("bilibili_up_info", "bilibili", "creator"))
        for table, platform, item in tables:
            fields = FIELD_SETS[(platform, item)][0]
            db.execute(f'CREATE TABLE "{table}" (id INTEGER PRIMARY KEY AUTOINCREMENT, '
                       + ", ".join(f'"{f}"' for f in fields) + ", add_ts INTEGER)")
            for row in MAKER.records(platform, item, fields, False):
                values = [int(row[f]) if f in ("note_id", "create_time", "user_id") and str(row[f]).isdigit()
                          else row[f] for f in fields]
                db.execute(f'INSERT INTO "{table}" ({", ".join(fields)}, add_ts) VALUES '
                           f'({", ".join("?" * len(fields))}, 1641254400000)', values)
        db.execute("CREATE TABLE unrelated (x INTEGER)")
    posts, report, rejected, authors = read(path)
    assert report.files[0].format == "mediacrawler-sqlite"
    assert report.files[0].records == 9 and rejected == []
    assert posts.groupby("platform")["kind"].first().to_dict() == {"weibo": "post", "xhs": "comment"}
    weibo = posts[posts["platform"] == "weibo"]
    assert weibo["post_id"].tolist() == [MAKER.post_id("weibo", i) for i in range(3)]
    assert weibo["created_at"].iloc[0] == FIRST_TIME
    assert "add_ts" in json.loads(weibo["raw"].iloc[0])
    assert authors["platform"].eq("bilibili").all() and len(authors) == 3


TEXT = st.text(alphabet=st.sampled_from(list("一码通打不开排队核酸西安 ,，\"'\n#@：abc123😀")), max_size=60)
COUNT = st.one_of(st.integers(0, 10**7).map(str), st.sampled_from(["1.2万", "10万+", "", "3亿", "2.1w"]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(TEXT, COUNT, st.integers(1_300_000_000, 1_900_000_000)), min_size=1, max_size=8),
       st.sampled_from(["csv", "json", "jsonl"]), st.booleans())
def test_weibo_contents_round_trip_any_text_and_counts(tmp_path, items, fmt, new):
    fields = FIELD_SETS[("weibo", "content")][-1 if new else 0]
    records = []
    for i, (text, count, seconds) in enumerate(items):
        record = MAKER.records("weibo", "content", fields, new)[0]
        record.update(note_id=str(4999000000000100 + i), content=text, liked_count=count, create_time=seconds)
        records.append(record)
    path = tmp_path / f"search_contents_{fmt}_{new}.{fmt}"
    path.write_bytes(MAKER.render(records, fmt).encode("utf-8"))
    posts, _, rejected, _ = read(path)
    assert rejected == [] and len(posts) == len(items)
    for (text, count, seconds), (_, post) in zip(items, posts.iterrows(), strict=True):
        expected_text = text.replace("\r\n", "\n").strip() or None
        assert (post["text"] if pd.notna(post["text"]) else None) == expected_text
        assert post["created_at"] == pd.Timestamp(seconds, unit="s", tz="UTC").tz_convert(CHINA)
        likes, lower = parse_count(count)
        assert (None if pd.isna(post["likes"]) else int(post["likes"])) == likes
        assert bool(post["counts_lower_bound"]) == lower
        assert json.loads(post["raw"])["content"] == text
