"""Seed 003 examples on real asyncio (see seeds_reference.py)."""
from reference_support import *
async def do_some_work_x(x):
    print("waiting:", x)
    return "Done after {}s".format(x)

@example("003", "create a task: pending, then finished")
def _():
    start = now()
    loop = asyncio.get_event_loop()
    task = loop.create_task(do_some_work_x(2))
    print(task)
    loop.run_until_complete(task)
    print(task)
    print("Time:", now() - start)

@example("003", "a done callback")
def _():
    start = now()
    loop = asyncio.get_event_loop()
    task = asyncio.ensure_future(do_some_work_x(2))
    task.add_done_callback(lambda future: print("callback:", future.result()))
    loop.run_until_complete(task)
    print("Time:", now() - start)

async def do_some_sleep(x):
    print("Waiting:", x)
    await asyncio.sleep(x)
    return "Done after {}s".format(x)

@example("003", "await a sleep")
def _():
    start = now()
    loop = asyncio.get_event_loop()
    task = asyncio.ensure_future(do_some_sleep(2))
    loop.run_until_complete(task)
    print("Task ret:", task.result())
    print("Time:", now() - start)

@example("003", "concurrency with wait")
def _():
    start = now()
    tasks = [asyncio.ensure_future(do_some_sleep(1)), asyncio.ensure_future(do_some_sleep(2)), asyncio.ensure_future(do_some_sleep(4))]
    loop = asyncio.get_event_loop()
    loop.run_until_complete(asyncio.wait(tasks))
    for task in tasks:
        print("Task ret:", task.result())
    print("Time:", now() - start)

@example("003", "nested coroutines")
def _():
    async def main():
        tasks = [asyncio.ensure_future(do_some_sleep(1)), asyncio.ensure_future(do_some_sleep(2)), asyncio.ensure_future(do_some_sleep(4))]
        dones, pendings = await asyncio.wait(tasks)
        for task in sorted(dones, key=lambda t: t.get_name()):
            print("Task ret:", task.result())
    start = now()
    loop = asyncio.get_event_loop()
    loop.run_until_complete(main())
    print("Time:", now() - start)

@example("003", "nested coroutines with gather")
def _():
    async def main():
        tasks = [asyncio.ensure_future(do_some_sleep(1)), asyncio.ensure_future(do_some_sleep(2)), asyncio.ensure_future(do_some_sleep(4))]
        results = await asyncio.gather(*tasks)
        for result in results:
            print("Task ret:", result)
    start = now()
    loop = asyncio.get_event_loop()
    loop.run_until_complete(main())
    print("Time:", now() - start)
