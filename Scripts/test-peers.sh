#!/usr/bin/env bash
# Installs the real peers the tests talk to, when missing: curl, nginx, wrk, netcat, tmux and chromium from
# Debian's packages, and the Python peers (aiohttp, httptools, requests, greenlet) into a virtual environment under
# .build (Scripts/python-peers.sh). Quick and silent when everything is there. A peer that cannot
# be installed (no network) is reported; the tests that need it are then skipped, by name.
set -uo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v curl >/dev/null || missing+=(curl)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
command -v nc >/dev/null || missing+=(netcat-openbsd)
command -v tmux >/dev/null || missing+=(tmux)
command -v chromium >/dev/null || missing+=(chromium)
python3 -c "import venv, ensurepip" 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} (Debian's packages)" >&2
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null; } \
        || echo "could not install ${missing[*]}: the tests that need them are skipped" >&2
fi
Scripts/python-peers.sh || echo "could not make the Python peers' environment: the tests that need it are skipped" >&2
exit 0
