#!/usr/bin/env bash
# HTTP client benchmark against a local nginx (one process, pinned to CPU 1): 10,000 GETs of a
# 1 KiB file from 64 concurrent requests over keep-alive, and one 1 GiB file, fetched by this
# library's ClientSession, aiohttp on uvloop, httpx (async, asyncio), AsyncHTTPClient (one NIO
# event loop) and `curl --parallel --parallel-max 64`, each pinned to CPU 0. Prints requests/s,
# MB/s and client CPU per request and per GB (median of RUNS), and ratios; every run's bytes are
# checked. Results also go to results/<date>-<host>-http-client.md.
# Env: RUNS (3), COUNT (10000), CONCURRENCY (64), BIG_MB (1024).
set -euo pipefail
cd "$(dirname "$0")"
source ./common.sh
runs=${RUNS:-3}; count=${COUNT:-10000}; concurrency=${CONCURRENCY:-64}; big_mb=${BIG_MB:-1024}
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { apt-get update -qq && apt-get install -y -qq nginx >/dev/null; }
PATH=$PATH:/usr/sbin
venv=.build/python-bench
python_peers "$venv" aiohttp uvloop httpx
swift build -c release --product HTTPClientBench >/dev/null
swift build -c release --product AHCClientBench >/dev/null
bin=$(swift build -c release --show-bin-path)

work=$(mktemp -d); trap 'kill $nginx_pid 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/www"
head -c 1024 /dev/urandom > "$work/www/small.bin"
head -c $((big_mb * 1024 * 1024)) /dev/urandom > "$work/www/big.bin"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_nginx "$work" "$port" /small.bin
base="http://127.0.0.1:$port"
# curl's job: one configuration file naming every transfer.
for ((i = 0; i < count; i++)); do printf 'url = "%s/small.bin"\noutput = "/dev/null"\n' "$base"; done > "$work/curl-small.txt"

table=$("$venv/bin/python" python/http_client_runner.py "$runs" "$count" "$concurrency" "$base" "$work" \
    "asynciohttp|$bin/HTTPClientBench" "aiohttp-uvloop|$venv/bin/python python/http_client.py aiohttp" \
    "httpx|$venv/bin/python python/http_client.py httpx" "asynchttpclient|$bin/AHCClientBench" "curl|curl")
publish -http-client "HTTP client against nginx: $count GETs of 1 KiB, $concurrency concurrent, keep-alive; one ${big_mb} MiB file; median of $runs" "$table"
