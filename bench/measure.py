"""Shared by the benchmarks: run a command in a subprocess and measure its wall time and peak memory.

Peak memory is the largest single process's RSS (the kernel's own accounting) and, when sampled, the
proportional set size (PSS) summed over the process and all its descendants (worker pools included),
read every 0.2 s from /proc.
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


def timed(cmd: list[str], cwd: Path = ROOT, *, sample_memory: bool = True) -> dict:
    """Run ``cmd``: wall seconds, CPU seconds of the process tree, the largest single process's peak RSS
    and, with ``sample_memory``, the peak summed PSS of the tree (MiB).

    Reading ``smaps_rollup`` takes the target's memory-map lock, which stalls its page faults, so a
    sampled run is slower: take wall time from a run with ``sample_memory=False``. Unsampled, the peak
    RSS is the kernel's: Linux counts the calling process's RSS at the fork in it, so call it from a
    small process."""
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
    if sample_memory:
        sampler.start()
    _, status, usage = os.wait4(process.pid, 0)  # the child's rusage includes its reaped workers
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    if sample_memory:
        sampler.join()
    if process.returncode:
        raise SystemExit(f"{cmd[:4]} failed with exit code {process.returncode}")
    result = {"seconds": round(seconds, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1)}
    if sample_memory:
        result.update(peak_pss_mib=round(peak_pss / 1024, 1), peak_single_rss_mib=round(peak_rss / 1024, 1))
    else:
        result["peak_single_rss_mib"] = round(usage.ru_maxrss / 1024, 1)
    return result


def load_average() -> float:
    """The 1-minute load average (benchmarks report it: the machine may be shared)."""
    return round(os.getloadavg()[0], 2)
