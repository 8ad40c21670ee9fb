#!/usr/bin/env bash
# HTTP/1.1 keep-alive hello-world macro benchmark, load from wrk: this library's web server
# (AsyncioHTTP's Application, WebServer) against aiohttp.web on uvloop (the same application),
# and the bare protocol servers: this library's (HTTPServer, the floor a hand-written protocol
# reaches) against uvloop + httptools, plain asyncio + httptools, and Hummingbird on one NIO event loop.
# Server pinned to CPU 1, wrk (one thread, CONNS connections) to CPU 0. Prints req/s (median of
# RUNS), p99 latency, server CPU per request, and ratios. Results also go to
# results/<date>-<host>-http.md.   Env: RUNS (3), DURATION seconds (10), CONNS (64).
# TLS=1: HTTPS (TLS 1.3, the system OpenSSL for this library, CPython and wrk) against uvloop and
# asyncio with the ssl module (Hummingbird has no TLS without another package: left out);
# results go to results/<date>-<host>-https.md.
set -euo pipefail
cd "$(dirname "$0")"
source ./common.sh
runs=${RUNS:-3}; duration=${DURATION:-10}; conns=${CONNS:-64}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
venv=.build/python-bench
python_peers "$venv" uvloop httptools aiohttp
python="$venv/bin/python"
swift build -c release --product WebServer >/dev/null
swift build -c release --product HTTPServer >/dev/null
swift build -c release --product HummingbirdServer >/dev/null
bin=$(swift build -c release --show-bin-path)
tick=$(getconf CLK_TCK)
servers=("swift-web|$bin/WebServer" "aiohttp-web-uvloop|$python python/aiohttp_server.py"
         "swift-protocol|$bin/HTTPServer" "hummingbird|$bin/HummingbirdServer"
         "uvloop-httptools|$python python/http_server.py uvloop" "asyncio-httptools|$python python/http_server.py asyncio")
scheme=http; suffix=-http; heading="HTTP/1.1 keep-alive hello world"
if [ "${TLS:-0}" = 1 ]; then
    certs=$(mktemp -d); trap 'rm -rf "$certs"' EXIT
    make_certs "$certs"
    tls="$certs/server.pem $certs/server.key"
    servers=("swift-web|$bin/WebServer $tls" "aiohttp-web-uvloop|$python python/aiohttp_server.py $tls"
             "swift-protocol|$bin/HTTPServer $tls"
             "uvloop-httptools|$python python/http_server.py uvloop $tls"
             "asyncio-httptools|$python python/http_server.py asyncio $tls")
    scheme=https; suffix=-https; heading="HTTPS (TLS 1.3) keep-alive hello world"
fi
raw=$(mktemp)
for entry in "${servers[@]}"; do
    name=${entry%%|*}; command=${entry#*|}
    for ((i = 0; i < runs; i++)); do
        start_server $command
        port=$server_port; pid=$server_pid
        curl -sfk "$scheme://127.0.0.1:$port/" >/dev/null  # answers before the clock starts
        before=$(awk '{print $14 + $15}' /proc/$pid/stat)
        out=$(taskset -c 0 wrk -t1 -c"$conns" -d"${duration}s" --latency "$scheme://127.0.0.1:$port/")
        after=$(awk '{print $14 + $15}' /proc/$pid/stat)
        kill "$pid"; wait "$pid" 2>/dev/null || true
        requests=$(echo "$out" | awk '/requests in/ {print $1}')
        seconds=$(echo "$out" | awk '/requests in/ {sub(/s,/, "", $4); print $4}')
        p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
        errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print "errors"}' | head -1)
        echo "$name $requests $seconds $p99 $((after - before)) ${errors:-ok}" >>"$raw"
    done
done
table=$(python3 - "$raw" "$tick" <<'PY'
import collections, re, statistics, sys
rows = collections.defaultdict(list)
tick = int(sys.argv[2])
def ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1e-3, "ms": 1, "s": 1e3}[unit]
for line in open(sys.argv[1]):
    name, requests, seconds, p99, ticks, errors = line.split()
    requests, seconds = int(requests), float(seconds.rstrip("s"))
    rows[name].append((requests / seconds, ms(p99), int(ticks) / tick / max(requests, 1) * 1e6, errors))
names = [name for name in ["swift-web", "aiohttp-web-uvloop", "swift-protocol", "hummingbird", "uvloop-httptools", "asyncio-httptools"] if name in rows]
print("| server | req/s (median, min-max) | p99 ms | server CPU us/req | swift-web vs this |")
print("|---|---|---|---|---|")
ours = statistics.median(r[0] for r in rows["swift-web"])
for name in names:
    rates = [r[0] for r in rows[name]]
    rate = statistics.median(rates)
    p99 = statistics.median(r[1] for r in rows[name])
    cpu = statistics.median(r[2] for r in rows[name])
    flag = "" if all(r[3] == "ok" for r in rows[name]) else " (errors)"
    print(f"| {name}{flag} | {rate:,.0f} ({min(rates):,.0f}-{max(rates):,.0f}) | {p99:.2f} | {cpu:.1f} | {ours / rate:.2f}x |")
PY
)
rm -f "$raw"
publish "$suffix" "$heading, wrk -t1 -c$conns, ${duration}s per run, median of $runs" "$table"
