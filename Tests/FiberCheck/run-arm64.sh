#!/usr/bin/env bash
# Builds the fiber layer and fiber_check.c for arm64 and runs it under qemu-user: the arm64
# context switch is checked on an x86_64 machine. Installs the cross compiler and qemu from
# Debian's packages when missing. Also runs the same check natively.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
    { apt-get update -qq && apt-get install -y -qq qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross >/dev/null; } ||
        { echo "arm64 fiber check skipped: qemu-user or the cross compiler could not be installed"; exit 0; }
fi
out=$(mktemp -d)
sources=(fiber_check.c ../../Sources/CAsyncio/fiber.c ../../Sources/CAsyncio/fiber_switch.S)
cc -O2 -o "$out/native" "${sources[@]}"
echo "native: $("$out/native")"
aarch64-linux-gnu-gcc -O2 -static -o "$out/arm64" "${sources[@]}"
echo "arm64:  $(qemu-aarch64 "$out/arm64")"
rm -rf "$out"
