"""The fast ingest paths give exactly what the careful ones give: JSON Lines read in one pass over
the file's bytes (vs line by line on the decoded text), column-wise string conversion and topic
search (vs value by value), and a CSV whose quotes never close leaves the Arrow fast path."""

from __future__ import annotations

import gc
import itertools
import json
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textkit.ingest import api, common, nghuyong, read_posts, records, sources
from textkit.ingest.common import _scalar_text, as_string, drop_rejected, find_all
from textkit.ingest.sources import open_source
from textkit.ingest.tables import read_csv_table
from textkit.schema import STRING, STRING_LIST
from textkit.synth.writers import SEARCH_HEADER_21

TWEET = {"_id": "4725000000000001", "mblogid": "FakeBid01", "created_at": "2021-12-20 09:15:00",
         "reposts_count": 1, "comments_count": 2, "attitudes_count": 3, "content": "测试 #话题# @某人",
         "pic_urls": [], "user": {"_id": "1000000001", "nick_name": "测试用户"}, "crawl_time": 1642910000}
COMMENT = {"_id": 4725000000000002, "weibo_id": "4725000000000001", "content": "测试评论",
           "created_at": "2021-12-20 10:00:00", "like_counts": 5,
           "comment_user": {"_id": "1000000002", "nick_name": "评论用户"}, "crawl_time": 1642910000}
USER = {"_id": "1000000003", "nick_name": "用户三", "followers_count": 10, "friends_count": 2,
        "avatar_hd": "https://example.invalid/a.jpg", "crawl_time": 1642910000}
MC_COMMENT = {"comment_id": "4714459972475001", "create_time": 1639498310,
              "create_date_time": "2021-12-15 00:11:50+08:00", "note_id": "4714459428892001",
              "content": "测试 @某人 #话题#", "sub_comment_count": "0", "comment_like_count": "4",
              "last_modify_ts": 1643119200037, "ip_location": "陕西", "user_id": "1000000004",
              "nickname": "用户四"}


def dump(value) -> str:
    return json.dumps(value, ensure_ascii=False)


# lines that are easy to get subtly wrong: big integers, broken JSON, blank lines of every kind,
# values that are not objects, NaN (json reads it, orjson does not), escapes and surrounding spaces
ODD_LINES = [
    dump(TWEET),
    dump(COMMENT),
    dump(USER),
    dump({**TWEET, "_id": 123456789012345678901234567890}),  # orjson would read a float
    dump({**TWEET, "_id": "4725000000000004", "pic_num": 18446744073709551616}),
    dump({**TWEET, "_id": "4725000000000005", "pic_num": -9223372036854775809}),
    dump({**TWEET, "_id": "4725000000000006", "content": "数字 1234567890123456789012 在文本里"}),
    '{"_id": "4725000000000007", "mblogid": "x", "content": "断行',
    "",
    "   ",
    "\u3000",
    "[1, 2, 3]",
    "42",
    '{"_id": "4725000000000008", "mblogid": "y", "attitudes_count": NaN, "created_at": "2021-12-20"}',
    '  {"_id": "4725000000000009", "mblogid": "z", "content": "\\u4e2d\\n\\"引\\"", '
    '"created_at": "2021-12-21"}  ',
    dump({**TWEET, "_id": "4725000000000010", "created_at": "Invalid date"}),
    dump({**TWEET, "_id": "4725000000000011", "is_retweet": True, "retweet_id": "4725000000000001"}),
    dump({"something": "else"}),
]


def write_lines(path: Path, lines: list[str], *, newline: str = "\n", bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + newline.join(lines).encode("utf-8"))
    return path


def both_paths(monkeypatch, read):
    """``read()`` with the one-pass JSON Lines reader and with the line-by-line one."""
    fast = read()
    with monkeypatch.context() as patch:
        patch.setattr(records, "json_lines", lambda source: None)
        patch.setattr(nghuyong, "json_lines", lambda source: None)
        slow = read()
    return fast, slow


def same_read(fast, slow) -> None:
    (posts, report, rejected, authors), (posts2, report2, rejected2, authors2) = fast, slow
    assert report == report2
    assert rejected == rejected2
    pd.testing.assert_frame_equal(posts, posts2, check_exact=True)
    assert (authors is None) == (authors2 is None)
    if authors is not None:
        pd.testing.assert_frame_equal(authors, authors2, check_exact=True)


def read_all(path: Path, fmt: str | None = None):
    rejected: list[dict] = []
    authors: list[pd.DataFrame] = []
    posts, report = read_posts([path], fmt=fmt, rejected_out=rejected, authors_out=authors)
    return posts, report.to_dict(), rejected, authors[0] if authors else None


