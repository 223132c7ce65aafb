#!/usr/bin/python3
"""bench/cpu-gaps.py — how much of its CPUs this machine keeps for itself.

Spins on every CPU at once for a while (one process pinned to each) and
records every gap in its own clock readings longer than 0.3 ms: time the
CPU ran something else — another process, an interrupt, or (in a virtual
machine) the host, which the guest cannot see. On an idle machine the gaps
are what bench/frames' intervals cannot do better than: a frame due while
its CPU is away comes late by that much.

Usage: bench/cpu-gaps.py [SECONDS]   (default 1)
"""
import os
import sys
import time
from multiprocessing import Pool

GAP = 0.3e-3


def spin(args):
    cpu, seconds = args
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError:
        pass
    clock = time.perf_counter
    start = last = clock()
    gaps = []
    while last - start < seconds:
        now = clock()
        if now - last > GAP:
            gaps.append(now - last)
        last = now
    return cpu, last - start, gaps


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    cpus = sorted(os.sched_getaffinity(0))
    with Pool(len(cpus)) as pool:
        results = pool.map(spin, [(c, seconds) for c in cpus])
    parts = []
    for cpu, span, gaps in results:
        over1 = sum(1 for g in gaps if g > 1e-3)
        parts.append("cpu%d %.1f %% away, %d gaps > 1 ms, longest %.1f ms"
                     % (cpu, 100 * sum(gaps) / span, over1, 1e3 * max(gaps, default=0)))
    print("machine (CPUs spun for %.0f s): %s" % (seconds, "; ".join(parts)))


if __name__ == "__main__":
    main()
