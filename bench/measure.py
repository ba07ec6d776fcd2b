"""Shared by the benchmarks: run a command in a subprocess and measure its wall time and peak memory.

Peak memory is the proportional set size (PSS) summed over the process and all its descendants (worker
pools included), and the largest single process's RSS, sampled every 0.2 s from /proc.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def tree_memory_kib(root: int) -> tuple[int, int]:
    """Memory of a process and all its descendants in KiB: (summed PSS, largest single RSS).

    PSS (proportional set size) splits each page shared by forked workers between them, so the sum is
    what the tree really occupies; summed RSS would count the parent's copy-on-write pages once per worker.
    """
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                parents[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        tree.update(children)
        frontier.extend(children)
    pss = largest = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line and not line[0].isdigit())
        except OSError:
            continue
        pss += int(fields.get("Pss", "0 kB").split()[0])
        largest = max(largest, int(fields.get("Rss", "0 kB").split()[0]))
    return pss, largest


def timed(cmd: list[str], cwd: Path = ROOT) -> dict:
    """Run ``cmd``; wall seconds, the peak summed PSS of its process tree and the peak single RSS, in MiB."""
    peak_pss = peak_rss = 0
    started = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=cwd)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_pss, peak_rss
        while not done.wait(0.2):
            pss, rss = tree_memory_kib(process.pid)
            peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if code:
        raise SystemExit(f"{cmd[:4]} failed with exit code {code}")
    return {"seconds": round(seconds, 2), "peak_pss_mib": round(peak_pss / 1024, 1),
            "peak_single_rss_mib": round(peak_rss / 1024, 1)}


def load_average() -> float:
    """The 1-minute load average (benchmarks report it: the machine may be shared)."""
    return round(os.getloadavg()[0], 2)
