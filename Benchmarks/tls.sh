#!/usr/bin/env bash
# TLS echo macro benchmark: 64 TLS 1.3 connections (TLS_AES_128_GCM_SHA256 for every server, chosen
# by the client) ping-ponging 1 KiB messages against this library's protocol and streams servers,
# uvloop and CPython asyncio with the ssl module (the same system OpenSSL), and SwiftNIO with NIOSSL
# (BoringSSL). Server pinned to CPU 1, the native C TLS client to CPU 0. Prints msgs/s (median of
# RUNS), server CPU per message and ratios to uvloop's protocol server and to NIO.
# Results also go to results/<date>-<host>-tls.md.   Env: RUNS (3), DURATION seconds (10), CONNS (64), SIZE (1024).
set -euo pipefail
cd "$(dirname "$0")"
source ./common.sh
runs=${RUNS:-3}; duration=${DURATION:-10}; conns=${CONNS:-64}; size=${SIZE:-1024}
venv=.build/python-bench; python_peers "$venv" uvloop   # a virtual environment, never the global Python
for product in EchoServer TLSEchoClient NIOEchoServer; do swift build -c release --product $product >/dev/null; done
bin=$(swift build -c release --show-bin-path)
tick=$(getconf CLK_TCK)
certs=$(mktemp -d)
trap 'rm -rf "$certs"' EXIT
make_certs "$certs"
cert="$certs/server.pem"; key="$certs/server.key"
servers=("swift-protocol|$bin/EchoServer protocol $cert $key" "swift-streams|$bin/EchoServer streams $cert $key"
         "uvloop-protocol|$venv/bin/python python/echo_server.py uvloop protocol $cert $key" "uvloop-streams|$venv/bin/python python/echo_server.py uvloop streams $cert $key"
         "asyncio-protocol|$venv/bin/python python/echo_server.py asyncio protocol $cert $key" "nio-niossl|$bin/NIOEchoServer $cert $key")
raw=$(mktemp)
for entry in "${servers[@]}"; do
    name=${entry%%|*}; command=${entry#*|}
    for ((i = 0; i < runs; i++)); do
        start_server $command
        port=$server_port; pid=$server_pid
        before=$(awk '{print $14 + $15}' /proc/$pid/stat)
        result=$(taskset -c 0 "$bin/TLSEchoClient" "$port" "$conns" "$size" "$duration" "$certs/ca.pem")
        after=$(awk '{print $14 + $15}' /proc/$pid/stat)
        kill "$pid"; wait "$pid" 2>/dev/null || true
        echo "$name $result $((after - before))" >>"$raw"
    done
done
table=$(python3 - "$raw" "$tick" "$size" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
tick, size = int(sys.argv[2]), int(sys.argv[3])
for line in open(sys.argv[1]):
    name, _, msgs, _, seconds, ticks = line.split()
    msgs, seconds, ticks = int(msgs), float(seconds), int(ticks)
    rows[name].append((msgs / seconds, ticks / tick / max(msgs, 1) * 1e6))
median = lambda name, i: statistics.median(r[i] for r in rows[name])
print(f"| {size} B over TLS 1.3 | msgs/s (median) | server CPU us/msg | msgs/s vs uvloop-protocol | CPU/msg vs uvloop-protocol | CPU/msg vs nio-niossl |")
print("|---|---|---|---|---|---|")
for name in rows:
    print(f"| {name} | {median(name, 0):,.0f} | {median(name, 1):.1f} | {median(name, 0) / median('uvloop-protocol', 0):.2f}x "
          f"| {median(name, 1) / median('uvloop-protocol', 1):.2f}x | {median(name, 1) / median('nio-niossl', 1):.2f}x |")
PY
)
rm -f "$raw"
publish "-tls" "TLS echo, $conns connections, $size B, ${duration}s per run, median of $runs" "$table"
