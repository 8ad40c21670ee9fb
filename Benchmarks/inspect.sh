#!/usr/bin/env bash
# The inspector at scale: a release InspectTarget with 10,000 sleeping tasks; how long the target
# takes to answer a snapshot (raw socket) and how long `asyncio-tools ps` and `pstree` take end to
# end. Median of 3 runs each, wall seconds. Issue 15's bar: ps answers in under 200 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product InspectTarget >/dev/null
swift build -c release --product asyncio-tools >/dev/null
bin=$(swift build -c release --show-bin-path)
out=$(mktemp)
ASYNCIO_INSPECT=1 "$bin/InspectTarget" many "${TASKS:-10000}" >"$out" 2>&1 &
target=$!
trap 'kill $target 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 100); do grep -q '^ready' "$out" && break; sleep 0.1; done
python3 - "$target" "$bin/asyncio-tools" <<'PY'
import socket, statistics, subprocess, sys, time, os
pid, tool = sys.argv[1], sys.argv[2]
runtime = os.environ.get("XDG_RUNTIME_DIR")
path = (f"{runtime}/asyncio-swift" if runtime and os.path.isdir(runtime) else f"/tmp/asyncio-swift-{os.getuid()}") + f"/{pid}.sock"
def answer():
    s = socket.socket(socket.AF_UNIX); s.connect(path); s.sendall(b"snapshot\n")
    while s.recv(1 << 20): pass
def tool_run(*args):
    subprocess.run([tool, *args, pid], stdout=subprocess.DEVNULL, check=True)
for name, work in [("snapshot answer", answer), ("asyncio-tools ps", lambda: tool_run("ps")),
                   ("asyncio-tools pstree", lambda: tool_run("pstree"))]:
    times = []
    for _ in range(3):
        start = time.perf_counter(); work(); times.append(time.perf_counter() - start)
    print(f"{name}: {statistics.median(times) * 1000:.0f} ms (median of 3)")
PY
