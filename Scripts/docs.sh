#!/usr/bin/env bash
# Builds the DocC documentation of every library module into .build/docs/MODULE (warnings are
# errors), checks that every public symbol has a doc comment, and type-checks the Swift code of
# the articles (Scripts/check-code-blocks.py, which needs the debug build: `swift build` first).
#   Scripts/docs.sh                 # all modules
#   Scripts/docs.sh Asyncio         # one
set -euo pipefail
cd "$(dirname "$0")/.."
modules=("$@")
[ ${#modules[@]} -gt 0 ] || modules=(Asyncio AsyncioHTTP AsyncioProcessPool AsyncioGreenlets AsyncioDownload)
mkdir -p .build/docs
for module in "${modules[@]}"; do
    swift package --allow-writing-to-directory .build/docs generate-documentation --target "$module" \
        --output-path ".build/docs/$module" --warnings-as-errors > ".build/docs/$module.log" 2>&1 \
        || { cat ".build/docs/$module.log"; echo "documentation of $module failed" >&2; exit 1; }
    if grep -q "warning:" ".build/docs/$module.log"; then cat ".build/docs/$module.log"; exit 1; fi
    echo "documentation of $module: .build/docs/$module"
done
swift package dump-symbol-graph --minimum-access-level public > .build/docs/symbolgraph.log 2>&1
Scripts/check-doc-coverage.py "${modules[@]}"
Scripts/check-code-blocks.py Sources/*/*.docc/*.md
