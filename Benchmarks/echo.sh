#!/usr/bin/env bash
# TCP echo macro benchmark: 64 connections ping-ponging 1 / 10 / 100 KiB messages against this
# library's streams and protocol servers, CPython asyncio / uvloop streams and protocol servers, and
# SwiftNIO (one event loop thread), and a minimal C epoll server as the floor (level- and edge-triggered).
# Server pinned to CPU 1, the native C client (the same binary for every server) to CPU 0.
# Prints msgs/s (median of RUNS), server CPU per message, and ratios to uvloop's protocol server.
# Results also go to results/<date>-<host>-echo.md.   Env: RUNS (3), DURATION seconds (10), CONNS (64).
set -euo pipefail
cd "$(dirname "$0")"
source ./common.sh
runs=${RUNS:-3}; duration=${DURATION:-10}; conns=${CONNS:-64}
venv=.build/python-bench; python_peers "$venv" uvloop   # a virtual environment, never the global Python
swift build -c release --product EchoServer >/dev/null
swift build -c release --product EchoClient >/dev/null
swift build -c release --product EchoFloor >/dev/null
swift build -c release --product NIOEchoServer >/dev/null
bin=$(swift build -c release --show-bin-path)
tick=$(getconf CLK_TCK)
servers=("c-floor|$bin/EchoFloor" "c-floor-edge|$bin/EchoFloor edge" "swift-nio|$bin/NIOEchoServer" "swift-streams|$bin/EchoServer streams" "swift-protocol|$bin/EchoServer protocol"
         "uvloop-streams|$venv/bin/python python/echo_server.py uvloop streams" "uvloop-protocol|$venv/bin/python python/echo_server.py uvloop protocol"
         "asyncio-streams|$venv/bin/python python/echo_server.py asyncio streams" "asyncio-protocol|$venv/bin/python python/echo_server.py asyncio protocol")
raw=$(mktemp)
for size in 1024 10240 102400; do
    for entry in "${servers[@]}"; do
        name=${entry%%|*}; command=${entry#*|}
        for ((i = 0; i < runs; i++)); do
            start_server $command
            port=$server_port; pid=$server_pid
            before=$(awk '{print $14 + $15}' /proc/$pid/stat)
            result=$(taskset -c 0 "$bin/EchoClient" "$port" "$conns" "$size" "$duration")
            after=$(awk '{print $14 + $15}' /proc/$pid/stat)
            kill "$pid"; wait "$pid" 2>/dev/null || true
            echo "$size $name $result $((after - before))" >>"$raw"
        done
    done
done
table=$(python3 - "$raw" "$tick" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
tick = int(sys.argv[2])
for line in open(sys.argv[1]):
    size, name, _, msgs, _, seconds, ticks = line.split()
    msgs, seconds, ticks = int(msgs), float(seconds), int(ticks)
    rows[(int(size), name)].append((msgs / seconds, ticks / tick / max(msgs, 1) * 1e6))
names = ["c-floor", "c-floor-edge", "swift-nio", "swift-streams", "swift-protocol", "uvloop-streams", "uvloop-protocol", "asyncio-streams", "asyncio-protocol"]
print("| size | server | msgs/s (median) | server CPU us/msg | vs uvloop-protocol | CPU vs C floor |")
print("|---|---|---|---|---|---|")
for size in (1024, 10240, 102400):
    base = statistics.median(r[0] for r in rows[(size, "uvloop-protocol")])
    floor = statistics.median(r[1] for r in rows[(size, "c-floor")])
    for name in names:
        rate = statistics.median(r[0] for r in rows[(size, name)])
        cpu = statistics.median(r[1] for r in rows[(size, name)])
        print(f"| {size // 1024} KiB | {name} | {rate:,.0f} | {cpu:.1f} | {rate / base:.2f}x | {cpu / floor:.2f}x |")
PY
)
rm -f "$raw"
publish "-echo" "TCP echo, $conns connections, ${duration}s per run, median of $runs" "$table"