@pytest.fixture(params=["eager", "lazy"])
def lazy(request, monkeypatch):
    """Files decoded when opened (small files) and files kept as bytes until needed (large ones)."""
    if request.param == "lazy":
        monkeypatch.setattr(sources, "_LAZY_BYTES", 0)
    return request.param


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", [False, True])
def test_nghuyong_odd_lines_read_the_same_both_ways(tmp_path, monkeypatch, lazy, newline, bom):
    path = write_lines(tmp_path / "tweet_spider_by_keyword_20220125220000.jsonl", ODD_LINES,
                       newline=newline, bom=bom)
    fast, slow = both_paths(monkeypatch, lambda: read_all(path))
    same_read(fast, slow)
    posts, report, rejected, authors = fast
    assert report["files"][0]["format"] == "nghuyong-jsonl"
    assert report["files"][0]["error"] is None
    by_id = posts.set_index("post_id")
    assert "123456789012345678901234567890" in by_id.index
    assert by_id.loc["4725000000000006", "text"] == "数字 1234567890123456789012 在文本里"
    assert by_id.loc["4725000000000009", "text"] == '中\n"引"'
    reasons = {r["record"]: r["reason"] for r in rejected}
    assert any("not valid JSON" in reason for reason in reasons.values())
    assert any("not a tweet" in reason for reason in reasons.values())
    assert authors is not None and len(authors) == 1


def test_the_one_pass_reader_takes_the_file_and_gives_up_where_it_must(tmp_path, monkeypatch, lazy):
    plain = write_lines(tmp_path / "plain.jsonl", ODD_LINES)
    assert records.json_lines(open_source(plain)) is not None
    for name, content in [
        ("lone_cr.jsonl", dump(TWEET) + "\r" + dump(COMMENT)),  # str.splitlines breaks there too
        ("u2028.jsonl", dump({**TWEET, "content": "行\u2028分隔"}) + "\n" + dump(COMMENT)),
        ("pretty.json", json.dumps(TWEET, indent=2, ensure_ascii=False)),  # one value over many lines
        ("single.jsonl", dump(TWEET)),
        ("broken_first.jsonl", '{"_id": 1,\n' + dump(COMMENT)),
    ]:
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        assert records.json_lines(open_source(path)) is None, name
        fast, slow = both_paths(monkeypatch, lambda p=path: read_all(p, "nghuyong-jsonl"))
        same_read(fast, slow)


def test_files_that_are_not_utf8_read_the_same_both_ways(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "_LAZY_BYTES", 0)
    monkeypatch.setattr(sources, "_HEAD_BYTES", 64)  # only the start is checked when the file is opened
    gbk = tmp_path / "gbk.jsonl"  # decoded when opened (its start is not UTF-8), then read in one pass
    lines = [dump({**item, "_id": item["_id"] + i if isinstance(item["_id"], int) else f"{item['_id']}{i}"})
             for i in range(3) for item in (TWEET, COMMENT)]
    gbk.write_bytes("\n".join(lines).encode("gb18030"))
    damaged = tmp_path / "damaged.jsonl"  # UTF-8 at the start, one broken byte further on
    data = "\n".join(lines).encode("utf-8")
    cut = data.rindex("测试评论".encode())
    damaged.write_bytes(data[:cut] + b"\xff" + data[cut:])
    assert records.json_lines(open_source(damaged)) is None  # the bytes are not UTF-8: line by line
    for path in (gbk, damaged):
        fast, slow = both_paths(monkeypatch, lambda p=path: read_all(p, "nghuyong-jsonl"))
        same_read(fast, slow)
    posts, report, _, _ = fast
    assert report["files"][0]["replaced_bytes"] == 1
    assert posts["text"].tolist()[-1] == "\ufffd测试评论"


def test_mediacrawler_jsonl_reads_the_same_both_ways(tmp_path, monkeypatch, lazy):
    lines = [dump({**MC_COMMENT, "comment_id": f"47144599724750{i:02d}"}) for i in range(20)]
    lines[3] = lines[3][:-20]  # broken
    lines[5] = dump({**MC_COMMENT, "comment_id": "4714459972475105", "create_time": "not-a-time"})
    lines[7] = dump({**MC_COMMENT, "comment_id": "4714459972475107",
                     "ip_location": 12345678901234567890123})
    lines[9] = "[]"
    lines[11] = dump({"unrelated": True})
    lines.insert(13, "")
    path = write_lines(tmp_path / "search_comments_2022-01-25.jsonl", lines)
    fast, slow = both_paths(monkeypatch, lambda: read_all(path))
    same_read(fast, slow)
    posts, report, rejected, _ = fast
    assert report["files"][0]["format"] == "mediacrawler-weibo"
    assert [r["record"] for r in rejected] == [4, 6, 10, 12]
    assert posts["raw"].iloc[0] == lines[0]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False)
    | st.text(alphabet=["测", "a", " ", '"', "\\", "\t", "1", "\u3000", "\x85"], max_size=6),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(["a", "_id", "b"]),
                                                                     children, max_size=3),
    max_leaves=6)
