"""Seed 004 examples on real asyncio (see seeds_reference.py)."""
from reference_support import *
async def say_after(delay, what):
    await asyncio.sleep(delay)
    print(what)

def runtime(entry, func):
    print("-" * 10 + func.__name__)
    start = now()
    entry(func())
    print("=" * 10 + "{:.5f}".format(now() - start))

async def main4():
    task1 = asyncio.create_task(say_after(2, "2s"))
    task2 = asyncio.create_task(say_after(1, "1s"))
    await task1
    print("--")
    await task2

async def main5():
    task1 = asyncio.create_task(say_after(2, "2s"))
    task2 = asyncio.create_task(say_after(1, "1s"))
    await asyncio.sleep(2)

async def cancel_me_t(t):
    print("cancel_me(): before sleep")
    try:
        await asyncio.sleep(t)
    except asyncio.CancelledError:
        print("cancel_me(): cancel sleep")
        raise
    finally:
        print("cancel_me(): after sleep")
    return "I hate be canceled"

async def main6():
    async def test(t1, t2):
        task = asyncio.create_task(cancel_me_t(t1))
        await asyncio.sleep(t2)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            print("main(): cancel_me is cancelled now")
        try:
            print(task.result())
        except asyncio.CancelledError:
            print("main(): cancel_me is cancelled now")
    await test(2, 1)
    await test(1, 2)

@example("004", "main4, main5, main6 with asyncio.run")
def _():
    runtime(asyncio.run, main4)
    runtime(asyncio.run, main5)
    runtime(asyncio.run, main6)

async def main1():
    await say_after(2, "2s")
    await say_after(1, "1s")

async def main2():
    await asyncio.gather(say_after(2, "2s"), say_after(1, "1s"))

async def main3():
    await asyncio.wait([asyncio.create_task(say_after(2, "2s")), asyncio.create_task(say_after(1, "1s"))])

@example("004", "main1, main2, main3 through both entries")
def _():
    print("########### 用 loop 入口协程 ###########")
    loop = asyncio.get_event_loop()
    runtime(loop.run_until_complete, main1)
    runtime(loop.run_until_complete, main2)
    runtime(loop.run_until_complete, main3)
    loop.close()
    print("########### 用 run 入口协程 ###########")
    runtime(asyncio.run, main1)
    runtime(asyncio.run, main2)
    runtime(asyncio.run, main3)
