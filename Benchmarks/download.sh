#!/usr/bin/env bash
# Downloader benchmark against a local nginx (pinned to CPU 1): 1,000 files of 100 KiB and 4
# files of 256 MiB, fetched 64 at a time by this library's `download`, `aria2c -j 64`,
# `curl --parallel --parallel-max 64` and an idiomatic aiohttp-on-uvloop downloader
# (python/aiohttp_downloader.py), each pinned to CPU 0, into a fresh folder on /dev/shm (a
# tmpfs, so that the disk is not what is measured; `download` still fsyncs every file). Prints
# the median wall time and CPU time (user + system) of RUNS runs and ratios to `download`; every
# run's files are checked. Results also go to results/<date>-<host>-download.md.
# Env: RUNS (3), SMALL (1000), LARGE_MB (256).
set -euo pipefail
cd "$(dirname "$0")"
source ./common.sh
runs=${RUNS:-3}; small=${SMALL:-1000}; large_mb=${LARGE_MB:-256}
missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v aria2c >/dev/null || missing+=(aria2)
command -v curl >/dev/null || missing+=(curl)
[ ${#missing[@]} -eq 0 ] || { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }
PATH=$PATH:/usr/sbin
venv=.build/python-bench
python_peers "$venv" aiohttp uvloop
(cd .. && swift build -c release --product download >/dev/null)
tool=$(cd .. && swift build -c release --show-bin-path)/download

# Everything on /dev/shm, and synced before the first run: a gigabyte of fresh files being
# written back to disk during the first downloader's runs doubled its time.
work=$(mktemp -d -p /dev/shm); trap 'kill $nginx_pid 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/www/small" "$work/www/large"
for ((i = 0; i < small; i++)); do head -c 102400 /dev/urandom > "$work/www/small/$i.bin"; done
for i in 0 1 2 3; do head -c $((large_mb * 1024 * 1024)) /dev/urandom > "$work/www/large/$i.bin"; done
sync
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_nginx "$work" "$port" /large/0.bin
for job in small large; do
    for f in "$work/www/$job"/*.bin; do echo "http://127.0.0.1:$port/$job/$(basename "$f")"; done > "$work/$job.txt"
    sed 's/.*/url = "&"/' "$work/$job.txt" > "$work/$job-curl.txt"
done

table=$("$venv/bin/python" python/download_runner.py "$runs" "$work" \
    "download=$tool -q -j 64 -o {out} -i {list}" \
    "aria2c=aria2c -q -j 64 -x 1 --file-allocation=none --auto-file-renaming=false -d {out} -i {list}" \
    "curl=curl -s --no-progress-meter --parallel --parallel-max 64 --output-dir {out} --remote-name-all -K {curl}" \
    "aiohttp-uvloop=$venv/bin/python python/aiohttp_downloader.py {list} {out} 64")
publish -download "Downloads from nginx, 64 at once: $small x 100 KiB and 4 x $large_mb MiB into /dev/shm; median of $runs" "$table"
