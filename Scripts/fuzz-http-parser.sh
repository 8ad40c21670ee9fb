#!/usr/bin/env bash
# Fuzzes the HTTP/1.1 parser with libFuzzer (and AddressSanitizer) for a bounded time:
# Scripts/fuzz-http-parser.sh [SECONDS, default 60]. The target (Sources/HTTPParserFuzz) parses
# each input as requests or responses, whole and split in two, and traps if the two differ or
# anything crashes. The corpus starts from a few valid messages and is kept in .build-fuzz/corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
swift build --product HTTPParserFuzz --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -parse-as-library 2>&1 | grep -E "error|Compiling|Build" | tail -3
corpus=.build-fuzz/corpus
mkdir -p "$corpus"
# Seeds: the first byte picks requests (even) or responses (odd) and where the input is split.
printf '\x00GET /a?b=c HTTP/1.1\r\nHost: h\r\n\r\n' > "$corpus/seed-get"
printf '\x10POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello' > "$corpus/seed-post"
printf '\x20PUT /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n' > "$corpus/seed-chunked"
printf '\x01HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc' > "$corpus/seed-200"
printf '\x11HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 404 Not Found\r\n\r\nbody until close' > "$corpus/seed-404"
.build-fuzz/debug/HTTPParserFuzz -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 "$corpus" 2>&1 | tail -n 12
