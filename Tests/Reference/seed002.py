"""Seed 002 examples on real asyncio (see seeds_reference.py)."""
from reference_support import *
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

@example("002", "create_server: an echo server and a client")
def _():
    async def handle(reader, writer):
        data = await reader.readline()
        print("server got:", data.decode().strip())
        writer.write(b"echo " + data)
        await writer.drain()
        writer.close()
        await writer.wait_closed()
    async def main():
        server = await asyncio.start_server(handle, '127.0.0.1', 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection('127.0.0.1', port)
        writer.write(b"hello server\n")
        await writer.drain()
        print("client got:", (await reader.readline()).decode().strip())
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()
    asyncio.run(main())
