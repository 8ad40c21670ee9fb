"""Runs each downloader of Benchmarks/download.sh RUNS times per job, pinned to CPU 0, into a
fresh folder each time: one untimed warm-up run each, then RUNS rounds of every tool in turn;
checks every file arrived with its size; prints the table of median
wall time and CPU time (user + system, from the child's rusage) and ratios to this library.

Usage: RUNS WORK NAME=COMMAND ... (COMMAND uses {list}: the URL list, {curl}: the same as a
curl config, {out}: the folder to download into, on /dev/shm)."""
import os, shutil, statistics, subprocess, sys, time

def run_once(command, expected, out):
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    start = time.monotonic()
    process = subprocess.Popen(["taskset", "-c", "0", "sh", "-c", command], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - start
    if status != 0:
        raise SystemExit(f"{command!r} exited with {status}")
    for name, size in expected.items():
        path = os.path.join(out, name)
        if not os.path.exists(path) or os.path.getsize(path) != size:
            raise SystemExit(f"{command!r}: {name} missing or of the wrong size")
    return wall, usage.ru_utime + usage.ru_stime

def main():
    runs, work = int(sys.argv[1]), sys.argv[2]
    tools = [arg.split("=", 1) for arg in sys.argv[3:]]
    jobs = {}
    for job in ("small", "large"):
        folder = os.path.join(work, "www", job)
        jobs[job] = {name: os.path.getsize(os.path.join(folder, name)) for name in os.listdir(folder)}
    # Rounds: every tool runs once per round, so a slow spell of the machine (the VM gives freed
    # pages back to its host, and touching them again is slow for a while after the files
    # were made) falls on every tool alike instead of on whichever came first.
    out = os.path.join("/dev/shm", f"download-bench-{os.getpid()}")
    lines = {(name, job): command.format(list=f"{work}/{job}.txt", out=out, curl=f"{work}/{job}-curl.txt")
             for name, command in tools for job in jobs}
    for (name, job), line in lines.items():
        run_once(line, jobs[job], out)                     # warm-up, untimed
    values = {key: [] for key in lines}
    for _ in range(runs):
        for (name, job), line in lines.items():
            values[(name, job)].append(run_once(line, jobs[job], out))
    shutil.rmtree(out, ignore_errors=True)
    results = {}
    for (name, job), measured in values.items():
        print(f"{name} {job}: " + ", ".join(f"{wall:.2f} s" for wall, _ in measured), file=sys.stderr)
        results[(name, job)] = (statistics.median(v[0] for v in measured), statistics.median(v[1] for v in measured))
    ours = tools[0][0]
    small, large = len(jobs["small"]), len(jobs["large"])
    print(f"| downloader | {small} small files: wall s | CPU s | wall vs ours | CPU vs ours | {large} large files: wall s | CPU s | wall vs ours | CPU vs ours |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, _ in tools:
        cells = []
        for job in ("small", "large"):
            wall, cpu = results[(name, job)]
            our_wall, our_cpu = results[(ours, job)]
            cells += [f"{wall:.2f}", f"{cpu:.2f}", f"{wall / our_wall:.2f}x", f"{cpu / our_cpu:.2f}x"]
        print(f"| {name} | " + " | ".join(cells) + " |")

if __name__ == "__main__":
    main()
