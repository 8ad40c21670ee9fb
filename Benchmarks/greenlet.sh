#!/usr/bin/env bash
# Greenlet and generator micro benchmarks: a switch round trip against PyPI greenlet and a
# generator's next() against a Python generator. Release build, pinned to CPU 0, median of RUNS (3).
# Results also go to results/<date>-<host>-greenlet.md.
set -euo pipefail
cd "$(dirname "$0")"
source ./common.sh
runs=${RUNS:-3}
venv=.build/python-bench; python_peers "$venv" greenlet   # a virtual environment, never the global Python
swift build -c release --product GreenletBench >/dev/null
bench=$(swift build -c release --show-bin-path)/GreenletBench
raw=$(mktemp)
for ((i = 0; i < runs; i++)); do
    taskset -c 0 "$bench" | sed 's/^/swift /' >>"$raw"
    taskset -c 0 $venv/bin/python python/greenlet_bench.py | sed 's/^/python /' >>"$raw"
done
table=$(python3 - "$raw" <<'PY'
import sys
sys.path.insert(0, "python")
from figures import load, med, span
figures = load(sys.argv[1])
print("| work | swift ns/op (min-max) | python ns/op (min-max) | speed-up |")
print("|---|---|---|---|")
for bench, label in (("switch", "greenlet switch round trip (vs PyPI greenlet)"), ("next", "generator next() (vs a Python generator)")):
    s, p = med(figures, "swift", bench), med(figures, "python", bench)
    print(f"| {label} | {s*1e9:.1f} ({span(figures, 'swift', bench, 1)}) | {p*1e9:.1f} ({span(figures, 'python', bench, 1)}) | {p/s:.1f}x |")
PY
)
rm -f "$raw"
publish "-greenlet" "Greenlets and generators, median of $runs, pinned to CPU 0" "$table"
