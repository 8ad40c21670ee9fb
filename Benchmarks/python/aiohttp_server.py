"""The aiohttp.web peer of the HTTP benchmark: `aiohttp_server.py [CERT KEY]` on uvloop.

One GET route answering "Hello, World!" (the same application as WebServer). Listens on
127.0.0.1 with a free port, prints "ready PORT", and serves until killed.
"""
import asyncio
import socket
import ssl
import sys

import uvloop
from aiohttp import web


async def hello(request):
    return web.Response(text="Hello, World!")


async def main():
    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    context = None
    if len(sys.argv) >= 3:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(sys.argv[1], sys.argv[2])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    site = web.SockSite(runner, sock, ssl_context=context, backlog=1024)
    await site.start()
    print(f"ready {sock.getsockname()[1]}", flush=True)
    await asyncio.Event().wait()


uvloop.run(main())
