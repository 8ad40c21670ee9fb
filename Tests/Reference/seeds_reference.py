"""The seed examples as Python programs, run on real asyncio with a virtual clock.

It prints the same headings as `swift run seeds`, so `compare_seeds.sh` can diff the two. Time is
virtual here too: a loop whose time() jumps to the next timer when nothing is ready (the same
rule as the Swift VirtualClock), so both print exact times. Each example runs as Python would in a
fresh process: no current loop, task names from Task-1.
"""
import asyncio, asyncio.tasks, itertools, selectors, threading, sys

class VirtualClock:
    now = 1000.0
CLOCK = VirtualClock()

class VirtualSelector(selectors.DefaultSelector):
    def select(self, timeout=None):
        if timeout is not None and timeout > 0:
            CLOCK.now += timeout
            timeout = 0
        return super().select(timeout)

class VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self):
        super().__init__(VirtualSelector())
        self._clock_resolution = 1e-9
    def time(self):
        return CLOCK.now
    def create_task(self, coro, *, name=None, context=None):
        # Default names restart at Task-1 for each example, as in a fresh process.
        if name is None:
            name = f"Task-{next(NAMES[0])}"
        return super().create_task(coro, name=name, context=context)

NAMES = [itertools.count(1)]

class Policy(asyncio.DefaultEventLoopPolicy):
    def new_event_loop(self):
        return VirtualLoop()

asyncio.set_event_loop_policy(Policy())
now = lambda: CLOCK.now

EXAMPLES = []
def example(seed, title):
    def register(fn):
        EXAMPLES.append((seed, title, fn))
        return fn
    return register

# ---- seed 000 ----
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

@example("000", "as_completed in completion order")
def _():
    a = now()
    async def main():
        # as_completed() wraps coroutines from a set (arbitrary start order): make the tasks in list order.
        s = asyncio.as_completed([asyncio.create_task(hello_n(1, 5, '哈哈1')),
                                  asyncio.create_task(hello_n(2, 3, '哈哈2')),
                                  asyncio.create_task(hello_n(3, 4, '哈哈3'))])
        for f in s:
            result = await f
            print(result)
    asyncio.run(main())
    b = now()
    print('---------------------------------------')
    print(b - a)

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

# ---- seed 001 ----
async def func_hello():
    print('hello world')

@example("001", "3.2 run a coroutine on a new loop and with asyncio.run")
def _():
    loop = asyncio.get_event_loop_policy().new_event_loop()
    loop.run_until_complete(func_hello())
    asyncio.run(func_hello())
    loop.close()

async def other():
    print('开始')
    await asyncio.sleep(2)
    print('结束')
    return '返回值'

async def func_other():
    print('开始执行协程内部代码')
    response = await other()
    print('IO请求结束,结果为:', response)

example("001", "3.3 示例1 await asyncio.sleep")(lambda: asyncio.run(other()))
example("001", "3.3 示例2 await another coroutine")(lambda: asyncio.run(func_other()))

async def sleep_two():
    await asyncio.sleep(2)

@example("001", "3.4 示例3 create_task without a running loop")
def _():
    coro = sleep_two()
    try:
        tasks = [asyncio.create_task(coro, name='n1')]
        print(tasks)
    except RuntimeError as e:
        print("RuntimeError:", e)
    coro.close()

async def future_by_hand():
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    future.set_result('666')
    print(await future)

async def future_set_result(future):
    future.set_result('666')

async def future_by_task():
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    await asyncio.create_task(future_set_result(future))
    print(await future)

example("001", "3.5 示例2 Future.set_result('666')")(lambda: asyncio.run(future_by_hand()))
example("001", "3.5 示例3 a task sets the Future")(lambda: asyncio.run(future_by_task()))

async def one_two():
    print(1)
    await asyncio.sleep(1)
    print(2)

async def three_four():
    print(3)
    await asyncio.sleep(1)
    print(4)

@example("001", "1.4 async & await on a new loop")
def _():
    loop = asyncio.get_event_loop_policy().new_event_loop()
    tasks = [asyncio.ensure_future(one_two(), loop=loop), asyncio.ensure_future(three_four(), loop=loop)]
    loop.run_until_complete(asyncio.wait(tasks))
    loop.close()

async def func_value():
    print(1)
    await asyncio.sleep(2)
    print(2)
    return '返回值'

@example("001", "3.4 示例1 two tasks")
def _():
    async def main():
        print('main开始')
        task1 = asyncio.create_task(func_value())
        task2 = asyncio.create_task(func_value())
        print('main结束')
        res1 = await task1
        res2 = await task2
        print(res1, res2)
    start = now()
    asyncio.run(main())
    print(now() - start)

def wait_over_tasks(names):
    async def main():
        print('main开始')
        tasks = [asyncio.create_task(func_value(), name=n) for n in names]
        print('main结束')
        done, pending = await asyncio.wait(tasks)
        print(sorted_set(done))
        print('-' * 50)
        print(sorted_set(pending))
    start = now()
    asyncio.run(main())
    print(now() - start)

example("001", "3.4 示例2 wait over tasks")(lambda: wait_over_tasks([None, None]))
example("001", "3.4 示例2 create_task(name=)")(lambda: wait_over_tasks(['n1', 'n2']))

# Blocking work runs on real threads, so it cannot follow the virtual clock: it sleeps SCALE real
# seconds per "second", and elapsed times print in whole "seconds". Sections whose lines come from
# threads in arbitrary order are marked "(any order)" and compared sorted.
import time as _time
from concurrent.futures import ThreadPoolExecutor
SCALE = 0.05
def blocking_sleep(seconds): _time.sleep(seconds * SCALE)
def wall(): return _time.monotonic()
def seconds_since(start): return round((wall() - start) / SCALE)