line_strategy = st.one_of(
    json_values.map(dump),
    json_values.map(lambda v: json.dumps(v)),  # \\u escapes
    st.sampled_from(ODD_LINES),
    st.text(alphabet=["{", "}", '"', ":", ",", "1", " ", "\u3000", "x"], max_size=8),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(line_strategy, min_size=1, max_size=8), st.sampled_from(["\n", "\r\n"]))
def test_any_json_lines_parse_as_line_by_line(tmp_path_factory, lines, newline):
    path = write_lines(tmp_path_factory.mktemp("jsonl") / "lines.jsonl", [dump(TWEET), *lines],
                       newline=newline)
    source = open_source(path)
    parsed = records.json_lines(source)
    if parsed is None:
        return
    expected = []
    for line in source.text.lstrip("\ufeff").splitlines():
        if not line.strip():
            continue
        try:
            expected.append(("ok", json.dumps(records.loads_line(line), sort_keys=True), line))
        except json.JSONDecodeError as error:
            expected.append(("broken", (error.msg, error.colno), line))
    got = [None] * parsed.total
    for number, value, text in zip(parsed.numbers.tolist(), parsed.values, parsed.texts.to_pylist(),
                                   strict=True):
        got[number - 1] = ("ok", json.dumps(value, sort_keys=True), text)
    for number, text, error in parsed.broken:
        got[number - 1] = ("broken", (error.msg, error.colno), text)
    assert got == expected


def value_by_value(values) -> list:
    """:func:`as_string`'s rule, one value at a time."""
    series = pd.Series(list(values), dtype=object)
    out = series.where(series.notna(), None)
    return [None if v is None else v if isinstance(v, str) else _scalar_text(v) for v in out]


scalars = st.one_of(st.none(), st.just(float("nan")), st.booleans(), st.integers(-(2**80), 2**80),
                    st.floats(), st.text(max_size=4), st.binary(max_size=2),
                    st.lists(st.integers(0, 3), max_size=2), st.dictionaries(st.just("k"), st.integers(0, 3)))


@settings(max_examples=150, deadline=None)
@given(st.lists(scalars, max_size=6))
def test_as_string_in_arrow_equals_value_by_value(values):
    got = [None if v is pd.NA else v for v in as_string(values).tolist()]
    assert got == value_by_value(values)
    series = pd.Series(values) if values else pd.Series([], dtype=object)  # inferred dtypes too
    got = [None if v is pd.NA else v for v in as_string(series).tolist()]
    assert got == value_by_value(series.tolist())


@pytest.mark.parametrize("values", [[1, 2, 3], [1.0, None, -0.0, 2.0**62], [1.5, None], ["a", None],
                                    [True, False], [10**20, 1], ["not-a-time", 1639498310, None, "1", 2**40],
                                    ["a", 1, True], ["a", 1, 1.5], ["a", 10**20]])
def test_as_string_of_typed_columns(values):
    series = pd.Series(values)
    got = [None if v is pd.NA else v for v in as_string(series).tolist()]
    assert got == value_by_value(series.tolist())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.none() | st.text(alphabet=["#", "@", "话", "题", "a", "-", " ", "\n"], max_size=12),
                max_size=6))
def test_find_all_equals_findall(texts):
    for pattern, marker in ((re.compile(r"#([^#\n]{1,60})#"), "#"), (re.compile(r"@([\w\-]{1,30})"), "@")):
        got = find_all(texts, pattern, marker).tolist()
        assert [list(v) for v in got] == [pattern.findall(t or "") for t in texts]


# -- CSV: two quotes that never close ------------------------------------------------------------------

