"""Runs the HTTP client benchmark's clients and prints its table (called by http-client.sh).

http_client_runner.py RUNS COUNT CONCURRENCY BASE_URL WORK_DIR NAME|COMMAND...

Each client runs the small-file job (COUNT GETs of BASE_URL/small.bin, CONCURRENCY at a time)
and the large-file job (BASE_URL/big.bin streamed) RUNS times, pinned to CPU 0. A client prints
"ok REQUESTS BYTES SECONDS CPU", its own time and CPU time (user + system) for the job, so
neither counts the process's start; curl is timed from outside, its CPU from the kernel's
accounting of the child (its start included: a few milliseconds)."""
import os
import resource
import statistics
import subprocess
import sys


def run(command):
    """(seconds, cpu seconds, bytes) of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = os.times().elapsed
    done = subprocess.run(["taskset", "-c", "0"] + command, capture_output=True, text=True, timeout=900)
    wall = os.times().elapsed - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{command} failed ({done.returncode}): {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    words = done.stdout.split()
    if words and words[0] == "ok":
        return float(words[3]), float(words[4]), int(words[2])
    return wall, cpu, sum(int(float(w)) for w in words)  # curl: one size per transfer


def main():
    runs, count, concurrency, base, work = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    clients = [entry.split("|", 1) for entry in sys.argv[6:]]
    small_size = os.path.getsize(f"{work}/www/small.bin")
    big_size = os.path.getsize(f"{work}/www/big.bin")
    rows = {}
    for name, command in clients:
        words = command.split()
        if name == "curl":
            small = words + ["-s", "--parallel", "--parallel-max", str(concurrency), "--parallel-immediate",
                             "-w", "%{size_download}\n", "-K", f"{work}/curl-small.txt"]
            big = words + ["-s", "-o", "/dev/null", "-w", "%{size_download}\n", f"{base}/big.bin"]
        else:
            small = words + [f"{base}/small.bin", str(count), str(concurrency), "read"]
            big = words + [f"{base}/big.bin", "1", "1", "stream"]
        results = {"small": [], "big": []}
        for _ in range(runs):
            for job, command_line, expected in (("small", small, count * small_size), ("big", big, big_size)):
                seconds, cpu, received = run(command_line)
                if received != expected:
                    sys.exit(f"{name} {job}: {received} bytes, expected {expected}")
                results[job].append((seconds, cpu))
        rows[name] = results
        print(f"{name}: done", file=sys.stderr)

    def median(name, job, index):
        return statistics.median(r[index] for r in rows[name][job])

    ours = "asynciohttp"
    print(f"| client | req/s, {count} x 1 KiB | CPU us/req | asynciohttp vs this | MB/s, 1 file | CPU s/GB | asynciohttp vs this |")
    print("|---|---|---|---|---|---|---|")
    for name, _ in clients:
        rate = count / median(name, "small", 0)
        cpu_request = median(name, "small", 1) / count * 1e6
        throughput = big_size / median(name, "big", 0) / 1e6
        cpu_gb = median(name, "big", 1) / (big_size / 1e9)
        our_rate = count / median(ours, "small", 0)
        our_throughput = big_size / median(ours, "big", 0) / 1e6
        print(f"| {name} | {rate:,.0f} | {cpu_request:.1f} | {our_rate / rate:.2f}x | {throughput:,.0f} | {cpu_gb:.2f} | "
              f"{our_throughput / throughput:.2f}x |")


if __name__ == "__main__":
    main()
