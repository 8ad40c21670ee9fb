"""Seed 000 examples on real asyncio (see seeds_reference.py)."""
from reference_support import *
async def say_after_time(delay, what):
    await asyncio.sleep(delay)
    print(what)

async def say_main():
    print(f"开始时间为: {now()}")
    await say_after_time(1, "hello")
    await say_after_time(2, "world")
    print(f"结束时间为: {now()}")

@example("000", "say_after_time with run_until_complete")
def _():
    loop = asyncio.get_event_loop()
    loop.run_until_complete(say_main())
    loop.close()

@example("000", "get_running_loop, get/new/set_event_loop")
def _():
    try:
        asyncio.get_running_loop()
    except RuntimeError as e:
        print("RuntimeError:", e)
    loop = asyncio.get_event_loop()
    print("get_event_loop() twice gives the same loop:", str(loop is asyncio.get_event_loop()).lower())
    fresh = asyncio.new_event_loop()
    print("new_event_loop() gives another loop:", str(fresh is not loop).lower())
    asyncio.set_event_loop(fresh)
    print("after set_event_loop(), get_event_loop() is it:", str(asyncio.get_event_loop() is fresh).lower())
    async def get(): return asyncio.get_running_loop()
    print("get_running_loop() inside is that loop:", str(fresh.run_until_complete(get()) is fresh).lower())
    loop.close(); fresh.close()

async def hello1(a, b):
    print("Hello world 01 begin")
    await asyncio.sleep(3)
    print("Hello again 01 end")
    return a + b

@example("000", "run_until_complete then task.result()")
def _():
    loop = asyncio.get_event_loop()
    task = asyncio.ensure_future(hello1(10, 5))
    loop.run_until_complete(task)
    print('-------------------------------------')
    print(task.result())
    loop.close()

@example("000", "add_done_callback prints the result")
def _():
    loop = asyncio.get_event_loop()
    task = asyncio.ensure_future(hello1(10, 5))
    task.add_done_callback(lambda f: print(f.result()))
    loop.run_until_complete(task)
    loop.close()

async def cancel_me():
    print('cancel_me(): before sleep')
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        print('cancel_me(): cancel sleep')
        raise
    finally:
        print('cancel_me(): after sleep')

async def cancel_main():
    task = asyncio.create_task(cancel_me())
    await asyncio.sleep(1)
    print('main函数休息完了')
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print("main(): cancel_me is cancelled now")

example("000", "cancel_me")(lambda: asyncio.run(cancel_main()))

async def do_some_work(x):
    print("waiting:", x)
    await asyncio.sleep(x)

@example("000", "loop.close() then reuse")
def _():
    loop = asyncio.get_event_loop()
    loop.run_until_complete(do_some_work(1))
    loop.run_until_complete(do_some_work(3))
    loop.close()
    coro = do_some_work(3)
    try:
        loop.run_until_complete(coro)
    except RuntimeError as e:
        print("RuntimeError:", e)
    coro.close()

def sorted_set(tasks):
    """Python prints sets in hash order; both ports print the members sorted by name."""
    return "{" + ", ".join(repr(t) for t in sorted(tasks, key=lambda t: t.get_name())) + "}" if tasks else "set()"

async def eternity(seconds):
    print('我马上开始执行')
    await asyncio.sleep(seconds)
    print('终于轮到我了')

async def wait_for_main(seconds):
    try:
        print('等你3秒钟哦')
        await asyncio.wait_for(eternity(seconds), timeout=3)
    except asyncio.TimeoutError:
        print('超时了!')

example("000", "wait_for around eternity (3600 s)")(lambda: asyncio.run(wait_for_main(3600)))
example("000", "wait_for around eternity (2 s)")(lambda: asyncio.run(wait_for_main(2)))

async def hello_n(n, seconds, result=None):
    print(f"Hello world 0{n} begin")
    await asyncio.sleep(seconds)
    print(f"Hello again 0{n} end")
    return result