def search_csv(path: Path, texts: list[str], damaged: set[int]) -> list[str]:
    """A weibo-search CSV of one record per text; the texts of the ``damaged`` records open a quote
    that never closes. Returns the ids."""
    import csv
    import io

    ids = [f"90000000000007{i:02d}" for i in range(len(texts))]
    out = io.StringIO()
    rows = [[i, "Fake0bid1", "1000000001", "测试用户", t, "", "", "", "", "0", "0", "1", "2021-12-20 09:15",
             "测试客户端", "", "", "", "陕西", "普通用户", "非会员", "0"][:len(SEARCH_HEADER_21)]
            for i, t in zip(ids, texts, strict=True)]
    csv.writer(out, lineterminator="\r\n").writerows([SEARCH_HEADER_21, *rows])
    lines = out.getvalue().split("\r\n")
    for d in damaged:
        lines[1 + d] = lines[1 + d].replace(texts[d], '"' + texts[d] + " 引号没有闭合", 1)
    path.write_text("\ufeff" + "\r\n".join(lines), encoding="utf-8")
    return ids


def test_two_unclosed_quotes_reject_only_their_records(tmp_path):
    texts = [f"第{i}条" for i in range(8)]
    path = tmp_path / "two.csv"
    ids = search_csv(path, texts, {2, 5})
    rejected: list[dict] = []
    posts, report = read_posts([path], rejected_out=rejected)
    report.check()
    assert report.files[0].records == 8
    assert [r["record"] for r in rejected] == [3, 6]
    assert all("never closes" in r["reason"] for r in rejected)
    assert posts["post_id"].tolist() == [ids[i] for i in (0, 1, 3, 4, 6, 7)]
    assert posts["text"].tolist() == [texts[i] for i in (0, 1, 3, 4, 6, 7)]
    assert not read_csv_table(open_source(path)).fast


def test_multi_line_texts_keep_the_fast_path(tmp_path):
    texts = ["第一条", "多行\n第二行, 带逗号", "第三条\n4725,不是记录的开头吗", "第四条\n\n空行"]
    path = tmp_path / "multi.csv"
    search_csv(path, texts, set())
    table = read_csv_table(open_source(path))
    assert table.fast
    assert table.frame["微博正文"].tolist() == texts


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet=["测", "试", ",", "\n", " "], min_size=1, max_size=8)
                .filter(lambda t: t.strip()), min_size=4, max_size=9), st.data())
def test_any_two_unclosed_quotes_read_as_row_by_row(tmp_path_factory, texts, data):
    first = data.draw(st.integers(0, len(texts) - 3))
    second = data.draw(st.integers(first + 2, len(texts) - 1))  # not adjacent: one record between
    texts = [f"第{i}条{t}" for i, t in enumerate(texts)]
    texts[first], texts[second] = "被损坏的记录", "另一条被损坏的记录"  # plain texts, then damaged
    path = tmp_path_factory.mktemp("two") / "two.csv"
    ids = search_csv(path, texts, {first, second})
    table = read_csv_table(open_source(path))
    robust = read_csv_table(open_source(path), force_robust=True)
    assert not table.fast
    assert table.records == robust.records == len(texts)
    assert [r.record for r in table.rejected] == [first + 1, second + 1]
    kept = [i for i in range(len(texts)) if i not in (first, second)]
    assert table.frame["id"].tolist() == [ids[i] for i in kept]
    assert table.frame["微博正文"].tolist() == [texts[i] for i in kept]


# -- worker processes ---------------------------------------------------------------------------------

def shared_leftovers() -> set[str]:
    folder = Path(api._SHARED_DIR or tempfile.gettempdir())
    return {p.name for p in folder.glob("textkit-ingest-*")}


def test_workers_hand_posts_over_through_shared_memory_and_leave_nothing(monkeypatch, tmp_path):
    monkeypatch.setattr(api, "_PARALLEL_BYTES", 0)  # the fixtures are small: read them in parallel anyway
    monkeypatch.setattr(api, "_LOCAL_BYTES", 0)  # … and in the workers
    monkeypatch.setattr(api, "_SHARED_DIR", str(tmp_path))  # a folder of its own: other reads run meanwhile
    folder = Path(__file__).parent / "fixtures" / "ingest"
    before = shared_leftovers()
    assert not before
    serial, report = read_posts([folder], n_jobs=1)
    parallel, report2 = read_posts([folder], n_jobs=2)
    assert report.to_dict() == report2.to_dict() and len(serial) > 30
    pd.testing.assert_frame_equal(serial, parallel, check_exact=True)
    files, _ = api.expand_paths([folder])
    tasks = [(path, display, None, None) for path, display, _ in files]
    results = api._read_all(tasks, [1] * len(tasks), 2, tqdm_stub())
    first = next(results)
    assert first.posts is None or isinstance(first.posts, pd.DataFrame)
    results.close()  # the caller stops early: the files of results not taken are removed too
    assert shared_leftovers() == before
    monkeypatch.setattr(api, "_SHARED_DIR", str(Path(tempfile.gettempdir()) / "no-such-folder-here"))
    pickled, _ = read_posts([folder], n_jobs=2)  # no shared memory to write to: pickled instead
    pd.testing.assert_frame_equal(serial, pickled, check_exact=True)


