#!/usr/bin/env bash
# One command for the micro comparison: builds the Swift benchmarks in release mode, installs the
# Python peers (uvloop) if needed, runs every peer 3 times pinned to CPU 0, and prints the medians
# and this library's speed-up over each peer. Results also go to results/<date>-<host>.md.
set -euo pipefail
cd "$(dirname "$0")"
source ./common.sh
runs=${RUNS:-3}
venv=.build/python-bench; python_peers "$venv" uvloop   # a virtual environment, never the global Python
swift build -c release --product MicroBench >/dev/null
bench=$(swift build -c release --show-bin-path)/MicroBench
pin="taskset -c 0"
command -v taskset >/dev/null || pin=""

raw=$(mktemp)
for ((i = 0; i < runs; i++)); do
    $pin "$bench" | sed 's/^/swift /' >>"$raw"
    $pin $venv/bin/python python/micro.py --uvloop | sed 's/^/uvloop /' >>"$raw"
    $pin $venv/bin/python python/micro.py | sed 's/^/asyncio /' >>"$raw"
done

table=$(python3 - "$raw" <<'PY'
import sys
sys.path.insert(0, "python")
from figures import load, med, span
figures = load(sys.argv[1])
print("| work | swift ns/op (min-max) | uvloop ns/op | asyncio ns/op | vs uvloop | vs asyncio |")
print("|---|---|---|---|---|---|")
for bench in ["callsoon", "yield1", "yield1000", "future", "spawn", "gather", "taskgroup", "queue", "lock", "waitfor", "timeout", "tothread", "threadsafe"]:
    s, u, a = med(figures, "swift", bench), med(figures, "uvloop", bench), med(figures, "asyncio", bench)
    print(f"| {bench} | {s*1e9:.0f} ({span(figures, 'swift', bench)}) | {u*1e9:.0f} | {a*1e9:.0f} | {u/s:.1f}x | {a/s:.1f}x |")
PY
)
rm -f "$raw"
publish "" "Micro benchmarks, $(nproc) CPUs, median of $runs, pinned to CPU 0" "$table"
