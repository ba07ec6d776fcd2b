"""Shared by the benchmarks: run a command in a subprocess and measure its wall time and peak memory.

Peak memory is the summed resident set size of the process and all its descendants (worker pools
included), sampled every 0.2 s from /proc.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def tree_rss_kib(root: int) -> int:
    """Resident memory of a process and all its descendants, in KiB."""
    parents, rss = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
        except OSError:
            continue
        parents[int(entry)] = int(fields["PPid"])
        rss[int(entry)] = int(fields.get("VmRSS", "0 kB").split()[0])
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        tree.update(children)
        frontier.extend(children)
    return sum(rss.get(pid, 0) for pid in tree)


def timed(cmd: list[str], cwd: Path = ROOT) -> dict:
    """Run ``cmd``; wall seconds and the peak summed RSS of its process tree in MiB."""
    peak = 0
    started = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=cwd)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.2):
            peak = max(peak, tree_rss_kib(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if code:
        raise SystemExit(f"{cmd[:4]} failed with exit code {code}")
    return {"seconds": round(seconds, 2), "peak_rss_mib": round(peak / 1024, 1)}


def load_average() -> float:
    """The 1-minute load average (benchmarks report it: the machine may be shared)."""
    return round(os.getloadavg()[0], 2)
