#!/usr/bin/env python3
"""Fails when a public symbol of a library module has no doc comment. Reads the symbol graphs
that `swift package dump-symbol-graph --minimum-access-level public` writes (Scripts/docs.sh runs
it first) and prints each undocumented symbol with its file and line.

Usage: Scripts/check-doc-coverage.py MODULE [MODULE ...]"""
import glob, json, os, sys

def main():
    folder = glob.glob(".build/*/symbolgraph")
    if not folder:
        print("no symbol graphs: run `swift package dump-symbol-graph --minimum-access-level public`", file=sys.stderr)
        return 1
    missing = 0
    for module in sys.argv[1:]:
        total = 0
        for path in glob.glob(f"{folder[0]}/{module}.symbols.json") + glob.glob(f"{folder[0]}/{module}@*.symbols.json"):
            for symbol in json.load(open(path))["symbols"]:
                if symbol.get("accessLevel") not in ("public", "open") or "::SYNTHESIZED::" in symbol["identifier"]["precise"]:
                    continue
                total += 1
                if symbol.get("docComment"):
                    continue
                missing += 1
                location = symbol.get("location", {})
                where = location.get("uri", "?").replace("file://" + os.getcwd() + "/", "")
                line = location.get("position", {}).get("line", -1) + 1
                print(f"{where}:{line}: undocumented public {symbol['kind']['displayName'].lower()} {'.'.join(symbol['pathComponents'])}", file=sys.stderr)
        print(f"{module}: {total} public symbols")
    print(f"{missing} undocumented")
    return 1 if missing else 0

if __name__ == "__main__":
    sys.exit(main())