def say(*parts):
    # print() from threads writes the newline separately, so lines could interleave: one write.
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")

def pool_func(value):
    blocking_sleep(2)
    say(value)
    return value

@example("001", "3.5 补充 thread pool: 10 jobs on 5 workers (any order)")
def _():
    start = wall()
    pool = ThreadPoolExecutor(max_workers=5)
    for i in range(10):
        future = pool.submit(pool_func, i)
        _time.sleep(0.001)   # let a new worker take its job, as the seed's output shows
        print(future)
    print('耗时:', seconds_since(start))
    pool.shutdown(wait=True)   # the seed's program waits for the pool when it exits
    print('总耗时:', seconds_since(start))

def something():
    blocking_sleep(2)
    return 'something'

@example("001", "3.5 补充 run_in_executor(None, func)")
def _():
    async def main():
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(None, something)
        result = await future
        print('default thread pool', result)
    asyncio.run(main())

URLS = ['https://www.baidu.com', 'https://www.taobao.com', 'https://www.jd.com']

class Response:
    def __init__(self, url): self.url = url

def fake_get(url):
    blocking_sleep(1)
    return Response(url)

@example("001", "3.5 补充 to_thread of a blocking function")
def _():
    async def main():
        tasks = [asyncio.create_task(asyncio.to_thread(fake_get, url)) for url in URLS]
        done, pending = await asyncio.wait(tasks)
        for task in sorted(done, key=lambda t: t.get_name()):
            print(task.result().url)
    asyncio.run(main())

IMAGES = ['https://example.com/1.png', 'https://example.com/2.jpg', 'https://example.com/3.png']

def download_image(url):
    say(f'开始爬取{url}...')
    blocking_sleep(1)
    say(f'下载{url[-5:]}完成')

@example("001", "2 sync vs async download (any order)")
def _():
    start = wall()
    for url in IMAGES:
        download_image(url)
    print('同步耗时:', seconds_since(start))
    async def async_download():
        start = wall()
        tasks = [asyncio.create_task(asyncio.to_thread(download_image, url)) for url in IMAGES]
        await asyncio.wait(tasks)
        print('异步耗时:', seconds_since(start))
    asyncio.run(async_download())

# ---- seed 002 ----
async def async_hello():
    print("async Hello world!" + str(int(now())))
    await asyncio.sleep(1)
    print("async Hello again!" + str(int(now())))

@example("002", "run_until_complete(async_hello())")
def _():
    loop = asyncio.get_event_loop()
    loop.run_until_complete(async_hello())
    loop.close()

LOOP_NUMBERS = {}
def number(obj):
    return LOOP_NUMBERS.setdefault(id(obj), len(LOOP_NUMBERS) + 1)

@example("002", "get_event_loop twice is one loop")
def _():
    loop1 = asyncio.get_event_loop()
    print('loop1 hash' + str(number(loop1)))
    loop2 = asyncio.get_event_loop()
    print('loop2 hash' + str(number(loop2)))
    loop1.close()

def thread_name():
    return "<_MainThread(MainThread)>" if threading.current_thread() is threading.main_thread() else "<Thread>"

async def async_hello_thread(s, pause):
    print("async Hello world!" + s + ' ' + thread_name() + str(int(now())))
    await asyncio.sleep(pause)
    print("async Hello again!" + s + ' ' + thread_name() + str(int(now())))

@example("002", "two tasks on one thread")
def _():
    loop = asyncio.get_event_loop()
    tasks = [async_hello_thread('task1', 2), async_hello_thread('task2', 5)]
    loop.run_until_complete(asyncio.wait([loop.create_task(t) for t in tasks]))
    loop.close()

async def fun():
    print('hello word')
    return 'miao'

@example("002", "task pending, then finished")
def _():
    loop = asyncio.get_event_loop()
    task = loop.create_task(fun())
    print(task)
    loop.run_until_complete(task)
    print(task)
    loop.close()

@example("002", "add_done_callback")
def _():
    loop = asyncio.get_event_loop()
    task = loop.create_task(fun())
    task.add_done_callback(lambda future: print('Callback: ', future.result()))
    loop.run_until_complete(task)
    loop.close()

@example("002", "ensure_future and task.result()")
def _():
    loop = asyncio.get_event_loop()
    task = asyncio.ensure_future(fun())
    loop.run_until_complete(task)
    print('the fun() return is: {}'.format(task.result()))
    loop.close()

async def hello():
    print("hello 1")
    await asyncio.sleep(1)
    print("hello 2")

@example("002", "await blocks: begin/end")
def _():
    loop = asyncio.get_event_loop()
    print("begin")
    loop.run_until_complete(hello())
    loop.close()
    print("end")

async def async_hello_s(s):
    print("async Hello world!" + s + ' ' + str(int(now())))
    await asyncio.sleep(5)
    print("async Hello again!" + s + ' ' + str(int(now())))

@example("002", "several tasks in one loop with wait")
def _():
    loop = asyncio.get_event_loop()
    tasks = [loop.create_task(async_hello_s('task1')), loop.create_task(async_hello_s('task2'))]
    loop.run_until_complete(asyncio.wait(tasks))
    loop.close()

# ---- seed 003 ----
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

# ---- seed 004 ----
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

if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore")
    filters = sys.argv[1:]
    for seed, title, fn in EXAMPLES:
        heading = f"=== seed {seed} · {title} ==="
        if filters and not any(f in heading for f in filters):
            continue
        print(heading)
        asyncio.set_event_loop_policy(Policy())
        NAMES[0] = itertools.count(1)
        fn()
        print()
