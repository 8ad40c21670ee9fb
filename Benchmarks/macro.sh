#!/usr/bin/env bash
# The macro benchmarks in one command: TCP echo (echo.sh) then HTTP keep-alive (http.sh). Each
# prints its table and writes it to results/. Env as for those scripts (RUNS, DURATION, CONNS).
set -euo pipefail
cd "$(dirname "$0")"
./echo.sh
./http.sh
