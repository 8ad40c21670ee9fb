#!/usr/bin/env python3
"""Type-checks every ```swift block of the given Markdown files as a program of its own against
the debug build's modules (run `swift build` first), with warnings as errors: a README or an
article that shows code that does not compile, or that warns, fails CI.

Usage: Scripts/check-code-blocks.py FILE.md [FILE.md ...]   (from the package's folder)"""
import os, re, subprocess, sys, tempfile

FLAGS = ["-typecheck", "-swift-version", "6", "-warnings-as-errors", "-I", ".build/debug/Modules",
         "-Xcc", "-fmodule-map-file=.build/debug/CAsyncio.build/module.modulemap",
         "-Xcc", "-ISources/CAsyncio/include",
         "-Xcc", "-fmodule-map-file=Sources/COpenSSL/module.modulemap",
         "-Xcc", "-fmodule-map-file=Sources/CZlib/module.modulemap"]

def blocks(path):
    text = open(path, encoding="utf-8").read()
    for match in re.finditer(r"^```swift\n(.*?)^```", text, re.S | re.M):
        yield text.count("\n", 0, match.start()) + 2, match.group(1)

def main():
    failed = 0
    checked = 0
    with tempfile.TemporaryDirectory() as folder:
        for path in sys.argv[1:]:
            for line, code in blocks(path):
                source = os.path.join(folder, "main.swift")     # top-level code, as in a main.swift
                with open(source, "w", encoding="utf-8") as out:
                    out.write(code)
                result = subprocess.run(["swiftc", *FLAGS, source], capture_output=True, text=True)
                checked += 1
                if result.returncode != 0:
                    failed += 1
                    print(f"{path}:{line}: this block does not compile:", file=sys.stderr)
                    print(result.stdout + result.stderr, file=sys.stderr)
    print(f"{checked} code blocks checked, {failed} failed")
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main())