@example("000", "wait FIRST_COMPLETED")
def _():
    a = now()
    async def main():
        tasks = [asyncio.create_task(hello_n(1, 2)), asyncio.create_task(hello_n(2, 3)), asyncio.create_task(hello_n(3, 4))]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for i in sorted(done, key=lambda t: t.get_name()):
            print(i)
        for j in sorted(pending, key=lambda t: t.get_name()):
            print(j)
    asyncio.run(main())
    b = now()
    print('---------------------------------------')
    print(b - a)

def as_completed_example(awaitables):
    """Seed 000's as_completed example over what `awaitables()` makes inside the running loop."""
    a = now()
    async def main():
        for f in asyncio.as_completed(awaitables()):
            result = await f
            print(result)
    asyncio.run(main())
    b = now()
    print('---------------------------------------')
    print(b - a)

# as_completed() wraps coroutines from a set (arbitrary start order): make the tasks in list order.
example("000", "as_completed in completion order")(lambda: as_completed_example(lambda: [
    asyncio.create_task(hello_n(1, 5, '哈哈1')), asyncio.create_task(hello_n(2, 3, '哈哈2')),
    asyncio.create_task(hello_n(3, 4, '哈哈3'))]))

async def t1(a, b):
    print("Hello world 01 begin"); await asyncio.sleep(3); print("Hello again 01 end"); return a + b
async def t2(a, b):
    print("Hello world 02 begin"); await asyncio.sleep(2); print("Hello again 02 end"); return a - b
async def t3(a, b):
    print("Hello world 03 begin"); await asyncio.sleep(4); print("Hello again 03 end"); return a * b
async def n1():
    print("Hello world 01 begin"); await asyncio.sleep(3); print("Hello again 01 end")
async def n2():
    print("Hello world 02 begin"); await asyncio.sleep(2); print("Hello again 02 end")
async def n3():
    print("Hello world 03 begin"); await asyncio.sleep(4); print("Hello again 03 end")

@example("000", "template before 3.7: wait, no results")
def _():
    loop = asyncio.get_event_loop()
    tasks = [asyncio.ensure_future(n1()), asyncio.ensure_future(n2()), asyncio.ensure_future(n3())]
    loop.run_until_complete(asyncio.wait(tasks))
    loop.close()

@example("000", "template before 3.7: wait, then results")
def _():
    loop = asyncio.get_event_loop()
    task1 = asyncio.ensure_future(t1(10, 5))
    task2 = asyncio.ensure_future(t2(10, 5))
    task3 = asyncio.ensure_future(t3(10, 5))
    loop.run_until_complete(asyncio.wait([task1, task2, task3]))
    print(task1.result()); print(task2.result()); print(task3.result())
    loop.close()

@example("000", "template 3.7: gather, no results")
def _():
    async def main():
        results = await asyncio.gather(n1(), n2(), n3())
        for result in results:
            print(result)
    asyncio.run(main())

@example("000", "template 3.7: gather with results")
def _():
    async def main():
        results = await asyncio.gather(t1(10, 5), t2(10, 5), t3(10, 5))
        for result in results:
            print(result)
    asyncio.run(main())

# asyncio.coroutine was removed in Python 3.11; types.coroutine makes the same generator-based
# coroutine (a generator allowed to `yield from` asyncio's coroutines and futures).
def decorated_hello(n, seconds, result):
    @types.coroutine
    def hello():
        print(f"Hello world 0{n} begin")
        yield from asyncio.sleep(seconds)
        print(f"Hello again 0{n} end")
        return result
    return hello()

# as_completed() makes its tasks in the order of a set of the generators, which is the order of
# their addresses: it changes from one Python build or environment to another, so the lines of
# this example are compared in any order.
example("000", "as_completed over @asyncio.coroutine generators (any order)")(lambda: as_completed_example(lambda: [
    decorated_hello(1, 5, '哈哈1'), decorated_hello(2, 3, '哈哈2'), decorated_hello(3, 4, '哈哈3')]))
