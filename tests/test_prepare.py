"""The prepare stage on an invented posts table: API, columns and dtypes, redaction switch, files, CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import textkit
import textkit.prepare
from textkit import io as tkio
from textkit.cli import main as cli_main
from textkit.prepare import ADDED_COLUMNS, PREPARED_FILE, REPORT_FILE, load_prepared, prepare, prepare_dir
from textkit.redact import KEY_ENV, KEY_FILE, PLACEHOLDERS, pseudonym
from textkit.schema import COLUMN_NAMES, STRING, STRING_LIST, conform

prepare_module = sys.modules["textkit.prepare"]

KEY = b"test-key-not-secret"
PHONE = "13912345678"  # invented
LONG = ("西安一码通从早上七点开始就打不开了，地铁口排了很长的队，保安说没有绿码不能进站，"
        "上班肯定要迟到了，希望有关部门尽快扩容服务器")


def invented_posts() -> pd.DataFrame:
    rows = [
        dict(post_id="t001", author_id="9990001", author_name="测试用户甲", kind="post",
             text=f"西安一码通又崩了！电话{PHONE} 求助 #一码通崩了# [泪] http://t.cn/Abc1234",
             created_at="2021-12-20 09:00:00"),
        dict(post_id="t002", author_id="9990002", author_name="测试用户乙", kind="post",
             text=f"西安一码通又崩了!电话{PHONE} 求助 #一码通崩了# [泪]", created_at="2021-12-20 09:05:00"),
        dict(post_id="t003", author_id="9990003", author_name="测试用户丙", kind="repost", is_repost=True,
             parent_post_id="t001", text="转发微博//@测试用户甲:西安一码通又崩了！",
             created_at="2021-12-20 09:10:00"),
        dict(post_id="t004", author_id="9990001", author_name="测试用户甲", kind="post", text=LONG,
             created_at="2021-12-20 10:00:00"),
        dict(post_id="t005", author_id="9990004", author_name="测试用户丁", kind="post",
             text=LONG.replace("七点", "八点"), created_at="2021-12-20 10:30:00"),
        dict(post_id="t006", author_id="9990005", author_name="测试用户戊", kind="post",
             text="一碼通當機了 @测试用户甲 邮箱 test@example.invalid", created_at="2022-01-04 08:00:00"),
        dict(post_id="t007", author_id=None, author_name=None, kind="comment", text=None,
             created_at="2022-01-04 08:01:00"),
    ]
    df = pd.DataFrame(rows)
    df["platform"] = "weibo"
    df["raw"] = [json.dumps(r, ensure_ascii=False) for r in rows]
    return conform(df)


@pytest.fixture(scope="module")
def prepared() -> pd.DataFrame:
    return prepare(invented_posts(), key=KEY)


def test_columns_are_the_posts_columns_without_raw_plus_the_added_ones(prepared):
    expected = [c for c in COLUMN_NAMES if c != "raw"] + list(ADDED_COLUMNS)
    assert sorted(prepared.columns) == sorted(expected)
    assert set(ADDED_COLUMNS) == {"text_clean", "own_text", "chain_depth", "quoted_text", "emotions",
                                  "pii_types", "tokens", "dup_group", "is_canonical", "dup_kind"}
    assert len(prepared) == 7 and prepared["post_id"].tolist() == [f"t00{i}" for i in range(1, 8)]


def test_added_column_dtypes(prepared):
    for column in ("text_clean", "own_text", "quoted_text"):
        assert prepared[column].dtype == STRING, column
    for column in ("emotions", "pii_types", "tokens", "topics", "mentions"):
        assert prepared[column].dtype == STRING_LIST, column
    assert str(prepared["chain_depth"].dtype) == "Int64"
    assert str(prepared["dup_group"].dtype) == "Int64"
    assert pd.api.types.is_bool_dtype(prepared["is_canonical"])
    assert set(prepared["dup_kind"]) <= {"unique", "exact", "near", "repost"}
    assert prepared[["text_clean", "own_text", "quoted_text", "chain_depth", "dup_group"]].notna().all().all()


def test_text_is_redacted_cleaned_and_split(prepared):
    first = prepared.iloc[0]
    assert PHONE not in first["text"] and "<PHONE>" in first["text"]
    assert first["text_clean"] == "西安一码通又崩了!电话<PHONE> 求助 #一码通崩了# [泪]"
    assert list(first["pii_types"]) == ["PHONE"] and list(first["emotions"]) == ["泪"]
    assert list(first["topics"]) == ["一码通崩了"]
    assert list(first["tokens"]) == ["西安一码通", "崩", "电话", "求助", "一码通", "崩", "[泪]"]
    repost = prepared.iloc[2]
    assert repost["own_text"] == "转发微博" and repost["chain_depth"] == 1
    assert repost["quoted_text"] == "西安一码通又崩了!"
    simplified = prepared.iloc[5]
    assert simplified["text_clean"].startswith("一码通当机了")
    assert list(simplified["pii_types"]) == ["EMAIL"] and "test@example.invalid" not in simplified["text"]
    missing = prepared.iloc[6]
    assert pd.isna(missing["text"]) and missing["text_clean"] == "" and list(missing["tokens"]) == []


def test_authors_are_pseudonymised_with_the_key(prepared):
    assert prepared["author_id"].iloc[0] == pseudonym("9990001", KEY, prefix="u_")
    assert prepared["author_name"].iloc[0] == pseudonym("测试用户甲", KEY, prefix="n_")
    assert prepared["author_id"].iloc[0] == prepared["author_id"].iloc[3]  # same author, same pseudonym
    assert not prepared["author_name"].str.contains("测试用户", na=False).any()
    assert pd.isna(prepared["author_id"].iloc[6])


def test_duplicates_exact_near_and_repost(prepared):
    groups, kinds = prepared["dup_group"].tolist(), prepared["dup_kind"].tolist()
    assert groups[0] == groups[1] == groups[2]  # copy and repost join the original's group
    assert kinds[:3] == ["unique", "exact", "repost"]
    assert groups[3] == groups[4] and kinds[3:5] == ["unique", "near"]
    assert len({groups[0], groups[3], groups[5], groups[6]}) == 4
    canonical = prepared.groupby("dup_group")["is_canonical"].sum()
    assert (canonical == 1).all()  # exactly one canonical post per group
    assert (prepared["is_canonical"] == (prepared["dup_kind"] == "unique")).all()


def test_no_column_carries_the_raw_author_id_or_name():
    posts = invented_posts()
    known = posts["author_id"].notna()
    posts["url"] = ("https://weibo.com/" + posts["author_id"] + "/Abc").where(known, None)
    posts["source_file"] = ("weibo-crawler/weibo_data/" + posts["author_name"] + "/" + posts["author_id"]
                            + ".csv").where(known, "other.csv")
    out = prepare(posts, key=KEY)
    secrets = list(pd.concat([posts["author_id"], posts["author_name"]]).dropna().unique())
    for column in ("url", "source_file", "author_id", "author_name"):
        values = out[column].dropna().astype(str)
        leaked = [s for s in secrets if values.str.contains(s, regex=False).any()]
        assert not leaked, f"{column} carries raw author ids or names"


def test_redact_false_keeps_originals_and_says_so():
    posts = invented_posts()
    report: dict = {}
    kept = prepare(posts, redact=False, key=KEY, report=report)
    assert kept["text"].tolist()[:6] == posts["text"].tolist()[:6]
    assert kept["author_id"].tolist()[:6] == posts["author_id"].tolist()[:6]
    assert kept["author_name"].tolist()[:6] == posts["author_name"].tolist()[:6]
    assert "raw" in kept.columns
    assert PHONE in kept["text_clean"].iloc[0]
    assert report["redacted"] is False
    assert report["redactions"]["PHONE"] == 2  # still counted, so the researcher sees what is exposed


def test_report_counts(prepared):
    report: dict = {}
    prepare(invented_posts(), key=KEY, report=report)
    assert report["posts"] == 7 and report["redacted"] is True
    assert set(report["redactions"]) == set(PLACEHOLDERS)
    assert report["redactions"]["PHONE"] == 2 and report["redactions"]["EMAIL"] == 1
    assert report["posts_with_pii"] == 3
    assert report["dup_kinds"] == {"unique": 4, "exact": 1, "near": 1, "repost": 1}
    assert report["canonical"] == 4 and report["dup_groups"] == 4
    assert report["tokens"] == sum(len(t) for t in prepared["tokens"])


def test_parallel_prepare_equals_serial_and_counts_every_copy(tmp_path, monkeypatch):
    monkeypatch.setattr(prepare_module, "_scratch_dir", lambda needed: str(tmp_path))
    posts = invented_posts()
    copies = posts.iloc[[0, 0, 0]].assign(post_id=["c1", "c2", "c3"])  # the same text three more times
    posts = pd.concat([posts, copies], ignore_index=True)
    serial_report: dict = {}
    parallel_report: dict = {}
    serial = prepare(posts, key=KEY, n_jobs=1, report=serial_report)
    parallel = prepare(posts, key=KEY, n_jobs=2, report=parallel_report)
    pd.testing.assert_frame_equal(serial, parallel)
    assert serial_report["redactions"]["PHONE"] == 5  # each post counts, not each distinct text
    assert {k: v for k, v in serial_report.items() if k != "seconds"} == {
        k: v for k, v in parallel_report.items() if k != "seconds"}
    assert list(tmp_path.iterdir()) == []  # the workers' hand-back files are gone


def test_parallel_prepare_survives_a_full_scratch_folder(monkeypatch):
    def no_room(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pa, "OSFile", no_room)  # the forked workers inherit it: pieces come back pickled
    posts = invented_posts()
    pd.testing.assert_frame_equal(prepare(posts, key=KEY, n_jobs=2), prepare(posts, key=KEY, n_jobs=1))


def test_plain_pandas_read_of_posts_parquet_works(tmp_path):
    """``pd.read_parquet`` gives object columns of numpy arrays for topics/mentions, not Arrow lists."""
    tkio.write_parquet(tmp_path / "posts.parquet", invented_posts())
    plain = pd.read_parquet(tmp_path / "posts.parquet")
    assert not isinstance(plain["topics"].dtype, pd.ArrowDtype)
    out = prepare(plain, key=KEY)
    assert out["topics"].dtype == STRING_LIST
    assert list(out["topics"].iloc[0]) == ["一码通崩了"]
    # a mention gets the pseudonym of the mentioned user's name, as their own posts do
    assert list(out["mentions"].iloc[5]) == [pseudonym("测试用户甲", KEY, prefix="n_")]
    assert "测试用户甲" not in out["text"].iloc[5] and "测试用户甲" not in out["text_clean"].iloc[5]


@pytest.fixture
def analysis_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "test-key-not-secret")
    folder = tmp_path / "analysis"
    folder.mkdir()
    tkio.write_parquet(folder / "posts.parquet", invented_posts())
    return folder


def test_prepare_dir_writes_both_files_deterministically(analysis_dir):
    report = prepare_dir(analysis_dir)
    first = {name: (analysis_dir / name).read_bytes() for name in (PREPARED_FILE, REPORT_FILE)}
    prepare_dir(analysis_dir)
    second = {name: (analysis_dir / name).read_bytes() for name in (PREPARED_FILE, REPORT_FILE)}
    assert first == second
    saved = tkio.read_json(analysis_dir / REPORT_FILE)
    assert saved == {k: v for k, v in report.items() if k != "seconds"}  # no timings in the file
    assert not (analysis_dir.parent / KEY_FILE).exists()  # the key came from the environment
    provenance = tkio.read_provenance(analysis_dir)["stages"]["prepare"]
    assert provenance["redacted"] is True
    assert provenance["input"]["sha256"] == tkio.sha256_file(analysis_dir / "posts.parquet")
    assert provenance["parameters"]["tokenizer_engine"] == "compiled"  # which engine made the tokens


def test_prepared_parquet_reads_back_with_pandas_and_the_loader(analysis_dir):
    prepare_dir(analysis_dir)
    loaded = load_prepared(analysis_dir)
    assert loaded["tokens"].dtype == STRING_LIST and loaded["text_clean"].dtype == STRING
    assert str(loaded["dup_group"].dtype) == "Int64"
    plain = pd.read_parquet(analysis_dir / PREPARED_FILE)
    assert list(plain["tokens"].iloc[0]) == list(loaded["tokens"].iloc[0])
    schema = pq.read_schema(analysis_dir / PREPARED_FILE)
    tokens_type = schema.field("tokens").type
    assert pa.types.is_list(tokens_type) and pa.types.is_string(tokens_type.value_type)
    assert "raw" not in schema.names


def test_prepare_dir_without_env_key_uses_a_key_file_beside_the_folder(analysis_dir, monkeypatch):
    monkeypatch.delenv(KEY_ENV)
    prepare_dir(analysis_dir)
    first = load_prepared(analysis_dir, columns=["author_id"])["author_id"].tolist()
    assert (analysis_dir.parent / KEY_FILE).exists()
    prepare_dir(analysis_dir)
    assert load_prepared(analysis_dir, columns=["author_id"])["author_id"].tolist() == first


def test_cli_prepare(analysis_dir, capsys):
    assert cli_main(["prepare", str(analysis_dir)]) == 0
    out = capsys.readouterr().out
    assert "7 posts prepared" in out and "PHONE 2" in out and "redacted" in out
    assert (analysis_dir / PREPARED_FILE).exists() and (analysis_dir / REPORT_FILE).exists()


def test_cli_prepare_no_redact_is_recorded(analysis_dir, capsys):
    assert cli_main(["prepare", str(analysis_dir), "--no-redact"]) == 0
    assert "NOT redacted" in capsys.readouterr().out
    assert tkio.read_json(analysis_dir / REPORT_FILE)["redacted"] is False
    assert tkio.read_provenance(analysis_dir)["stages"]["prepare"]["redacted"] is False
    assert PHONE in load_prepared(analysis_dir, columns=["text"])["text"].iloc[0]


def test_missing_posts_parquet_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"posts\.parquet not found.*textkit ingest"):
        prepare_dir(tmp_path)
    result = subprocess.run([sys.executable, "-m", "textkit.cli", "prepare", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "posts.parquet not found" in result.stderr
    assert not (tmp_path / PREPARED_FILE).exists()


def test_textkit_prepare_is_the_function_even_after_the_stage_module_was_imported():
    assert "textkit.prepare" in sys.modules  # the stage module is loaded (top of this file)
    assert callable(textkit.prepare)
    assert textkit.prepare(invented_posts(), key=KEY)["text_clean"].iloc[1].startswith("西安一码通")


def test_prepare_needs_a_text_column():
    with pytest.raises(ValueError, match="`text` column"):
        prepare(pd.DataFrame({"post_id": ["t1"]}), key=KEY)
