#!/usr/bin/env bash
# Makes the virtual environment of the tests' Python peers (aiohttp as a server and a client,
# httptools for the parser's differential check, requests and greenlet for the seed examples'
# reference run) under the build folder, from PyPI, when missing. Never touches the user's global Python. Quick and silent when it is there.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/python-peers
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import aiohttp, httptools, requests, greenlet" 2>/dev/null; then exit 0; fi
mkdir -p .build
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "aiohttp>=3.9,<4" "httptools>=0.6" "requests>=2.31" "greenlet>=3" >&2
