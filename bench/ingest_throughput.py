"""Ingest throughput on large generated weibo-search CSV and nghuyong JSON Lines files, each against
pandas reading the same file in the same run.

    .venv/bin/python bench/ingest_throughput.py [--rows 1000000] [--jsonl-rows 200000] [--repeat 1]
        [--csv FILE] [--corpus DIR]

The CSV is generated here (invented text, fake ids, the 21-column weibo-search header, list-literal
picture fields, ``1.2万``/``10万+`` counts, reposts with ``retweet_id``) unless ``--csv`` names an
existing weibo-search CSV. All contenders read the same file in the same run; the baseline is
``pd.read_csv(path, dtype=str, keep_default_na=False)``, which only splits the file into strings.
``read_posts`` does everything ingest does: encoding detection, format detection, time and count
parsing, repost links, topics/mentions, the ``raw`` JSON of every row, de-duplication and the
accounting; ``ingest_dir`` (= ``textkit ingest``) also writes posts.parquet, the report and
rejected.jsonl.

The JSON Lines file (``--jsonl-rows`` nghuyong tweet items: invented text, fake ids, nested
``user``) is read by ``pd.read_json(lines=True, dtype=False)`` (the baseline: parse only), by
``read_posts`` (one pass over the file's bytes) and by ``read_posts`` with that pass switched off
(line by line on the decoded text, as before). ``--corpus DIR`` also times ``ingest_dir`` on a
folder of many files (e.g. ``data/raw/bench``) in this process (``n_jobs=1``) against the default
(one worker process per core). CPU seconds include worker processes. Prints a table and writes
``bench/results/ingest_throughput.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from textkit.ingest import ingest_dir, nghuyong, read_posts, records
from textkit.synth.writers import SEARCH_HEADER_21

HEADER = SEARCH_HEADER_21
WORDS = np.array(
    [
        "一码通",
        "又崩了",
        "排队",
        "核酸",
        "西安",
        "扫码",
        "打不开",
        "等了",
        "两个小时",
        "志愿者",
        "辛苦",
        "封控",
        "物资",
        "菜",
        "送到",
        "小区",
        "医院",
        "求助",
        "官方",
        "回应",
        "恢复",
        "正常",
        "希望",
        "加油",
        "今天",
        "还是",
        "没有",
        "结果",
        "绿码",
        "弹窗",
    ]
)
GOALS = {"ratio_vs_pandas": 0.5, "posts_per_second": 200_000, "jsonl_ratio_vs_pandas": 1.0}


def generate(path: Path, rows: int, seed: int = 20211220) -> None:
    """Write a weibo-search CSV of ``rows`` invented posts (UTF-8 with BOM, CRLF, like the scraper)."""
    rng = np.random.default_rng(seed)
    ids = 4_720_000_000_000_000 + np.arange(rows, dtype=np.int64) * 7
    words = WORDS[rng.integers(0, len(WORDS), size=(rows, 6))]
    text = pd.Series(["".join(w) for w in words])
    text = text.where(rng.random(rows) > 0.2, "#西安一码通#" + text)
    text = text.where(rng.random(rows) > 0.05, text + "\n第二行，带“引号”和,逗号")
    minutes = rng.integers(0, 40 * 24 * 60, size=rows)
    times = (pd.Timestamp("2021-12-10") + pd.to_timedelta(minutes, unit="min")).strftime("%Y-%m-%d %H:%M")
    counts = rng.integers(0, 3000, size=(rows, 3)).astype(str)
    big = rng.random(rows) < 0.01
    counts[big, 2] = np.where(rng.random(big.sum()) < 0.5, "1.2万", "10万+")
    retweet = np.where(rng.random(rows) < 0.1, (ids - 7).astype(str), "")
    pics = np.where(
        rng.random(rows) < 0.3, "['http://example.invalid/large/a.jpg', 'http://example.invalid/b.jpg']", ""
    )
    users = rng.integers(1_000_000_000, 1_000_100_000, size=rows).astype(str)
    frame = pd.DataFrame(
        {
            "id": ids.astype(str),
            "bid": "Fake" + pd.Series(ids % 100000).astype(str),
            "user_id": users,
            "用户昵称": "用户" + pd.Series(users).str[-5:],
            "微博正文": text,
            "头条文章url": "",
            "发布位置": np.where(rng.random(rows) < 0.05, "西安·雁塔区", ""),
            "艾特用户": np.where(rng.random(rows) < 0.1, "某甲,某乙", ""),
            "话题": np.where(text.str.startswith("#"), "西安一码通", ""),
            "转发数": counts[:, 0],
            "评论数": counts[:, 1],
            "点赞数": counts[:, 2],
            "发布时间": times,
            "发布工具": "iPhone客户端",
            "微博图片url": pics,
            "微博视频url": "",
            "retweet_id": retweet,
            "ip": "陕西",
            "user_authentication": "普通用户",
            "会员类型": "非会员",
            "会员等级": "0",
        },
        columns=HEADER,
    )
    frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")


def generate_jsonl(path: Path, rows: int, seed: int = 20220104) -> None:
    """Write a nghuyong ``tweet_spider_by_keyword`` JSON Lines file of ``rows`` invented tweets."""
    rng = np.random.default_rng(seed)
    ids = 4_725_000_000_000_000 + np.arange(rows, dtype=np.int64) * 7
    words = WORDS[rng.integers(0, len(WORDS), size=(rows, 6))]
    minutes = rng.integers(0, 40 * 24 * 60, size=rows)
    times = (pd.Timestamp("2021-12-10") + pd.to_timedelta(minutes, unit="min")).strftime("%Y-%m-%d %H:%M:%S")
    counts = rng.integers(0, 3000, size=(rows, 3))
    users = rng.integers(1_000_000_000, 1_000_100_000, size=rows)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(rows):
            text = (
                "".join(words[i]) + (" #西安一码通#" if i % 5 == 0 else "") + (" @某甲" if i % 9 == 0 else "")
            )
            item = {
                "_id": str(ids[i]),
                "mblogid": f"Fake{i:05d}",
                "created_at": times[i],
                "geo": None,
                "ip_location": "发布于 陕西",
                "reposts_count": int(counts[i, 0]),
                "comments_count": int(counts[i, 1]),
                "attitudes_count": int(counts[i, 2]),
                "source": "iPhone客户端",
                "content": text,
                "pic_urls": [],
                "pic_num": 0,
                "isLongText": False,
                "is_retweet": False,
                "user": {
                    "_id": str(users[i]),
                    "avatar_hd": "https://example.invalid/a.jpg",
                    "nick_name": f"用户{users[i] % 100000}",
                    "verified": False,
                    "mbrank": 0,
                },
                "url": f"https://weibo.com/{users[i]}/Fake{i:05d}",
                "keyword": "西安一码通",
                "crawl_time": 1643119200,
            }
            out.write(json.dumps(item, ensure_ascii=False) + "\n")


def best_of(repeat: int, func) -> tuple[float, float, object]:
    """Best wall time, the CPU time (all threads and worker processes) of that run, and the result."""
    best, cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time() + children_cpu()
        result = func()
        wall = time.perf_counter() - started
        if wall < best:
            best, cpu = wall, time.process_time() + children_cpu() - started_cpu
    return best, cpu, result


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def line_by_line(path: Path):
    """``read_posts`` with the one-pass JSON Lines reader switched off (the reader before it)."""
    saved = records.json_lines, nghuyong.json_lines
    records.json_lines = nghuyong.json_lines = lambda source: None
    try:
        return read_posts([path], n_jobs=1)
    finally:
        records.json_lines, nghuyong.json_lines = saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs per contender (best time counts)")
    parser.add_argument("--csv", type=Path, help="an existing weibo-search CSV instead of a generated one")
    parser.add_argument("--jsonl-rows", type=int, default=200_000, help="nghuyong JSON Lines items (0: none)")
    parser.add_argument(
        "--corpus", type=Path, help="a folder of scraper files: ingest_dir serial vs parallel"
    )
    parser.add_argument(
        "--reference", type=Path, help="an analysis folder made from --corpus before: the same posts expected"
    )
    args = parser.parse_args()
    jsonl = run_jsonl(args) if args.jsonl_rows else {}
    corpus = run_corpus(args) if args.corpus else {}
    with tempfile.TemporaryDirectory(prefix="textkit-bench-") as tmp:
        path = args.csv or Path(tmp) / "西安一码通.csv"
        if args.csv is None:
            started = time.perf_counter()
            generate(path, args.rows)
            print(f"generated {args.rows:,} rows in {time.perf_counter() - started:.1f} s")
        size = path.stat().st_size
        pandas_s, pandas_cpu, frame = best_of(
            args.repeat, lambda: pd.read_csv(path, dtype=str, keep_default_na=False)
        )
        rows = len(frame)
        del frame
        ingest_s, ingest_cpu, (posts, report) = best_of(args.repeat, lambda: read_posts([path], n_jobs=1))
        report.check()
        assert report.total["records"] == rows
        posts_n = len(posts)
        del posts
        out = Path(tmp) / "analysis"
        full_s, full_cpu, _ = best_of(args.repeat, lambda: ingest_dir([path], out, n_jobs=1))
    result = {
        "rows": rows,
        "bytes": size,
        "generated": args.csv is None,
        "pandas_read_csv_s": round(pandas_s, 3),
        "read_posts_s": round(ingest_s, 3),
        "ingest_dir_s": round(full_s, 3),
        "pandas_rows_per_s": round(rows / pandas_s),
        "ingest_posts_per_s": round(posts_n / ingest_s),
        "ingest_dir_posts_per_s": round(posts_n / full_s),
        "ratio_vs_pandas": round(pandas_s / ingest_s, 3),
        "ingest_dir_ratio_vs_pandas": round(pandas_s / full_s, 3),
        "pandas_cpu_s": round(pandas_cpu, 3),
        "read_posts_cpu_s": round(ingest_cpu, 3),
        "ingest_dir_cpu_s": round(full_cpu, 3),
        "read_posts_posts_per_cpu_s": round(posts_n / ingest_cpu),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "accepted": report.total["accepted"],
        "duplicates": report.total["duplicates"],
        "rejected": report.total["rejected"],
        "goals": GOALS,
        "jsonl": jsonl,
        "corpus": corpus,
    }
    result["meets_goals"] = (
        result["ratio_vs_pandas"] >= GOALS["ratio_vs_pandas"]
        and result["ingest_posts_per_s"] >= GOALS["posts_per_second"]
        and (not jsonl or jsonl["ratio_vs_pandas"] >= GOALS["jsonl_ratio_vs_pandas"])
    )
    print(f"{rows:,} rows, {size / 2**20:.0f} MiB")
    print(f"{'contender':<40}{'seconds':>10}{'cpu s':>10}{'rows/s':>14}{'vs pandas':>11}")
    lines = [
        ("pandas.read_csv(dtype=str)", pandas_s, pandas_cpu, result["pandas_rows_per_s"], 1.0),
        (
            "textkit read_posts (full ingest)",
            ingest_s,
            ingest_cpu,
            result["ingest_posts_per_s"],
            result["ratio_vs_pandas"],
        ),
        (
            "textkit ingest_dir (+ Parquet, report)",
            full_s,
            full_cpu,
            result["ingest_dir_posts_per_s"],
            result["ingest_dir_ratio_vs_pandas"],
        ),
    ]
    for name, seconds, cpu, per_s, ratio in lines:
        print(f"{name:<40}{seconds:>10.2f}{cpu:>10.2f}{per_s:>14,}{ratio:>10.2f}x")
    if jsonl:
        print(f"\n{jsonl['rows']:,} nghuyong JSON Lines items, {jsonl['bytes'] / 2**20:.0f} MiB")
        print(f"{'contender':<40}{'seconds':>10}{'cpu s':>10}{'rows/s':>14}{'vs pandas':>11}")
        for name, key in (
            ("pandas.read_json(lines=True)", "pandas"),
            ("textkit read_posts (one pass)", "read_posts"),
            ("textkit read_posts (line by line)", "line_by_line"),
        ):
            seconds, cpu = jsonl[f"{key}_s"], jsonl[f"{key}_cpu_s"]
            rate, ratio = round(jsonl["rows"] / seconds), jsonl["pandas_s"] / seconds
            print(f"{name:<40}{seconds:>10.2f}{cpu:>10.2f}{rate:>14,}{ratio:>10.2f}x")
        print(f"one pass vs line by line: {jsonl['one_pass_vs_line_by_line']:.2f}x")
    if corpus:
        print(f"\ningest_dir on {corpus['folder']} ({corpus['posts']:,} posts)")
        print(f"{'contender':<40}{'seconds':>10}{'cpu s':>10}")
        print(f"{'n_jobs=1 (this process)':<40}{corpus['serial_s']:>10.2f}{corpus['serial_cpu_s']:>10.2f}")
        name = "n_jobs=None (a worker per core)"
        print(f"{name:<40}{corpus['parallel_s']:>10.2f}{corpus['parallel_cpu_s']:>10.2f}")
        print(f"parallel vs serial: {corpus['parallel_vs_serial']:.2f}x; same bytes: {corpus['same_bytes']}")
        if corpus["same_as_reference"] is not None:
            print(f"same posts and rejected records as {args.reference}: {corpus['same_as_reference']}")
    print(f"1-minute load average at the end: {result['load_average_1min']} (2 cores; shared machine)")
    print(
        f"read_posts vs pandas: {result['ratio_vs_pandas']:.2f}x (goal >= {GOALS['ratio_vs_pandas']}x); "
        f"goal >= {GOALS['posts_per_second']:,} posts/s: {'met' if result['meets_goals'] else 'NOT met'}"
    )
    out = Path(__file__).parent / "results" / "ingest_throughput.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


def run_jsonl(args) -> dict:
    """pandas.read_json(lines=True) vs read_posts (one pass) vs read_posts line by line, one file."""
    with tempfile.TemporaryDirectory(prefix="textkit-bench-") as tmp:
        path = Path(tmp) / "tweet_spider_by_keyword_20220125220000.jsonl"
        generate_jsonl(path, args.jsonl_rows)
        pandas_s, pandas_cpu, frame = best_of(
            args.repeat, lambda: pd.read_json(path, lines=True, dtype=False)
        )
        rows = len(frame)
        del frame
        fast_s, fast_cpu, (posts, report) = best_of(args.repeat, lambda: read_posts([path], n_jobs=1))
        slow_s, slow_cpu, (posts2, _) = best_of(args.repeat, lambda: line_by_line(path))
        assert report.total["records"] == rows and posts.equals(posts2)
        return {
            "rows": rows,
            "bytes": path.stat().st_size,
            "pandas_s": round(pandas_s, 3),
            "pandas_cpu_s": round(pandas_cpu, 3),
            "read_posts_s": round(fast_s, 3),
            "read_posts_cpu_s": round(fast_cpu, 3),
            "line_by_line_s": round(slow_s, 3),
            "line_by_line_cpu_s": round(slow_cpu, 3),
            "ratio_vs_pandas": round(pandas_s / fast_s, 3),
            "line_by_line_ratio_vs_pandas": round(pandas_s / slow_s, 3),
            "one_pass_vs_line_by_line": round(slow_s / fast_s, 3),
        }


def run_corpus(args) -> dict:
    """ingest_dir on a folder of many files: in this process vs one worker process per core."""
    with tempfile.TemporaryDirectory(prefix="textkit-bench-") as tmp:
        serial_s, serial_cpu, report = best_of(
            args.repeat, lambda: ingest_dir([args.corpus], Path(tmp) / "a", n_jobs=1)
        )
        parallel_s, parallel_cpu, _ = best_of(args.repeat, lambda: ingest_dir([args.corpus], Path(tmp) / "b"))
        same = all(
            (Path(tmp) / "a" / name).read_bytes() == (Path(tmp) / "b" / name).read_bytes()
            for name in ("posts.parquet", "ingest_report.json", "rejected.jsonl")
        )
        reference = None
        if args.reference:  # the same posts table and rejected records as an analysis folder made before
            made, before = Path(tmp) / "b", args.reference
            same_posts = pq.read_table(made / "posts.parquet").equals(pq.read_table(before / "posts.parquet"))
            same_rejected = (made / "rejected.jsonl").read_bytes() == (before / "rejected.jsonl").read_bytes()
            reference = same_posts and same_rejected
    return {
        "folder": str(args.corpus),
        "posts": report["total"]["posts"],
        "serial_s": round(serial_s, 3),
        "serial_cpu_s": round(serial_cpu, 3),
        "parallel_s": round(parallel_s, 3),
        "parallel_cpu_s": round(parallel_cpu, 3),
        "parallel_vs_serial": round(serial_s / parallel_s, 3),
        "same_bytes": same,
        "same_as_reference": reference,
    }


if __name__ == "__main__":
    raise SystemExit(main())
