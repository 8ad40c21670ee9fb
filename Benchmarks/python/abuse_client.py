"""The client of the load-and-abuse benchmark (abuse.sh): plain asyncio, no third-party packages.

    python3 abuse_client.py PORT [--pid SERVER_PID] [--cycles 5] [--good 500] [--trips 100] [--abusers 50]
                                 [--cycle-timeout 120]

Against the line echo server on 127.0.0.1:PORT (Sources/AbuseServer), runs CYCLES cycles. In each,
at once: GOOD well-behaved clients doing TRIPS round trips each of a random printable line
(1..2000 bytes and "\\n", compared byte for byte with its echo), and ABUSERS of each kind:
  reset     connect, then close with SO_LINGER {1, 0} (a reset) at once;
  half      send half a line and go silent until the cycle ends, then close;
  huge      send a 10 MB line with no newline, then close;
  cut       start writing 2 MB of lines, and abort the connection in the middle of the write;
  noread    send lines (up to 4 MB) and never read; abort when the cycle ends.
After each cycle (everything closed), waits 1 s and asks the server for STATS on a fresh
connection. Progress goes to stderr; the markdown table and the verdict go to stdout.
Exit status 0 when the bar is met: RSS after cycle 2 within 10% of cycle 2's (the RSS after
malloc_trim(0), so that free heap glibc keeps is not taken for a leak), descriptors back to
the baseline (a STATS before cycle 1) after every cycle, no mismatch, every good round trip done,
and the server still alive.
"""

import argparse
import asyncio
import collections
import json
import os
import random
import resource
import socket
import struct
import sys
import time

HOST = "127.0.0.1"
MB = 1024 * 1024

rng = random.Random(20261121)
# Random printable bytes (0x20..0x7e, no newline) that lines are cut from.
POOL = bytes(rng.choices(range(0x20, 0x7F), k=4 * MB))
# The huge abuser's line: 10 MB with no newline.
HUGE = memoryview(POOL * 3)[: 10 * MB]


def make_lines(total):
    """Random lines of 1..2000 printable bytes, about `total` bytes in all."""
    parts, size = [], 0
    while size < total:
        n = rng.randint(1, 2000)
        offset = rng.randrange(len(POOL) - n)
        parts.append(POOL[offset : offset + n] + b"\n")
        size += n + 1
    return b"".join(parts)


CUT = make_lines(2 * MB)
NOREAD = memoryview(make_lines(4 * MB))
CHUNK = 256 * 1024


class Cycle:
    """What one cycle's clients saw."""

    def __init__(self):
        self.trips = 0
        self.mismatches = 0
        self.good_errors = collections.Counter()
        self.abuser_errors = collections.Counter()


def log(*args):
    print(*args, file=sys.stderr, flush=True)


async def close(writer):
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass


async def good_client(port, trips, cycle, seed):
    r = random.Random(seed)
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        for _ in range(trips):
            n = r.randint(1, 2000)
            offset = r.randrange(len(POOL) - n)
            line = POOL[offset : offset + n] + b"\n"
            writer.write(line)
            await writer.drain()
            echo = await reader.readline()
            if echo != line:
                cycle.mismatches += 1
                if cycle.mismatches <= 5:
                    log(f"  mismatch: sent {len(line)} bytes, got {len(echo)}: {echo[:60]!r}")
                if not echo:
                    break
            else:
                cycle.trips += 1
    finally:
        await close(writer)


async def reset_at_once(port):
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        await loop.sock_connect(sock, (HOST, port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    finally:
        sock.close()


async def half_line(port, end, seed):
    r = random.Random(seed)
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        n = r.randint(1, 1000)
        offset = r.randrange(len(POOL) - n)
        writer.write(POOL[offset : offset + n])
        await writer.drain()
        await end.wait()
    finally:
        await close(writer)


async def huge_line(port):
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        for start in range(0, len(HUGE), CHUNK):
            writer.write(HUGE[start : start + CHUNK])
            await writer.drain()
    finally:
        await close(writer)


async def cut_write(port, seed):
    r = random.Random(seed)
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(CUT)  # what the socket does not take now stays in the transport's buffer
    await asyncio.sleep(r.uniform(0, 0.02))
    writer.transport.abort()  # closes now, the rest of the buffer unsent


async def never_read(port, end):
    reader, writer = await asyncio.open_connection(HOST, port)

    async def pump():
        for start in range(0, len(NOREAD), 64 * 1024):
            writer.write(NOREAD[start : start + 64 * 1024])
            await writer.drain()

    pumping = asyncio.create_task(pump())
    try:
        await end.wait()
    finally:
        pumping.cancel()
        try:
            await pumping
        except (asyncio.CancelledError, OSError):
            pass
        writer.transport.abort()


async def stats(port):
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(b"STATS\n")
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), 10)
        return json.loads(line)
    finally:
        await close(writer)


def note(counter, results, kind):
    for result in results:
        if isinstance(result, BaseException):
            counter[f"{kind}: {type(result).__name__}"] += 1


async def run_cycle(port, args, number):
    cycle = Cycle()
    end = asyncio.Event()
    seed = number * 1_000_000
    kinds = []  # (kind, task)
    for i in range(args.abusers):
        kinds.append(("half", asyncio.create_task(half_line(port, end, seed + i))))
        kinds.append(("noread", asyncio.create_task(never_read(port, end))))
    lingering = len(kinds)
    for i in range(args.abusers):
        kinds.append(("reset", asyncio.create_task(reset_at_once(port))))
        kinds.append(("huge", asyncio.create_task(huge_line(port))))
        kinds.append(("cut", asyncio.create_task(cut_write(port, seed + i))))
    goods = [asyncio.create_task(good_client(port, args.trips, cycle, seed + 500_000 + i)) for i in range(args.good)]
    # The good clients and the abusers that end by themselves; then the silent ones are let go.
    note(cycle.good_errors, await asyncio.gather(*goods, return_exceptions=True), "good")
    finite = await asyncio.gather(*(task for _, task in kinds[lingering:]), return_exceptions=True)
    end.set()
    lingered = await asyncio.gather(*(task for _, task in kinds[:lingering]), return_exceptions=True)
    for (kind, _), result in zip(kinds[lingering:] + kinds[:lingering], finite + lingered):
        note(cycle.abuser_errors, [result], kind)
    return cycle


