"""Benchmark: textkit.timeparse / textkit.counts against plain pandas on the same values, in one run.

Cases (default 1,000,000 values, 100,000 distinct):

* ``iso``        ``YYYY-MM-DD HH:MM:SS`` strings; baseline ``pd.to_datetime(format=...)`` + ``tz_localize``
                 (the floor: pandas told the one format in advance);
* ``unix_ms``    int64 milliseconds; baseline ``pd.to_datetime(unit="ms", utc=True).tz_convert``;
* ``mixed``      ISO, zoned ISO, slashes, unix strings, ``MM月DD日 HH:MM``, ``N分钟前``; baseline
                 ``pd.to_datetime(format="mixed", errors="coerce", utc=True)``, which cannot read the
                 Chinese or relative forms at all (what it leaves unparsed is counted);
* ``counts``     ``123``, ``1.2万``, ``10万+``, ``无`` strings; baseline ``pd.to_numeric(errors="coerce")``
                 (which reads only the plain digits).

    python bench/timeparse.py [--n 1000000] [--distinct 100000]

Prints a table and writes ``bench/results/timeparse.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from textkit.counts import parse_counts
from textkit.timeparse import parse_times

RESULTS = Path(__file__).resolve().parent / "results"
CHINA = "Asia/Shanghai"
CRAWL = pd.Timestamp("2022-01-10 12:00", tz=CHINA)


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def values(n: int, distinct: int, rng: np.random.Generator) -> dict[str, pd.Series]:
    seconds = pd.Timestamp("2021-12-01").value // 10**9 + rng.integers(0, 40 * 86_400, distinct)
    moments = pd.to_datetime(seconds, unit="s")
    pick = rng.integers(0, distinct, n)
    iso = pd.Series(np.asarray(moments.strftime("%Y-%m-%d %H:%M:%S"), dtype=object)[pick])
    forms = np.array([
        np.asarray(moments.strftime("%Y-%m-%d %H:%M:%S"), dtype=object),
        np.asarray(moments.strftime("%Y-%m-%dT%H:%M:%S+08:00"), dtype=object),
        np.asarray(moments.strftime("%Y/%m/%d %H:%M"), dtype=object),
        np.asarray((seconds - 8 * 3600).astype(str), dtype=object),
        np.asarray(moments.strftime("%m月%d日 %H:%M"), dtype=object),
        np.array([f"{m % 59 + 1}分钟前" for m in range(distinct)], dtype=object),
    ])
    mixed = pd.Series(forms[rng.integers(0, len(forms), n), pick])
    count_forms = np.array([str(v) for v in rng.integers(0, 100_000, distinct // 2)]
                           + [f"{v / 10:.1f}万" for v in rng.integers(10, 9_999, distinct // 2 - 2)]
                           + ["10万+", "无"], dtype=object)
    counts = pd.Series(count_forms[rng.integers(0, len(count_forms), n)])
    unix_ms = pd.Series((seconds * 1000)[pick] + rng.integers(0, 1000, n))
    return {"iso": iso, "unix_ms": unix_ms, "mixed": mixed, "counts": counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--distinct", type=int, default=100_000)
    args = parser.parse_args()
    data = values(args.n, args.distinct, np.random.default_rng(0))

    cases = {
        "iso": (lambda: parse_times(data["iso"]),
                lambda: pd.to_datetime(data["iso"], format="%Y-%m-%d %H:%M:%S").dt.tz_localize(CHINA)),
        "unix_ms": (lambda: parse_times(data["unix_ms"]),
                    lambda: pd.to_datetime(data["unix_ms"], unit="ms", utc=True).dt.tz_convert(CHINA)),
        "mixed": (lambda: parse_times(data["mixed"], crawl_time=CRAWL),
                  lambda: pd.to_datetime(data["mixed"], format="mixed", errors="coerce", utc=True)),
        "counts": (lambda: parse_counts(data["counts"]),
                   lambda: pd.to_numeric(data["counts"], errors="coerce")),
    }
    rows = []
    for name, (ours, baseline) in cases.items():
        ours_s, base_s = best_of(ours), best_of(baseline)
        rows.append({"case": name, "values": args.n, "distinct": args.distinct,
                     "textkit_s": round(ours_s, 3), "baseline_s": round(base_s, 3),
                     "textkit_values_per_s": round(args.n / ours_s),
                     "speed_vs_baseline": round(base_s / ours_s, 2)})
    mixed = parse_times(data["mixed"], crawl_time=CRAWL)
    baseline_mixed = pd.to_datetime(data["mixed"], format="mixed", errors="coerce", utc=True)
    quality = {"mixed_unparsed_textkit": int(mixed.times.isna().sum()),
               "mixed_unparsed_baseline": int(pd.isna(baseline_mixed).sum())}
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    print(quality)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "timeparse.json").write_text(json.dumps({"cases": rows, "quality": quality}, indent=2) + "\n",
                                             encoding="utf-8")


if __name__ == "__main__":
    main()
