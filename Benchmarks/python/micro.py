"""The micro benchmarks written idiomatically for asyncio; `--uvloop` runs them on uvloop.

Prints "<id> <seconds per operation>" lines, like the Swift MicroBench.
"""
import asyncio, sys, time

def call_soon():
    n = 1_000_000
    loop = asyncio.new_event_loop()
    noop = lambda: None
    start = time.perf_counter()
    for _ in range(n):
        loop.call_soon(noop)
    loop.call_soon(loop.stop)
    loop.run_forever()
    elapsed = time.perf_counter() - start
    loop.close()
    return elapsed / n

def yield1():
    n = 1_000_000
    async def main():
        for _ in range(n):
            await asyncio.sleep(0)
    start = time.perf_counter()
    asyncio.run(main())
    return (time.perf_counter() - start) / n

def yield1000():
    tasks, rounds = 1000, 1000
    async def worker():
        for _ in range(rounds):
            await asyncio.sleep(0)
    async def main():
        await asyncio.gather(*(worker() for _ in range(tasks)))
    start = time.perf_counter()
    asyncio.run(main())
    return (time.perf_counter() - start) / (tasks * rounds)

def future():
    n = 1_000_000
    async def main():
        loop = asyncio.get_running_loop()
        for _ in range(n):
            f = loop.create_future()
            loop.call_soon(f.set_result, None)
            await f
    start = time.perf_counter()
    asyncio.run(main())
    return (time.perf_counter() - start) / n

def spawn():
    n = 200_000
    async def child():
        pass
    async def main():
        for _ in range(n):
            await asyncio.create_task(child())
    start = time.perf_counter()
    asyncio.run(main())
    return (time.perf_counter() - start) / n

def gather():
    n = 100_000
    async def item(i):
        return i
    async def main():
        await asyncio.gather(*(item(i) for i in range(n)))
    start = time.perf_counter()
    asyncio.run(main())
    return (time.perf_counter() - start) / n

def taskgroup():
    rounds, children = 10_000, 10
    async def child():
        pass
    async def main():
        for _ in range(rounds):
            async with asyncio.TaskGroup() as tg:
                for _ in range(children):
                    tg.create_task(child())
    start = time.perf_counter()
    asyncio.run(main())
    return (time.perf_counter() - start) / (rounds * children)

def queue():
    n = 100_000
    async def main():
        ping, pong = asyncio.Queue(), asyncio.Queue()
        async def echo():
            for _ in range(n):
                await pong.put(await ping.get())
        task = asyncio.create_task(echo())
        for i in range(n):
            await ping.put(i)
            await pong.get()
        await task
    start = time.perf_counter()
    asyncio.run(main())
    return (time.perf_counter() - start) / n

def lock():
    n = 1_000_000
    async def main():
        lk = asyncio.Lock()
        for _ in range(n):
            async with lk:
                pass
    start = time.perf_counter()
    asyncio.run(main())
    return (time.perf_counter() - start) / n

def waitfor():
    n = 100_000
    async def main():
        for _ in range(n):
            await asyncio.wait_for(asyncio.sleep(0), 10)
    start = time.perf_counter()
    asyncio.run(main())
    return (time.perf_counter() - start) / n

def timeout():
    n = 100_000
    async def main():
        for _ in range(n):
            async with asyncio.timeout(10):
                await asyncio.sleep(0)
    start = time.perf_counter()
    asyncio.run(main())
    return (time.perf_counter() - start) / n

def tothread():
    n = 20_000
    def noop():
        pass
    async def main():
        for _ in range(n):
            await asyncio.to_thread(noop)
    start = time.perf_counter()
    asyncio.run(main())
    return (time.perf_counter() - start) / n

def threadsafe():
    import threading
    n = 200_000
    loop = asyncio.new_event_loop()
    count = 0
    def cb():
        nonlocal count
        count += 1
        if count == n:
            loop.stop()
    def producer():
        for _ in range(n):
            loop.call_soon_threadsafe(cb)
    thread = threading.Thread(target=producer)
    start = time.perf_counter()
    loop.call_soon(thread.start)
    loop.run_forever()
    elapsed = time.perf_counter() - start
    thread.join()
    loop.close()
    return elapsed / n

BENCHMARKS = {"callsoon": call_soon, "yield1": yield1, "yield1000": yield1000, "future": future,
              "spawn": spawn, "gather": gather, "taskgroup": taskgroup, "queue": queue, "lock": lock,
              "waitfor": waitfor, "timeout": timeout, "tothread": tothread, "threadsafe": threadsafe}

if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if "--uvloop" in sys.argv:
        import uvloop
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    for name, body in BENCHMARKS.items():
        if not args or name in args:
            print(name, body())