def raise_descriptor_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def alive(pid):
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (dead, not yet reaped by its parent) counts as dead.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--pid", type=int)
    parser.add_argument("--cycles", type=int, default=5)
    parser.add_argument("--good", type=int, default=500)
    parser.add_argument("--trips", type=int, default=100)
    parser.add_argument("--abusers", type=int, default=50)
    parser.add_argument("--cycle-timeout", type=float, default=120.0)
    args = parser.parse_args()
    raise_descriptor_limit(4 * (args.good + 5 * args.abusers) + 256)
    port = args.port

    baseline = await stats(port)
    log(f"baseline: {baseline}")
    header = ("| cycle | RSS MB | RSS trimmed MB | heap in use MB | fds | mismatches | value errors "
              "| handler errors | reports | live conns | good round trips | elapsed s |")
    rows = [header, "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    log(header)
    previous = baseline
    samples, cycles = [], []
    server_answered = True
    for number in range(1, args.cycles + 1):
        start = time.monotonic()
        try:
            cycle = await asyncio.wait_for(run_cycle(port, args, number), args.cycle_timeout)
        except asyncio.TimeoutError:
            log(f"cycle {number}: not done after {args.cycle_timeout:.0f} s (a hung server?)")
            server_answered = False
            break
        elapsed = time.monotonic() - start
        await asyncio.sleep(1)
        try:
            sample = await stats(port)
        except (OSError, asyncio.TimeoutError, ValueError) as error:
            log(f"cycle {number}: STATS failed: {error!r}")
            server_answered = False
            break
        samples.append(sample)
        cycles.append(cycle)
        row = (f"| {number} | {sample['rss_kb'] / 1024:.1f} | {sample['rss_trimmed_kb'] / 1024:.1f} "
               f"| {sample['heap_in_use'] / MB:.3f} | {sample['fds']} "
               f"| {cycle.mismatches} | {sample['value_errors'] - previous['value_errors']} "
               f"| {sample['handler_errors'] - previous['handler_errors']} | {sample['reports'] - previous['reports']} "
               f"| {sample['live_connections']} | {cycle.trips} | {elapsed:.1f} |")
        rows.append(row)
        log(row)
        log(f"  server: {sample}")
        for kind, count in sorted((cycle.good_errors + cycle.abuser_errors).items()):
            log(f"  client-side errors, {kind}: {count}")
        previous = sample

    expected = args.good * args.trips
    checks = []
    # The RSS check reads the RSS after malloc_trim(0): the raw RSS also counts the free heap glibc
    # keeps after each cycle's peak (tens of MB of 256 KiB read buffers and 10 MB-line buffers),
    # which goes up and down with the peak, not with what is still allocated. The raw deviation is
    # printed for information.
    def deviation(key):
        reference = samples[1][key]
        return reference, max((abs(s[key] - reference) / reference for s in samples[2:]), default=0.0)

    if len(samples) >= 2:
        reference, worst = deviation("rss_trimmed_kb")
        raw_reference, raw_worst = deviation("rss_kb")
        checks.append((worst <= 0.10, f"RSS (after malloc_trim) after cycle 2 within 10% of cycle 2's "
                                      f"{reference / 1024:.1f} MB (largest deviation {worst * 100:.1f}%; raw RSS: "
                                      f"{raw_worst * 100:.1f}% from {raw_reference / 1024:.1f} MB, not part of the bar)"))
    else:
        checks.append((False, "RSS after cycle 2 within 10% of cycle 2's (fewer than 2 cycles ran)"))
    fds = [s["fds"] for s in samples]
    checks.append((bool(samples) and all(f == baseline["fds"] for f in fds),
                   f"descriptors back to the baseline {baseline['fds']} after every cycle (saw {fds})"))
    mismatches = sum(c.mismatches for c in cycles)
    checks.append((mismatches == 0, f"0 mismatches (saw {mismatches})"))
    trips = [c.trips for c in cycles]
    checks.append((len(cycles) == args.cycles and all(t == expected for t in trips),
                   f"every good round trip done, {expected} per cycle (saw {trips})"))
    living = alive(args.pid) and server_answered
    checks.append((living, "server alive and answering at the end"))
    met = all(ok for ok, _ in checks)

    print("\n".join(rows))
    print()
    print(f"Per cycle: {args.good} good clients x {args.trips} round trips; {args.abusers} abusers of each kind "
          "(reset, half line, 10 MB line, cut write, never read). Value/handler errors and reports are the "
          "server's counts during the cycle; fds, RSS, heap in use (glibc mallinfo2 uordblks) and live "
          "connections (the STATS one included) are read 1 s after the cycle's clients closed; "
          "RSS trimmed is the RSS right after that, once malloc_trim(0) gave the free heap back. "
          f"Baseline before cycle 1: RSS {baseline['rss_kb'] / 1024:.1f} MB, "
          f"heap {baseline['heap_in_use'] / MB:.1f} MB, {baseline['fds']} fds.")
    print()
    for ok, text in checks:
        print(f"- [{'x' if ok else ' '}] {text}")
    print()
    print(f"Bar {'met' if met else 'NOT met'}.")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
