#!/usr/bin/env bash
# Memory per suspended task (100,000 tasks parked in sleep and in Queue.get: RSS per task) and
# 100,000 timers (tasks sleeping a random 0..1 s: time past 1 s and peak RSS), this library
# against uvloop and CPython asyncio, each row in a fresh process pinned to CPU 0, median of RUNS
# (3). Results also go to results/<date>-<host>-memory.md.
set -euo pipefail
cd "$(dirname "$0")"
source ./common.sh
runs=${RUNS:-3}
venv=.build/python-bench; python_peers "$venv" uvloop   # a virtual environment, never the global Python
log=$(swift build -c release --product MemoryBench 2>&1) || { echo "$log"; exit 1; }
bench=$(swift build -c release --show-bin-path)/MemoryBench
raw=$(mktemp)
for ((i = 0; i < runs; i++)); do
    for row in sleep queue timers; do
        taskset -c 0 "$bench" $row | sed 's/^/swift /' >>"$raw"
        taskset -c 0 $venv/bin/python python/memory.py $row --uvloop | sed 's/^/uvloop /' >>"$raw"
        taskset -c 0 $venv/bin/python python/memory.py $row | sed 's/^/asyncio /' >>"$raw"
    done
done
table=$(python3 - "$raw" <<'PY'
import sys
sys.path.insert(0, "python")
from figures import load, med
figures = load(sys.argv[1])
print("| work | swift | uvloop | asyncio | swift / uvloop |")
print("|---|---|---|---|---|")
rows = [("sleep", "RSS per task, 100k parked in sleep (bytes)", 1), ("queue", "RSS per task, 100k parked in Queue.get (bytes)", 1),
        ("timers", "100k timers, random 0..1 s: time past 1 s (ms)", 1e3), ("timers-rss", "100k timers: peak RSS (MB)", 1e-6)]
for row, label, scale in rows:
    s, u, a = (med(figures, peer, row) * scale for peer in ("swift", "uvloop", "asyncio"))
    print(f"| {label} | {s:.0f} | {u:.0f} | {a:.0f} | {s/u:.2f} |")
PY
)
rm -f "$raw"
publish "-memory" "Memory per suspended task and 100k timers, median of $runs, pinned to CPU 0" "$table"
