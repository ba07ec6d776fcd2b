"""Ingest on hand-made files (invented text, obviously fake ids) for every format and kind of damage."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textkit.cli import main as cli_main
from textkit.ingest import api, crawl_time_from_name, ingest_dir, load_posts, read_posts, sources, tables
from textkit.ingest.common import bid_to_mid, split_list
from textkit.ingest.sources import open_source
from textkit.ingest.tables import json_objects, read_csv_table
from textkit.synth.writers import CRAWLER_HEADER, CRAWLER_MAIN, SEARCH_HEADER_21

T = pd.Timestamp
TZ = "Asia/Shanghai"
SEARCH_HEADER = SEARCH_HEADER_21


def csv_text(header: list[str], rows: list[list[str]], *, bom: bool = True, crlf: bool = True) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n" if crlf else "\n").writerows([header, *rows])
    return ("\ufeff" if bom else "") + out.getvalue()


def search_row(
    post_id,
    *,
    text="测试文本",
    time="2021-12-20 09:15",
    retweet="",
    likes="1",
    reposts="0",
    comments="0",
    topics="",
    mentions="",
    pics="",
) -> list[str]:
    return [
        post_id,
        "Fake0bid1",
        "1000000001",
        "测试用户",
        text,
        "",
        "",
        mentions,
        topics,
        reposts,
        comments,
        likes,
        time,
        "测试客户端",
        pics,
        "",
        retweet,
        "陕西",
        "普通用户",
        "非会员",
        "0",
    ]


def one(path, **kwargs):
    posts, report = read_posts([path], **kwargs)
    report.check()
    return posts, report.files[0]


def test_weibo_search_reposts_counts_duplicates_and_mangled_ids(tmp_path):
    rows = [
        search_row(
            "9000000000000001",
            text="原创 #测试话题# 内容",
            likes="10万+",
            reposts="1.2万",
            topics="测试话题",
            pics="['http://example.invalid/a.jpg', 'http://example.invalid/b.jpg']",
        ),
        search_row("9000000000000002", text="转发的话", retweet="9000000000000001", mentions="某甲,某乙"),
        search_row("9000000000000001", text="原创 #测试话题# 内容"),  # the same original again
        search_row("9.00000E+15", text="表格软件弄坏的编号一"),
        search_row("9.00000E+15", text="表格软件弄坏的编号二"),
        search_row("9000000000000003\t ", likes="无"),
    ]
    path = tmp_path / "search.csv"
    path.write_text(csv_text(SEARCH_HEADER, rows), encoding="utf-8")
    posts, report = one(path)
    assert report.format == "weibo-search-csv"
    assert (report.records, report.accepted, report.duplicates, report.rejected) == (6, 5, 1, 0)
    by_id = posts.set_index("post_id")
    original = by_id.loc["9000000000000001"]
    assert (original["likes"], original["reposts"], bool(original["counts_lower_bound"])) == (
        100000,
        12000,
        True,
    )
    assert list(original["topics"]) == ["测试话题"]
    assert original["created_at"] == T("2021-12-20 09:15", tz=TZ) and original["time_precision"] == "minute"
    assert original["ip_location"] == "陕西"
    repost = by_id.loc["9000000000000002"]
    assert repost["kind"] == "repost" and bool(repost["is_repost"])
    assert repost["parent_post_id"] == "9000000000000001" and repost["parent_text"] == original["text"]
    assert list(repost["mentions"]) == ["某甲", "某乙"]
    assert pd.isna(by_id.loc["9000000000000003"]["likes"])  # 无 is missing, never 0
    surrogates = [i for i in posts["post_id"] if i.startswith("sur:")]
    assert len(surrogates) == 2 and len(set(surrogates)) == 2
    assert any("mangled" in w for w in report.warnings)
    raw = json.loads(by_id.loc["9000000000000002"]["raw"])
    assert raw["retweet_id"] == "9000000000000001" and list(raw) == SEARCH_HEADER
    again, _ = one(path)
    assert again["post_id"].tolist() == posts["post_id"].tolist()  # surrogate ids are stable


def test_yearless_and_relative_times_need_a_crawl_time(tmp_path):
    path = tmp_path / "search.csv"
    rows = [
        search_row("9000000000000011", time="12月20日 09:15"),
        search_row("9000000000000012", time="3小时前"),
        search_row("9000000000000013", time="2021-12-21 25:99"),
    ]
    path.write_text(csv_text(SEARCH_HEADER, rows), encoding="utf-8")
    posts, report = one(path)
    assert (report.accepted, report.rejected) == (0, 3)
    posts, report = one(path, crawl_time="2022-01-05T12:00:00+08:00")
    assert (report.accepted, report.rejected) == (2, 1)
    times = posts.set_index("post_id")["created_at"]
    assert times["9000000000000011"] == T("2021-12-20 09:15", tz=TZ)  # the year before the crawl
    assert times["9000000000000012"] == T("2022-01-05 09:00", tz=TZ)


CRAWLER_14 = CRAWLER_MAIN[:-1]  # the 2020-04 → 2024-01 header: no 完整日期 yet
RETWEET_PART = CRAWLER_HEADER[CRAWLER_HEADER.index("是否原创") + 1:]


def crawler_values(post_id, day, likes="5", *, live=None, article=True) -> list[str]:
    values = [f"{post_id}\t", "Fake0bid2", "编造的正文"] + ([""] if article else []) + ["", ""]
    if live is not None:
        values.append(live)
    return [*values, "", day, "测试客户端", likes, "2", "1", "话题一,话题二", ""]


def test_weibo_crawler_2022_period_unlabelled_full_time(tmp_path):
    # originals only: a 15th value (full_created_at) without a header
    path = tmp_path / "1000000001.csv"
    rows = [[*crawler_values("9000000000000021", "2023-05-01"), "2023-05-01 08:30:00"]]
    path.write_text(csv_text(CRAWLER_14, rows), encoding="utf-8")
    posts, report = one(path)
    assert report.format == "weibo-crawler-csv" and report.accepted == 1
    first = posts.iloc[0]
    assert first["created_at"] == T("2023-05-01 08:30:00", tz=TZ) and first["time_precision"] == "second"
    assert list(first["topics"]) == ["话题一", "话题二"]
    assert any("full_created_at" in w for w in report.warnings)


def test_weibo_crawler_2022_period_with_reposts_shifted(tmp_path):
    header = [*CRAWLER_14, "是否原创", *RETWEET_PART[:-1]]
    original = [
        *crawler_values("9000000000000031", "2023-06-01", likes="1000000"),
        "2023-06-01 10:00:00",
        "True",
    ]
    retweet = [
        "1000000009",
        "源作者",
        "9000000000000030\t",
        "Fake0bid3",
        "被转发的原文",
        "",
        "",
        "",
        "",
        "2023-05-30",
        "测试客户端",
        "7",
        "8",
        "9",
        "",
        "",
        "2023-05-30 07:00:00",
    ]
    repost = [*crawler_values("9000000000000032", "2023-06-02"), "2023-06-02 11:00:00", "False", *retweet]
    path = tmp_path / "1000000001.csv"
    path.write_text(csv_text(header, [original, repost]), encoding="utf-8")
    posts, report = one(path)
    assert (report.records, report.accepted, report.rejected) == (2, 2, 0)
    by_id = posts.set_index("post_id")
    assert bool(by_id.loc["9000000000000031"]["counts_lower_bound"])  # 1000000 = "100万+"
    assert not bool(by_id.loc["9000000000000031"]["is_repost"])
    shared_repost = by_id.loc["9000000000000032"]
    assert shared_repost["kind"] == "repost" and shared_repost["parent_post_id"] == "9000000000000030"
    assert shared_repost["parent_text"] == "被转发的原文"
    assert shared_repost["created_at"] == T("2023-06-02 11:00:00", tz=TZ)


def test_weibo_crawler_2025_live_photo_without_header_and_llm_column(tmp_path):
    header = [*CRAWLER_14, "完整日期"]
    shifted = crawler_values(
        "9000000000000041", "2025-05-01T09:00:00", likes="42", live="http://example.invalid/l.mov"
    )
    shifted.append("2025-05-01 09:00:00")
    path = tmp_path / "1000000002.csv"
    path.write_text(csv_text(header, [shifted]), encoding="utf-8")
    posts, report = one(path)
    first = posts.iloc[0]
    assert (first["likes"], first["comments"], first["reposts"]) == (42, 2, 1)
    assert first["created_at"] == T("2025-05-01 09:00:00", tz=TZ)
    assert json.loads(first["raw"])["live_photo_url"] == "http://example.invalid/l.mov"

    header = [
        *CRAWLER_14[:6],
        "Live Photo视频url",
        *CRAWLER_14[6:],
        "完整日期",
        "是否编辑过",
        "编辑次数",
        "是否原创",
    ]
    row = crawler_values("9000000000000042", "2026-01-02T03:04:05", live="")
    row += ["{'情感': '中性', '摘要': '编造'}", "2026-01-02 03:04:05", "False", "0", "True"]
    path = tmp_path / "1000000003.csv"
    path.write_text(csv_text(header, [row]), encoding="utf-8")
    posts, report = one(path)
    first = posts.iloc[0]
    assert first["created_at"] == T("2026-01-02 03:04:05", tz=TZ) and not bool(first["is_repost"])
    assert json.loads(first["raw"])["llm_analysis"].startswith("{")
    assert any("llm_analysis" in w for w in report.warnings)


def test_weibo_crawler_comment_export(tmp_path):
    header = ["id", "weibo_id", "created_at", "user_screen_name", "text", "pic_url", "like_count"]
    rows = [
        [
            "9100000000000001",
            "9000000000000001",
            "Tue Dec 21 10:20:01 +0800 2021",
            "评论者",
            "编造的评论",
            "",
            "3",
        ]
    ]
    path = tmp_path / "某用户_comments.csv"
    path.write_text(csv_text(header, rows), encoding="utf-8")
    posts, report = one(path)
    assert report.format == "weibo-crawler-comments-csv"
    first = posts.iloc[0]
    assert (first["kind"], first["parent_post_id"], first["likes"]) == ("comment", "9000000000000001", 3)
    assert first["created_at"] == T("2021-12-21 10:20:01", tz=TZ)


SPIDER_HEADER = [
    "微博id",
    "微博正文",
    "头条文章url",
    "原始图片url",
    "被转发微博原始图片url",
    "是否为原创微博",
    "微博视频url",
    "发布位置",
    "发布时间",
    "发布工具",
    "点赞数",
    "转发数",
    "评论数",
]


def test_weibospider_csv_repeated_header_and_merged_reposts(tmp_path):
    first = [
        "LqlZNhJFm",
        "编造的原创",
        "",
        "无",
        "无",
        "True",
        "无",
        "无",
        "2022-01-04 09:12",
        "无",
        "3",
        "2",
        "1",
    ]
    repost = [
        "LqlZNhJFn",
        "转发理由:编造的理由\n原始用户: 某人\n转发内容: 编造的原文",
        "",
        "无",
        "无",
        "False",
        "无",
        "西安",
        "2022-01-04 10:00",
        "测试客户端",
        "0",
        "0",
        "0",
    ]
    text = csv_text(SPIDER_HEADER, [first]) + csv_text(SPIDER_HEADER, [repost], bom=False)
    path = tmp_path / "1000000004.csv"
    path.write_text(text, encoding="utf-8")
    posts, report = one(path)
    assert (report.format, report.records, report.accepted) == ("weibospider-csv", 2, 2)
    assert any("repeated header" in w for w in report.warnings)
    by_record = posts.set_index("source_record")
    assert by_record.loc[1]["post_id"] == "4762810834227120"  # bid LqlZNhJFm as the mid
    assert (by_record.loc[1]["likes"], by_record.loc[1]["reposts"], by_record.loc[1]["comments"]) == (3, 2, 1)
    assert pd.isna(by_record.loc[1]["location"])  # 无
    assert by_record.loc[2]["kind"] == "repost" and by_record.loc[2]["parent_text"] == "编造的原文"


def test_weibospider_txt_in_gbk(tmp_path):
    text = (
        "用户信息：\n用户昵称：编造用户\n用户id：1000000005\n微博数：2\n关注数：1\n粉丝数：3\n\n微博内容：\n"
        "第一条编造的微博\n微博位置：无\n发布时间：2022-01-04 09:12\n"
        "点赞数：5\n转发数：4\n评论数：3\n发布工具：无\n\n"
        "第二条编造的微博\n第二行\n微博位置：西安\n发布时间：2022-01-04 10:30\n"
        "点赞数：0\n转发数：0\n评论数：0\n"
        "发布工具：测试客户端\n"
    )
    path = tmp_path / "1000000005.txt"
    path.write_bytes(text.replace("\n", "\r\n").encode("gbk"))
    posts, report = one(path)
    assert (report.format, report.encoding, report.records, report.accepted) == (
        "weibospider-txt",
        "gb18030",
        2,
        2,
    )
    assert posts["created_at"].tolist() == [T("2022-01-04 09:12", tz=TZ), T("2022-01-04 10:30", tz=TZ)]
    assert posts["likes"].tolist() == [5, 0] and (posts["author_id"] == "1000000005").all()
    assert posts.iloc[1]["text"] == "第二条编造的微博\n第二行" and posts.iloc[1]["location"] == "西安"


def nghuyong_lines() -> list[str]:
    user = {
        "_id": "1000000006",
        "nick_name": "编造用户",
        "verified": False,
        "followers_count": 12,
        "friends_count": 3,
        "statuses_count": 40,
        "gender": "f",
        "location": "陕西",
    }
    tweet = {
        "_id": "9000000000000061",
        "mblogid": "Fake61",
        "created_at": "2022-01-04 09:12:33",
        "geo": None,
        "ip_location": "发布于 陕西",
        "reposts_count": 1,
        "comments_count": 2,
        "attitudes_count": 3,
        "source": "测试客户端",
        "content": "编造的微博",
        "pic_urls": [],
        "pic_num": 0,
        "isLongText": False,
        "is_retweet": False,
        "user": user,
        "crawl_time": 1641300000,
    }
    repost = {**tweet, "_id": "9000000000000062", "is_retweet": True, "retweet_id": "9000000000000061"}
    comment = {
        "crawl_time": 1641300000,
        "_id": 9100000000000063,
        "created_at": "2022-01-04 09:30:00",
        "like_counts": 1,
        "ip_location": "来自陕西",
        "content": "编造的评论",
        "comment_user": user,
    }
    fan = {
        "crawl_time": 1641300000,
        "_id": "1000000006_1000000007",
        "follower_id": "1000000006",
        "fan_info": {**user, "_id": "1000000007"},
    }
    return [json.dumps(x, ensure_ascii=False) for x in (tweet, repost, comment)] + [
        '{"_id": "9000000000000064", "created_at": "2022-01-04',
        "",
        json.dumps(fan, ensure_ascii=False),
        json.dumps(user, ensure_ascii=False),
    ]


def test_nghuyong_jsonl_kinds_and_a_broken_line(tmp_path):
    path = tmp_path / "tweet_spider_by_keyword_20220104210000.jsonl"
    path.write_text("\n".join(nghuyong_lines()) + "\n", encoding="utf-8")
    rejected: list[dict] = []
    posts, report = read_posts([path], rejected_out=rejected)
    report.check()
    (file_report,) = report.files
    assert file_report.format == "nghuyong-jsonl"
    assert (file_report.records, file_report.rejected, file_report.posts, file_report.authors) == (6, 1, 3, 2)
    assert rejected[0]["record"] == 4 and "not valid JSON" in rejected[0]["reason"]
    assert rejected[0]["file"] == str(path)
    by_id = posts.set_index("post_id")
    assert by_id.loc["9100000000000063"]["kind"] == "comment"  # int _id as a string
    assert by_id.loc["9000000000000062"]["parent_post_id"] == "9000000000000061"
    assert by_id.loc["9000000000000061"]["ip_location"] == "陕西"
    assert by_id.loc["9000000000000061"]["created_at"] == T("2022-01-04 09:12:33", tz=TZ)


def test_bad_inputs_are_named_and_nothing_else_is_lost(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    good = csv_text(SEARCH_HEADER, [search_row("9000000000000071"), search_row("9000000000000072")])
    (folder / "a_good.csv").write_text(good, encoding="utf-8")
    truncated = (
        good
        + csv_text(SEARCH_HEADER, [search_row("9000000000000073", text="被截断的\n正文")], bom=False).split(
            "\r\n", 1
        )[1]
    )
    cut = truncated.index("被截断的") + 3
    (folder / "b_truncated.csv").write_text(truncated[:cut], encoding="utf-8")
    (folder / "c_gbk.csv").write_bytes(
        csv_text(SEARCH_HEADER, [search_row("9000000000000074")], bom=False).encode("gbk")
    )
    (folder / "d_empty.csv").write_bytes(b"")
    (folder / "e_image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (folder / "f_nul.csv").write_bytes(
        csv_text(SEARCH_HEADER, [search_row("9000000000000075", text="含\x00空字节")]).encode("utf-8")
    )
    damaged = csv_text(SEARCH_HEADER, [search_row("9000000000000076", text="坏字节X")]).encode("utf-8")
    (folder / "g_badbytes.csv").write_bytes(damaged.replace(b"X", b"\xff\xfe"))
    out = tmp_path / "out"
    report = ingest_dir([folder], out)
    files = {f["file"].rsplit("/", 1)[-1]: f for f in report["files"]}
    for f in files.values():
        assert f["records"] == f["accepted"] + f["duplicates"] + f["rejected"]
    assert files["a_good.csv"]["accepted"] == 2
    assert files["b_truncated.csv"]["rejected"] == 1 and files["b_truncated.csv"]["duplicates"] == 2
    assert files["c_gbk.csv"]["encoding"] == "gb18030" and files["c_gbk.csv"]["accepted"] == 1
    assert files["d_empty.csv"]["error"].endswith("empty file") and files["d_empty.csv"]["records"] == 0
    assert "PNG" in files["e_image.png"]["error"] and "e_image.png" in files["e_image.png"]["error"]
    assert files["f_nul.csv"]["nul_bytes"] == 1 and files["f_nul.csv"]["accepted"] == 1
    assert files["g_badbytes.csv"]["replaced_bytes"] == 2 and files["g_badbytes.csv"]["accepted"] == 1
    rejected = [
        json.loads(line) for line in (out / "rejected.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    reasons = {r["file"].rsplit("/", 1)[-1]: r["reason"] for r in rejected}
    assert "unterminated quote" in reasons["b_truncated.csv"]
    assert "e_image.png" in reasons
    assert len(rejected) == report["total"]["rejected"]
    posts = load_posts(out)
    assert len(posts) == report["total"]["posts"] == 5
    assert posts.loc[posts["post_id"] == "9000000000000075", "text"].item() == "含空字节"


def test_reingest_adds_nothing_and_is_byte_identical(tmp_path):
    path = tmp_path / "in" / "search.csv"
    path.parent.mkdir()
    path.write_text(
        csv_text(SEARCH_HEADER, [search_row("9000000000000081"), search_row("9.1E+15")]), encoding="utf-8"
    )
    copy = tmp_path / "copy" / "search.csv"
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())
    first = ingest_dir([path], tmp_path / "out")
    artefacts = {n: (tmp_path / "out" / n).read_bytes() for n in ("posts.parquet", "ingest_report.json")}
    second = ingest_dir([path], tmp_path / "out")
    assert first == second
    assert artefacts == {n: (tmp_path / "out" / n).read_bytes() for n in artefacts}
    posts, report = read_posts([path, copy, path])
    report.check()
    assert len(posts) == 2 and len(report.files) == 2 and report.files[1].duplicates == 2


def test_synthetic_marker_sets_crawl_time_provenance_and_skips_truth(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "truth").mkdir(parents=True)
    (corpus / "truth" / "labels.csv").write_text("platform,post_id\nweibo,1\n", encoding="utf-8")
    (corpus / "search.csv").write_text(
        csv_text(SEARCH_HEADER, [search_row("9000000000000091", time="昨天 09:00")]), encoding="utf-8"
    )
    marker = {"synthetic": True, "crawl_time": "2022-01-05T22:00:00+08:00", "non_data": ["truth/labels.csv"]}
    (corpus / "textkit_synthetic.json").write_text(json.dumps(marker), encoding="utf-8")
    out = tmp_path / "out"
    report = ingest_dir([corpus], out)
    assert report["synthetic"] is True and len(report["files"]) == 1
    assert load_posts(out)["created_at"].tolist() == [T("2022-01-04 09:00", tz=TZ)]
    provenance = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert provenance["synthetic"] is True
    assert [i["path"] for i in provenance["inputs"]] == [str(corpus / "search.csv")]


def test_cli_ingest_and_format_override(tmp_path, capsys):
    path = tmp_path / "search.csv"
    path.write_text(
        csv_text(SEARCH_HEADER, [search_row("9000000000000101", time="12月20日 09:15")]), encoding="utf-8"
    )
    assert cli_main(["ingest", str(path), "--out", str(tmp_path / "out"), "--crawl-time", "2021-12-25"]) == 0
    printed = capsys.readouterr().out
    assert "weibo-search-csv" in printed and "TOTAL" in printed
    assert load_posts(tmp_path / "out")["created_at"].tolist() == [T("2021-12-20 09:15", tz=TZ)]
    report = ingest_dir([path], tmp_path / "out2", crawl_time="2021-12-25", fmt="weibo-crawler-comments-csv")
    assert report["files"][0]["format"] == "weibo-crawler-comments-csv"
    with pytest.raises(SystemExit):
        cli_main(["ingest", str(path), "--out", str(tmp_path / "o3"), "--format", "no-such-format"])


def test_crawl_time_from_file_name():
    stamp = crawl_time_from_name("tweet_spider_by_keyword_20220104210000.jsonl")
    assert stamp == T("2022-01-04 21:00", tz=TZ)
    assert crawl_time_from_name("search.csv") is None


def test_bid_to_mid():
    assert bid_to_mid("LqlZNhJFm") == "4762810834227120"
    assert bid_to_mid("12345") is None and bid_to_mid("") is None


text_values = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(text_values, text_values), min_size=1, max_size=8))
def test_raw_json_built_columnwise_equals_json_dumps(rows):
    keys = ["列一", 'k"2']
    columns = [pa.array([r[0] for r in rows], pa.string()), pa.array([r[1] for r in rows], pa.string())]
    built = json_objects(keys, columns)
    values = built.to_pylist() if hasattr(built, "to_pylist") else built
    for value, row in zip(values, rows, strict=True):
        assert json.loads(value) == dict(zip(keys, row, strict=True))
        assert value == json.dumps(dict(zip(keys, row, strict=True)), ensure_ascii=False)


def test_raw_json_built_in_parallel_row_ranges_equals_json_dumps(monkeypatch):
    monkeypatch.setattr(tables, "_PARALLEL_ROWS", 4)
    rows = [(f'值{i}"\\', "行\n二" if i % 3 else "控\x01制", None if i % 5 == 0 else "plain")
            for i in range(23)]
    keys = ["a", "b", "c"]
    columns = [pa.chunked_array([pa.array([r[k] for r in rows[:10]], pa.string()),
                                 pa.array([r[k] for r in rows[10:]], pa.string())]) for k in range(3)]
    built = json_objects(keys, columns).to_pylist()
    assert built == [json.dumps(dict(zip(keys, (v or "" for v in r), strict=True)), ensure_ascii=False)
                     for r in rows]


def test_split_list_drops_empty_items():
    values = pd.Series(["a,b", "", None, " x , ,y ,", "['p', 'q']"], index=[5, 6, 7, 8, 9])
    lists = split_list(values)
    assert lists.index.tolist() == [5, 6, 7, 8, 9]
    assert [list(v) for v in lists] == [["a", "b"], [], [], ["x", "y"], ["p", "q"]]
    assert [list(v) for v in split_list(pd.Series([" x , ,y ,"]))] == [["x", "y"]]


def test_large_files_decode_lazily_with_the_same_result(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "_LAZY_BYTES", 0)  # every file takes the lazy path
    rows = [search_row(f"90000000000002{i:02d}", text=f"第{i}条") for i in range(30)]
    utf8 = tmp_path / "utf8.csv"
    utf8.write_text(csv_text(SEARCH_HEADER, rows), encoding="utf-8")
    posts, report = one(utf8)
    assert report.encoding == "utf-8-sig" and report.replaced_bytes == 0 and len(posts) == 30
    assert posts["text"].tolist() == [f"第{i}条" for i in range(30)]
    damaged = tmp_path / "damaged.csv"  # valid UTF-8 at the start, one broken byte further on
    data = csv_text(SEARCH_HEADER, rows).encode("utf-8")
    cut = data.index("第25条".encode())
    damaged.write_bytes(data[:cut] + b"\xff" + data[cut:])
    posts, report = one(damaged)
    assert report.encoding == "utf-8-sig" and report.replaced_bytes == 1 and report.accepted == 30
    assert posts["text"].tolist()[24:26] == ["第24条", "\ufffd第25条"]


def damaged_search_csv(path, texts: list[str], damaged: int, opened: str) -> list[str]:
    """A weibo-search CSV of one record per text, where the text of record ``damaged`` (0-based, a
    plain text) is replaced by a quote that opens ``opened`` and never closes. Returns the ids."""
    ids = [f"90000000000006{i:02d}" for i in range(len(texts))]
    records = csv_text(SEARCH_HEADER, [search_row(i, text=t) for i, t in zip(ids, texts, strict=True)])
    records = records.split("\r\n")  # LF inside quoted texts stays inside its record
    assert records[1 + damaged].startswith(ids[damaged] + ",")
    records[1 + damaged] = records[1 + damaged].replace(texts[damaged], '"' + opened, 1)
    path.write_text("\r\n".join(records), encoding="utf-8")
    return ids


SWALLOWED_TO_NEXT_QUOTE = ["第一条", "第二条", "第三条", "第四条, 带逗号", "第五条", "第六条, 带逗号"]
SWALLOWED_TO_THE_END = ["第一条", "第二条", "第三条", "第四条", "第五条"]
MULTI_LINE_AROUND = ["第一条", "多行\n第二行", "第三条", "第四条\n续行, 带逗号", '第五条 "引"', "第六条"]


@pytest.mark.parametrize("texts", [SWALLOWED_TO_NEXT_QUOTE, SWALLOWED_TO_THE_END, MULTI_LINE_AROUND])
def test_a_mid_file_unterminated_quote_rejects_only_its_record(tmp_path, texts):
    path = tmp_path / "damaged.csv"
    ids = damaged_search_csv(path, texts, 2, "第三条 引号没有闭合")
    rejected: list[dict] = []
    posts, report = read_posts([path], rejected_out=rejected)
    report.check()
    file = report.files[0]
    assert (file.records, file.accepted, file.rejected) == (len(texts), len(texts) - 1, 1)
    assert posts["post_id"].tolist() == ids[:2] + ids[3:]
    assert posts["text"].tolist() == texts[:2] + texts[3:]
    assert [r["record"] for r in rejected] == [3]
    assert "never closes" in rejected[0]["reason"]
    assert rejected[0]["raw"].startswith(ids[2] + ",") and rejected[0]["raw"].count("\n") == 1
    assert not read_csv_table(open_source(path)).fast  # found row by row


def test_an_unterminated_quote_in_the_last_record_is_a_truncated_file(tmp_path):
    path = tmp_path / "truncated.csv"
    ids = damaged_search_csv(path, ["第一条", "第二条, 带逗号", "第三条"], 2, "最后一条\n第二行")
    rejected: list[dict] = []
    posts, report = read_posts([path], rejected_out=rejected)
    report.check()
    assert posts["post_id"].tolist() == ids[:2]
    assert [(r["record"], "truncated file" in r["reason"]) for r in rejected] == [(3, True)]
    assert rejected[0]["raw"].startswith(ids[2] + ",") and "第二行" in rejected[0]["raw"]
    assert read_csv_table(open_source(path)).fast  # a cut-off last record keeps the fast path


record_texts = st.text(alphabet=["测", "试", ",", "\n", '"', " "], min_size=1, max_size=12).filter(
    lambda t: t.count(",") <= 2 and t.strip())


@settings(max_examples=60, deadline=None)
@given(st.lists(record_texts, min_size=1, max_size=8), st.data())
def test_any_one_unterminated_quote_loses_no_other_record(tmp_path_factory, texts, data):
    damaged = data.draw(st.integers(0, len(texts)))
    texts = [*texts[:damaged], "被损坏的记录", *texts[damaged:]]
    path = tmp_path_factory.mktemp("damage") / "damaged.csv"
    ids = damaged_search_csv(path, texts, damaged, "被损坏的记录")
    rejected: list[dict] = []
    posts, report = read_posts([path], rejected_out=rejected)
    report.check()
    assert report.files[0].records == len(texts)
    assert [r["record"] for r in rejected] == [damaged + 1]
    assert posts["post_id"].tolist() == ids[:damaged] + ids[damaged + 1:]
    assert posts["text"].tolist() == texts[:damaged] + texts[damaged + 1:]


def test_reading_files_in_worker_processes_gives_the_same_result(monkeypatch):
    monkeypatch.setattr(api, "_PARALLEL_BYTES", 0)  # the fixtures are small: read them in parallel anyway
    monkeypatch.setattr(api, "_LOCAL_BYTES", 1300)  # about half of them in the workers, half here
    folder = Path(__file__).parent / "fixtures" / "ingest"
    results = []
    for n_jobs in (1, 2):
        rejected: list[dict] = []
        authors: list[pd.DataFrame] = []
        posts, report = read_posts([folder], n_jobs=n_jobs, rejected_out=rejected, authors_out=authors)
        results.append((posts, report.to_dict(), rejected, authors[0]))
    (posts, report, rejected, authors), (posts2, report2, rejected2, authors2) = results
    assert len(report["files"]) > 10 and report["total"]["posts"] > 30
    assert report == report2 and rejected == rejected2
    assert posts.equals(posts2) and authors.equals(authors2)
