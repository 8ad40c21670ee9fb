#!/usr/bin/env bash
# Load-and-abuse soak of a streams line echo server on this library (Sources/AbuseServer): CYCLES
# cycles of 500 well-behaved clients (100 byte-checked round trips each) alongside abusive ones
# (reset at once, half a line then silence, a 10 MB line, a write cut in the middle, never reading),
# with the server's RSS, heap in use and descriptors read after each cycle (python/abuse_client.py).
# Server pinned to CPU 1, the Python asyncio client to CPU 0. The bar: RSS after cycle 2 within 10%
# of cycle 2's (the RSS once malloc_trim(0) gave glibc's free heap back; the raw RSS is shown too),
# descriptors back to the baseline, no mis-echoed byte, every good round trip done, the server
# alive. Exits non-zero when the bar is not met or the server died.
# Results also go to results/<date>-<host>-abuse.md; the server's stderr (its first few handler
# errors and exception-handler reports) is printed after the table.   Env: CYCLES (5).
set -euo pipefail
cd "$(dirname "$0")"
source ./common.sh
cycles=${CYCLES:-5}
ulimit -n "$(ulimit -Hn)"     # ~800 sockets on each side; the client raises its own soft limit too
ulimit -c unlimited || true   # a crashing server leaves a core (see /proc/sys/kernel/core_pattern)
swift build -c release --product AbuseServer >/dev/null
bin=$(swift build -c release --show-bin-path)
log=$(mktemp /tmp/abuse-server.XXXXXX.log)
start_server "$bin/AbuseServer" "$log"
port=$server_port; pid=$server_pid
trap 'kill "$pid" 2>/dev/null || true' EXIT
status=0
table=$(taskset -c 0 python3 python/abuse_client.py "$port" --pid "$pid" --cycles "$cycles") || status=$?
alive=yes
kill -0 "$pid" 2>/dev/null || alive=no
if [[ $alive == yes ]] && grep -q '^State:.*zombie' "/proc/$pid/status" 2>/dev/null; then alive=no; fi
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
trap - EXIT
publish "-abuse" "Load and abuse, streams line echo server, $cycles cycles" "$table"
echo "server stderr (first few handler errors and reports):"
sed 's/^/  /' "$log"
rm -f "$log"
if [[ $alive != yes ]]; then
    echo "the server died during the run" >&2
    exit 1
fi
if ((status != 0)); then
    echo "bar not met (client exit status $status)" >&2
    exit 1
fi
