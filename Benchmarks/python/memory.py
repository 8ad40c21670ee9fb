"""Memory per suspended task and 100k timers for asyncio; `--uvloop` runs them on uvloop.

Prints "<id> <figure>" lines like the Swift MemoryBench: `sleep` and `queue` (bytes of RSS per
task with 100,000 tasks parked), `timers` (seconds past 1 s) and `timers-rss` (peak RSS, bytes).
"""
import asyncio, os, random, resource, sys, time

TASKS = 100_000

def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

async def parked_bytes_per_task(park):
    before = resident_bytes()
    tasks = [asyncio.create_task(park()) for _ in range(TASKS)]
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    per_task = (resident_bytes() - before) / TASKS
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return per_task

async def sleep_row():
    print("sleep", await parked_bytes_per_task(lambda: asyncio.sleep(3600)))

async def queue_row():
    queue = asyncio.Queue()
    print("queue", await parked_bytes_per_task(queue.get))

async def timers(delays):
    for delay in delays:
        asyncio.create_task(asyncio.sleep(delay))
    while len(asyncio.all_tasks()) > 1:
        await asyncio.sleep(0.01)

def main():
    args = [a for a in sys.argv[1:] if a != "--uvloop"]
    if "--uvloop" in sys.argv:
        import uvloop
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    row = args[0]
    if row == "timers":
        delays = [random.random() for _ in range(TASKS)]
        start = time.perf_counter()
        asyncio.run(timers(delays))
        print("timers", time.perf_counter() - start - 1)
        print("timers-rss", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    else:
        asyncio.run({"sleep": sleep_row, "queue": queue_row}[row]())

main()
