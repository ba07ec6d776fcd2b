"""Generic column-mapping reader: hand-made fixtures (invented text, fake ids) and real corpora."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import textkit.ingest.generic  # noqa: F401  (registers the built-in mappings)
from textkit.cli import main as cli_main
from textkit.ingest import load_posts, read_posts
from textkit.ingest.generic import ColumnMapping, GenericReader, register_mapping
from textkit.ingest.sources import open_source
from textkit.schema import COLUMN_NAMES, conform

GENERIC = Path(__file__).parent / "fixtures" / "ingest" / "generic"
CHINA = "Asia/Shanghai"


def china(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=CHINA)


def read(paths, **kwargs):
    rejected: list[dict] = []
    posts, report = read_posts(paths, rejected_out=rejected, **kwargs)
    report.check()
    return posts, report, rejected


def test_zhengwu_messages_are_detected_and_mapped():
    posts, report, rejected = read([GENERIC / "zhengwu_messages.csv"])
    assert report.files[0].format == "zhengwu-messages"
    assert (report.files[0].records, report.files[0].accepted, report.files[0].rejected) == (4, 3, 1)
    assert rejected[0]["record"] == 4 and "留言时间" in rejected[0]["reason"]
    assert posts["post_id"].tolist() == ["900001", "900002", "900003"]
    assert posts["created_at"].tolist() == [china("2019-02-28 11:25:05"), china("2017-06-08 17:31:20"),
                                            china("2018-12-01 08:05:00")]
    assert posts["likes"].tolist() == [12, 0, pd.NA]
    assert posts["title"].iloc[0] == "测试主题：小区门口路灯不亮"
    assert "\n" in posts["text"].iloc[0]
    assert (posts["platform"] == "other").all() and (posts["kind"] == "post").all()
    assert json.loads(posts["raw"].iloc[1])["反对数"] == "1"


def test_bazhuayu_yearless_times_need_a_crawl_time():
    posts, report, rejected = read([GENERIC / "bazhuayu_weibo.csv"])
    assert report.files[0].format == "bazhuayu-weibo"
    assert len(posts) == 1 and len(rejected) == 2
    assert all("needs a crawl time" in r["reason"] for r in rejected)

    posts, report, rejected = read([GENERIC / "bazhuayu_weibo.csv"], crawl_time="2022-01-05 08:00")
    assert rejected == []
    assert posts["created_at"].tolist() == [china("2021-12-20 09:15"), china("2022-01-04 10:02"),
                                            china("2022-01-04 11:30")]
    assert posts["author_name"].iloc[0] == "测试作者甲"
    assert posts["topics"].iloc[0] == ["西安一码通"]
    assert (posts["platform"] == "weibo").all()


def test_mapping_file_with_kinds_relative_times_and_damage():
    reader = GenericReader(GENERIC / "custom_mapping.json")
    assert reader.name == "custom-forum"
    source = open_source(GENERIC / "custom_forum.jsonl")
    assert reader.sniff(source) == 0.9
    result = reader.read(source)
    assert result.records == 5
    assert sorted((r.record, r.reason.split(":")[0]) for r in result.rejected) == [
        (4, "posted"), (5, "broken JSON line")]
    posts = conform(result.posts)
    assert posts["post_id"].tolist() == ["5001", "5002", "5003"]
    assert posts["kind"].tolist() == ["post", "comment", "comment"]
    assert posts["parent_post_id"].tolist() == [pd.NA, "5001", "5001"]
    assert posts["created_at"].tolist() == [china("2022-01-04 09:12"), china("2022-01-04 10:00"),
                                            china("2022-01-05 09:00")]
    assert posts["likes"].tolist() == [12000, 100000, pd.NA]
    assert posts["counts_lower_bound"].tolist() == [False, True, False]
    assert posts["topics"].tolist() == [["一码通", "测试"], [], []]


def test_the_files_own_crawl_time_wins_over_the_mapping_default():
    reader = GenericReader(GENERIC / "custom_mapping.json")
    source = open_source(GENERIC / "custom_forum.jsonl", crawl_time=china("2022-02-01 12:00"))
    posts = reader.read(source).posts
    assert posts["created_at"].iloc[2] == china("2022-02-01 09:00")


def test_registered_mapping_is_detected_by_ingest():
    reader_class = register_mapping(GENERIC / "custom_mapping.json")
    assert register_mapping(GENERIC / "custom_mapping.json") is reader_class
    posts, report, rejected = read([GENERIC / "custom_forum.jsonl"])
    assert report.files[0].format == "custom-forum"
    assert len(posts) == 3 and len(rejected) == 2
    clash = ColumnMapping(name="custom-forum", columns={"text": "t", "created_at": "c"})
    with pytest.raises(ValueError, match="exists already"):
        register_mapping(clash)


def test_dict_mapping_on_an_excel_file(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["编号", "时间", "内容", "转发"])
    sheet.append([4999000000000001, "2022-01-04 09:00", "测试内容一", "1.2万"])
    sheet.append([4999000000000002, "2022-01-04 09:05:30", "测试内容二", None])
    path = tmp_path / "export.xlsx"
    workbook.save(path)
    mapping = {"post_id": "编号", "created_at": "时间", "text": "内容", "reposts": "转发"}
    reader = GenericReader(mapping=mapping, platform="weibo")
    result = reader.read(open_source(path))
    posts = conform(result.posts)
    assert result.records == 2 and result.rejected == []
    assert posts["post_id"].tolist() == ["4999000000000001", "4999000000000002"]
    assert posts["time_precision"].tolist() == ["minute", "second"]
    assert posts["reposts"].tolist() == [12000, pd.NA]


def test_zhengwu_excel_is_detected(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "答复意见", "答复时间"])
    sheet.append([910001, "U0000009", "测试主题", "2019/3/1 9:00:00", "测试详情", "测试答复",
                  "2019/3/5 9:00:00"])
    path = tmp_path / "messages.xlsx"
    workbook.save(path)
    posts, report, _ = read([path])
    assert report.files[0].format == "zhengwu-messages"
    assert posts["created_at"].tolist() == [china("2019-03-01 09:00")]
    assert posts["likes"].isna().all()


def test_date_from_file_name(tmp_path):
    path = tmp_path / "2020-01-21.csv"
    path.write_text("userid,text\n1001,测试一 #测试话题#\n1002,测试二\n", encoding="utf-8")
    mapping = ColumnMapping(columns={"author_id": "userid", "text": "text"}, platform="weibo",
                            date_from_file_name=True)
    posts = conform(GenericReader(mapping).read(open_source(path)).posts)
    assert (posts["created_at"] == china("2020-01-21")).all()
    assert (posts["time_precision"] == "day").all()
    assert posts["topics"].iloc[0] == ["测试话题"]


def test_missing_mapped_column_fails_the_file_with_names(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    reader = GenericReader(mapping={"created_at": "时间", "text": "内容"})
    assert reader.sniff(open_source(path)) == 0.0
    with pytest.raises(ValueError, match=r"not in the file: \['内容', '时间'\]"):
        reader.read(open_source(path))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"columns": {"text": "t", "created_at": "c", "colour": "x"}}, "no place for"),
        ({"columns": {"text": "t"}}, "created_at"),
        ({"columns": {"created_at": "c"}}, "text column"),
        ({"columns": {"text": "t", "created_at": "c"}, "platform": "myspace"}, "platform"),
        ({"columns": {"text": "t", "created_at": "c"}, "kind": "tweet"}, "kinds"),
        ({"columns": {"text": "t", "created_at": "c"}, "colour": 1}, "unknown mapping keys"),
    ],
)
def test_bad_mappings_are_refused(spec, message):
    with pytest.raises(ValueError, match=message):
        ColumnMapping.from_dict(spec)


def test_ncov_style_mapping_file(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text("微博id,微博发布时间,发布人账号,微博中文内容,微博图片,微博视频\n"
                    "4999000000000001 ,02月18日 23:59,测试账号,测试内容,[],[]\n"
                    "4999000000000002,12月31日 08:00,测试账号,测试内容二,[],[]\n", encoding="gb18030")
    posts = conform(GenericReader(GENERIC / "ncov_style_mapping.json").read(open_source(path)).posts)
    assert posts["post_id"].tolist() == ["4999000000000001", "4999000000000002"]
    assert posts["created_at"].tolist() == [china("2020-02-18 23:59"), china("2019-12-31 08:00")]


# -- real corpora in ../shared (never print text or nicknames) ------------------------------------------


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "rows", "first", "last"),
    [
        ("fujian2_labeled_messages_subset.csv", 495, "2011-05-02 15:00:19", "2020-01-07 21:31:53"),
        ("fujian3_hot_issue_messages.csv", 4326, "2017-06-08 17:31:20", "2020-01-26 19:47:11"),
        ("fujian4_messages_with_replies.csv", 2816, "2011-04-02 18:00:54", "2020-01-08 11:23:30"),
        ("fujian4_messages_with_replies.xlsx", 2816, "2011-04-02 18:00:54", "2020-01-08 11:23:30"),
    ],
)
def test_real_zhengwu_messages(shared, name, rows, first, last):
    posts, report, _ = read([shared / "data/real/zhengwu-citizen-messages" / name])
    file = report.files[0]
    assert file.format == "zhengwu-messages"
    assert (file.records, file.accepted, file.rejected) == (rows, rows - file.duplicates, 0)
    assert posts["created_at"].min() == china(first) and posts["created_at"].max() == china(last)
    assert posts["text"].notna().all() and posts["title"].notna().all()
    if name.startswith("fujian3"):
        assert posts["likes"].notna().all() and posts["likes"].max() > 0


@pytest.mark.shared
def test_real_ncov_gb18030_with_a_mapping_file(shared):
    folder = shared / "data/real/ncov-weibo-2020-10k"
    reader = GenericReader(GENERIC / "ncov_style_mapping.json")
    source = open_source(folder / "nCov_10k_test.csv")
    assert source.encoding == "gb18030" and source.replaced_bytes > 0
    result = reader.read(source)
    posts = conform(result.posts)
    assert result.records == 10_000 and result.rejected == [] and len(posts) == 10_000
    assert posts["created_at"].min() == china("2020-01-01 00:00")
    assert posts["created_at"].max() == china("2020-02-18 23:59")
    # the derived UTF-8 copy states the year: every yearless time must resolve to it
    derived = pd.read_csv(folder / "nCov_10k_test.utf8.csv", usecols=["weibo_id", "datetime"],
                          dtype=str, encoding="utf-8-sig")
    expected = pd.to_datetime(derived["datetime"]).dt.tz_localize(CHINA)
    assert (posts["post_id"].to_numpy() == derived["weibo_id"].str.strip().to_numpy()).all()
    assert (posts["created_at"].to_numpy() == expected.to_numpy()).all()


@pytest.mark.shared
def test_real_helpseeking_posts_with_a_dict_mapping(shared):
    path = shared / "data/real/wuhan-helpseeking-2020/helpseeking_posts_2020_masked.csv"
    reader = GenericReader(mapping={"created_at": "datetime", "text": "post"}, platform="weibo")
    result = reader.read(open_source(path))
    posts = conform(result.posts)
    assert result.records == 380 and result.rejected == [] and len(posts) == 380
    assert posts["created_at"].min() == china("2020-01-29 22:46")
    assert posts["created_at"].max() == china("2020-03-30 10:00")
    assert (posts["time_precision"] == "minute").all()


@pytest.mark.shared
def test_real_guangzhou_corpus_with_kind_column_and_yearless_times(shared):
    path = shared / "data/real/guangzhou-2022-weibo/guangzhou_weibo_2022.csv"
    mapping = ColumnMapping(
        columns={"author_name": "User_ID", "text": "text", "reposts": "Forwarding_amount",
                 "comments": "Comment_amount", "likes": "Likes", "created_at": "created_at"},
        platform="weibo", kind_column="Keywords", kind_values={"二级评论": "comment"},
        crawl_time="2022-12-05 00:00:00")
    result = GenericReader(mapping).read(open_source(path))
    posts = conform(result.posts)
    assert result.records == 35_765 and result.rejected == []
    assert posts["kind"].value_counts().to_dict() == {"post": 19_145, "comment": 16_620}
    assert posts["created_at"].min() == china("2022-09-01 18:48")
    assert posts["created_at"].max() == china("2022-11-30 23:59")
    # the derived `datetime` column states the year: every yearless time must resolve to it
    derived = pd.read_csv(path, usecols=["datetime"], dtype=str)["datetime"]
    expected = pd.to_datetime(derived).dt.tz_localize(CHINA)
    assert (posts["created_at"].to_numpy() == expected.to_numpy()).all()
    is_post = posts["kind"] == "post"
    assert posts.loc[is_post, "likes"].notna().all() and posts.loc[~is_post, "likes"].isna().all()


@pytest.mark.shared
def test_real_hashtag_daily_files_take_the_date_from_the_name(shared):
    mapping = ColumnMapping(columns={"author_id": "userid", "text": "text"}, platform="weibo",
                            date_from_file_name=True)
    expected = {"2020-01-21.csv": 10_492, "2020-01-24.csv": 14_566, "2020-01-25.csv": 15_445}
    for name, rows in expected.items():
        source = open_source(shared / "data/real/covid19-weibo-hashtag-daily-2020" / name)
        assert source.encoding == "gb18030"
        result = GenericReader(mapping).read(source)
        posts = conform(result.posts)
        assert result.records == rows and len(posts) == rows and result.rejected == []
        assert (posts["created_at"] == china(name.removesuffix(".csv"))).all()
        assert (posts["time_precision"] == "day").all()
        assert posts["topics"].map(len).gt(0).mean() > 0.9


def test_posts_have_the_schema_columns():
    posts, _, _ = read([GENERIC / "zhengwu_messages.csv"])
    assert list(posts.columns) == list(COLUMN_NAMES)


def test_cli_mapping_file_reads_files_and_is_recorded_in_provenance(tmp_path, capsys):
    out = tmp_path / "out"
    assert cli_main(["ingest", str(GENERIC / "custom_forum.jsonl"), "--out", str(out),
                     "--mapping", str(GENERIC / "custom_mapping.json")]) == 0
    assert "custom-forum" in capsys.readouterr().out
    report = json.loads((out / "ingest_report.json").read_text(encoding="utf-8"))
    assert report["files"][0]["format"] == "custom-forum"
    assert (report["total"]["accepted"], report["total"]["rejected"]) == (3, 2)
    assert load_posts(out)["post_id"].tolist() == ["5001", "5002", "5003"]
    provenance = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    mappings = provenance["stages"]["ingest"]["parameters"]["mappings"]
    assert [m["name"] for m in mappings] == ["custom-forum"]
    assert mappings[0]["columns"]["text"] == "body" and mappings[0]["kind_values"] == {"reply": "comment"}


def search_like_csv(path: Path) -> Path:
    path.write_text("id,bid,user_id,用户昵称,微博正文,发布时间\n"
                    "9000000000000401,FakeBid1,1000000001,测试用户,测试文本,2022-01-04 10:00\n",
                    encoding="utf-8")
    return path


def test_a_given_mapping_wins_over_built_in_detection_and_can_be_forced(tmp_path):
    path = search_like_csv(tmp_path / "search.csv")
    mapping = ColumnMapping(name="my-search", platform="weibo",
                            columns={"post_id": "id", "created_at": "发布时间", "text": "微博正文"})
    assert read([path])[1].files[0].format == "weibo-search-csv"
    posts, report, _ = read([path], mappings=[mapping])
    assert report.files[0].format == "my-search"
    assert posts["post_id"].tolist() == ["9000000000000401"] and posts["author_name"].isna().all()
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    _, report, rejected = read([other], mappings=[mapping])
    assert report.files[0].error and "no reader recognises" in rejected[0]["reason"]
    _, report, _ = read([path], fmt="my-search", mappings=[mapping])
    assert report.files[0].format == "my-search"


def test_cli_refuses_bad_mapping_files_and_unknown_formats(tmp_path, capsys):
    path = search_like_csv(tmp_path / "search.csv")
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "x", "columns": {"text": ', encoding="utf-8")
    clash = tmp_path / "clash.json"
    clash.write_text((GENERIC / "custom_mapping.json").read_text(encoding="utf-8"), encoding="utf-8")
    cases = [(["--mapping", str(broken)], "broken.json: not valid JSON"),
             (["--mapping", str(tmp_path / "missing.json")], "missing.json"),
             (["--mapping", str(GENERIC / "custom_mapping.json"), "--mapping", str(clash)],
              "two column mappings are named 'custom-forum'"),
             (["--format", "no-such-reader"], "unknown format 'no-such-reader'")]
    for extra, message in cases:
        with pytest.raises(SystemExit) as exit_info:
            cli_main(["ingest", str(path), "--out", str(tmp_path / "out"), *extra])
        assert exit_info.value.code == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
