#!/usr/bin/env bash
# Greenlet and generator micro benchmarks: a switch round trip against PyPI greenlet and a
# generator's next() against a Python generator. Release build, pinned to CPU 0, median of RUNS (3).
# Results also go to results/<date>-<host>-greenlet.md.
set -euo pipefail
cd "$(dirname "$0")"
runs=${RUNS:-3}
python3 -c "import greenlet" 2>/dev/null || python3 -m pip install --quiet greenlet
swift build -c release --product GreenletBench >/dev/null
bench=$(swift build -c release --show-bin-path)/GreenletBench
raw=$(mktemp)
for ((i = 0; i < runs; i++)); do
    taskset -c 0 "$bench" | sed 's/^/swift /' >>"$raw"
    taskset -c 0 python3 python/greenlet_bench.py | sed 's/^/python /' >>"$raw"
done
table=$(python3 - "$raw" <<'PY'
import collections, statistics, sys
figures = collections.defaultdict(list)
for line in open(sys.argv[1]):
    peer, bench, seconds = line.split()
    figures[(peer, bench)].append(float(seconds))
def med(peer, bench): return statistics.median(figures[(peer, bench)])
def span(peer, bench): v = figures[(peer, bench)]; return f"{min(v)*1e9:.1f}-{max(v)*1e9:.1f}"
print("| work | swift ns/op (min-max) | python ns/op (min-max) | speed-up |")
print("|---|---|---|---|")
for bench, label in (("switch", "greenlet switch round trip (vs PyPI greenlet)"), ("next", "generator next() (vs a Python generator)")):
    s, p = med("swift", bench), med("python", bench)
    print(f"| {label} | {s*1e9:.1f} ({span('swift', bench)}) | {p*1e9:.1f} ({span('python', bench)}) | {p/s:.1f}x |")
PY
)
rm -f "$raw"
echo "$table"
out="results/$(date +%Y-%m-%d)-$(hostname)-greenlet.md"
{ echo "# Greenlets and generators, $(date -u +%Y-%m-%dT%H:%MZ), $(hostname), median of $runs, pinned to CPU 0"; echo; echo "$table"; } >"$out"
echo "written to Benchmarks/$out"