def tqdm_stub():
    class Bar:
        def update(self, n):
            pass
    return Bar()


def test_cli_jobs_give_the_same_artefacts(tmp_path, monkeypatch):
    from textkit.cli import main as cli_main

    monkeypatch.setattr(api, "_PARALLEL_BYTES", 0)
    monkeypatch.setattr(api, "_LOCAL_BYTES", 1300)  # about half of the files in the workers, half here
    folder = Path(__file__).parent / "fixtures" / "ingest"
    for jobs in ("1", "2"):
        assert cli_main(["ingest", str(folder), "--out", str(tmp_path / jobs), "--jobs", jobs]) in (0, 1)
    for name in ("posts.parquet", "ingest_report.json", "rejected.jsonl"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()
    with pytest.raises(SystemExit):
        cli_main(["ingest", str(folder), "--out", str(tmp_path / "0"), "--jobs", "0"])


def test_the_one_pass_reader_leaves_no_cycles_behind(tmp_path):
    """A broken line's error must not hold the reader's frame (and so every parsed value) in a
    reference cycle: the cycle collector, paused while reading, would then walk all of them."""
    path = write_lines(tmp_path / "tweet_spider_by_keyword_20220125220000.jsonl", ODD_LINES)
    lines = records.json_lines(open_source(path))
    assert lines is not None and lines.broken
    for _, _, error in lines.broken:
        assert error.__traceback__ is None and error.__context__ is None
    del lines
    gc.collect()
    gc.disable()
    try:
        read_all(path, "nghuyong-jsonl")
        assert not [o for o in gc.get_objects()
                    if type(o) is dict and o is not TWEET and o.get("mblogid") == TWEET["mblogid"]]
    finally:
        gc.enable()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=300), st.integers(1, 4))
def test_drop_rejected_keeps_the_other_rows_without_copying_them(bad, chunks):
    n = len(bad)
    texts = [None if i % 7 == 3 else f"文本{i}" for i in range(n)]
    bounds = sorted({0, n, *range(0, n, max(1, n // chunks))})
    arrow = pa.chunked_array([pa.array(texts[a:b], pa.string()) for a, b in itertools.pairwise(bounds)],
                             pa.string())
    frame = pd.DataFrame({"text": pd.Series(pd.arrays.ArrowStringArray(arrow), dtype=STRING),
                          "n": pd.Series(range(n), dtype="Int64")}, index=pd.RangeIndex(n) + 10)
    mask = np.array(bad)
    kept = drop_rejected(frame, mask)
    expected = frame[~mask]
    pd.testing.assert_frame_equal(kept, expected, check_exact=True)
    column = pa.chunked_array(kept["text"].array._pa_array)
    runs = int(np.count_nonzero(np.diff(np.concatenate([[1], mask.astype(np.int8)])) == -1))
    if mask.any() and runs * len(bounds) <= common.MAX_RUN_CHUNKS:  # slices into the original buffers
        source = pa.chunked_array(frame["text"].array._pa_array)
        originals = {chunk.buffers()[2].address for chunk in source.chunks if chunk.buffers()[2] is not None}
        assert {chunk.buffers()[2].address for chunk in column.chunks if len(chunk)} <= originals


def test_drop_rejected_copies_many_runs_into_one_chunk():
    n = 4 * common.MAX_RUN_CHUNKS
    frame = pd.DataFrame({"text": pd.Series([f"t{i}" for i in range(n)], dtype=STRING)})
    kept = drop_rejected(frame, np.arange(n) % 2 == 1)
    assert kept["text"].tolist() == [f"t{i}" for i in range(0, n, 2)]
    assert pa.chunked_array(kept["text"].array._pa_array).num_chunks == 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.lists(st.sampled_from(["话题", "a", ""]), max_size=3)), max_size=40),
       st.integers(1, 3))
def test_missing_lists_become_empty_lists(values, chunks):
    size = max(1, len(values) // chunks)
    pieces = [values[i:i + size] for i in range(0, len(values), size)] or [[]]
    list_type = pa.list_(pa.string())
    arrow = pa.chunked_array([pa.array(piece, list_type) for piece in pieces], list_type)
    series = pd.Series(pd.arrays.ArrowExtensionArray(arrow), dtype=STRING_LIST)
    filled = api._empty_lists_for_missing(series)
    assert filled.dtype == STRING_LIST and not filled.isna().any()
    assert filled.tolist() == [[] if v is None else v for v in values]
