"""Seed 001 examples on real asyncio (see seeds_reference.py)."""
from reference_support import *
from seed000 import sorted_set
import sys
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

from image_server import on_image_server, IMAGES
import time

def site_urls(server):
    return [server.url(p) for p in ["/www.baidu.com", "/www.taobao.com", "/www.jd.com"]]

@example("001", "3.5 补充 案例1 run_in_executor(None, requests.get, url)")
def _():
    import requests
    def program(server):
        async def scrape_api(url):
            loop = asyncio.get_event_loop()
            fut = loop.run_in_executor(None, requests.get, url)
            response = await fut
            return response
        async def main():
            tasks = [asyncio.create_task(scrape_api(url)) for url in site_urls(server)]
            done, pending = await asyncio.wait(tasks)
            print(sorted_set(done))
        asyncio.run(main())
    on_image_server(program)

@example("001", "3.5 补充 案例2 to_thread(requests.get, url)")
def _():
    import requests
    def program(server):
        async def main():
            tasks = [asyncio.create_task(asyncio.to_thread(requests.get, url)) for url in site_urls(server)]
            done, pending = await asyncio.wait(tasks)
            for task in sorted(done, key=lambda t: t.get_name()):
                print(task.result().url)
        asyncio.run(main())
    on_image_server(program)

@example("001", "3.5 补充 或者 scrape_api awaits to_thread")
def _():
    import requests
    def program(server):
        async def scrape_api(url):
            get = asyncio.to_thread(requests.get, url)
            response = await get
            return response
        async def main():
            tasks = [asyncio.create_task(scrape_api(url)) for url in site_urls(server)]
            done, pending = await asyncio.wait(tasks)
            for task in sorted(done, key=lambda t: t.get_name()):
                print(task.result().url)
        asyncio.run(main())
    on_image_server(program)

def image_urls(server):
    return [server.url(p) for p in IMAGES]

def save_image(image):
    image_name = f'./images/{time.time()}.png'
    with open(image_name, 'wb') as f:
        f.write(image)
    say(f'下载{image_name}完成')

def download_image(url):
    import requests
    say(f'开始爬取{url}...')
    image = b""
    try:
        response = requests.get(url)
        if response.status_code == 200:
            image = response.content
    except Exception:
        say(f'爬取{url[20]}...是出现错误')
    save_image(image)

@example("001", "2 sync vs async download (any order)")
def _():
    def program(server):
        urls = image_urls(server)
        start = time.time()
        for url in urls:
            download_image(url)
        print('同步耗时:', time.time() - start)
        async def async_download():
            start = time.time()
            tasks = [asyncio.create_task(asyncio.to_thread(download_image, url)) for url in urls]
            await asyncio.wait(tasks)
            print('异步耗时:', time.time() - start)
        asyncio.run(async_download())
    on_image_server(program)

@example("001", "2 the same download with a client session (any order)")
def _():
    import aiohttp
    def program(server):
        async def main():
            start = time.time()
            async with aiohttp.ClientSession() as session:
                async def fetch(url):
                    say(f'开始爬取{url}...')
                    async with session.get(url) as response:
                        image = await response.read()
                    save_image(image)
                await asyncio.wait([asyncio.create_task(fetch(url)) for url in image_urls(server)])
            print('异步耗时:', time.time() - start)
        asyncio.run(main())
    on_image_server(program)

@example("001", "1.1 greenlet switch")
def _():
    ensure_greenlet()
    from greenlet import greenlet
    def func1():
        print(1)
        gr2.switch()
        print(2)
        gr2.switch()
    def func2():
        print(3)
        gr1.switch()
        print(4)
    gr1 = greenlet(func1)
    gr2 = greenlet(func2)
    gr1.switch()

@example("001", "1.2 yield and yield from")
def _():
    def func1():
        yield 1
        yield from func2()
        yield 2
    def func2():
        yield 3
        yield 4
    for item in func1():
        print(item)

# asyncio.coroutine was removed in Python 3.11: types.coroutine stands in for it. The seed passes
# the list to run_until_complete, which asyncio rejects; wait() is what it means.
@example("001", "1.3 @asyncio.coroutine with yield from")
def _():
    @types.coroutine
    def func1():
        print(1)
        yield from asyncio.sleep(2)
        print(2)
    @types.coroutine
    def func2():
        print(3)
        yield from asyncio.sleep(2)
        print(4)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    tasks = [asyncio.ensure_future(func1()), asyncio.ensure_future(func2())]
    loop.run_until_complete(asyncio.wait(tasks))
    loop.close()
