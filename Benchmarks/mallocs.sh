#!/usr/bin/env bash
# The allocation gate: mallocs per operation of every micro and greenlet row, counted by ordo-one's
# malloc interposer (release build), checked against mallocs.txt. Fails when a row is over its
# limit. The table also goes to results/<date>-<host>-mallocs.md. CI runs it.
set -euo pipefail
cd "$(dirname "$0")"
source ./common.sh
for product in MicroBench GreenletBench MallocGate; do
    log=$(swift build -c release --product "$product" 2>&1) || { echo "$log"; exit 1; }
done
bin=$(swift build -c release --show-bin-path)
table=$(mktemp)
status=0
"$bin/MallocGate" mallocs.txt "$table" >/dev/null || status=$?
publish "-mallocs" "Mallocs per operation (steady state), limits from mallocs.txt" "$(cat "$table")"
rm -f "$table"
exit $status
