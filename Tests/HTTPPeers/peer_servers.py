"""The HTTP client tests' peers: an aiohttp server (real HTTP: chunked, gzip, redirects, echo,
slow bodies) and a raw asyncio server that answers with broken HTTP on purpose. Both listen
on loopback; the first line printed is "PORTS <aiohttp port> <raw port>"."""
import asyncio
import json
import socket
import struct
import sys

from aiohttp import web


def pattern(n):
    return bytes((i * 7 + 3) % 251 for i in range(n))


async def hello(request):
    return web.Response(text="hello world")


async def sized(request):
    return web.Response(body=pattern(int(request.match_info["n"])), content_type="application/octet-stream")


async def chunked(request):
    n = int(request.match_info["n"])
    response = web.StreamResponse()
    response.enable_chunked_encoding()
    await response.prepare(request)
    data = pattern(n)
    for start in range(0, n, 1000):
        await response.write(data[start:start + 1000])
    await response.write_eof()
    return response


async def compressed(request):
    text = "compressible text " * int(request.match_info["n"])
    response = web.Response(text=text)
    coding = request.match_info["coding"]
    response.enable_compression(web.ContentCoding.gzip if coding == "gzip" else web.ContentCoding.deflate)
    return response


async def redirect(request):
    n = int(request.match_info["n"])
    raise web.HTTPFound("/hello" if n == 0 else f"/redirect/{n - 1}")


async def redirect_to(request):
    status = int(request.query.get("status", "302"))
    response = web.Response(status=status, headers={"Location": request.query["url"]})
    return response


async def echo(request):
    body = await request.read()
    return web.json_response({
        "method": request.method,
        "path": request.path,
        "query": request.rel_url.raw_query_string,
        "headers": {k: v for k, v in request.headers.items()},
        "body": body.decode("utf-8", "replace"),
        "chunked": request.headers.get("Transfer-Encoding", "") == "chunked",
    })


async def status(request):
    code = int(request.match_info["code"])
    return web.Response(status=code, text=f"status {code}")


async def slow(request):
    response = web.StreamResponse(headers={"Content-Length": "10"})
    await response.prepare(request)
    await response.write(b"12345")
    await asyncio.sleep(float(request.query.get("pause", "5")))
    await response.write(b"67890")
    return response


async def json_doc(request):
    return web.json_response({"name": "asyncio", "numbers": [1, 2, 3]})


async def latin1(request):
    return web.Response(body="caf\u00e9".encode("latin-1"), headers={"Content-Type": "text/plain; charset=ISO-8859-1"})


RAW = {
    b"/close-mid-body": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789",
    b"/extra-bytes": b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef",
    b"/bad-chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n",
    b"/both-lengths": b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
    b"/many-headers": b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(10000)) + b"\r\n",
    b"/bad-status": b"HTTP/1.1 2xx Weird\r\n\r\n",
    b"/close-before-head": b"",
    b"/truncated-gzip": None,
}


async def raw_client(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ")[1]
            if path == b"/stall":
                await asyncio.sleep(3600)
            if path == b"/huge-header":
                writer.write(b"HTTP/1.1 200 OK\r\nX-Huge: ")
                sent = 0
                chunk = b"a" * 65536
                while sent < 1 << 30:
                    writer.write(chunk)
                    await writer.drain()
                    sent += len(chunk)
                return
            if path == b"/reset":
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
                await writer.drain()
                await asyncio.sleep(0.05)
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return
            if path == b"/keepalive-then-close":
                # Answers, then closes the idle connection shortly after: the client's next
                # request on it finds it closed.
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
                await asyncio.sleep(0.2)
                writer.close()
                return
            if path == b"/truncated-gzip":
                import gzip
                data = gzip.compress(b"x" * 100000)
                data = data[: len(data) // 2]
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(data) + data)
                await writer.drain()
                continue
            answer = RAW.get(path, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            writer.write(answer)
            await writer.drain()
            if path in (b"/close-mid-body", b"/close-before-head", b"/bad-chunk", b"/both-lengths"):
                return
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    app = web.Application()
    app.add_routes([
        web.get("/hello", hello),
        web.get("/bytes/{n}", sized),
        web.get("/chunked/{n}", chunked),
        web.get("/compressed/{coding}/{n}", compressed),
        web.get("/redirect/{n}", redirect),
        web.route("*", "/redirect-to", redirect_to),
        web.route("*", "/echo", echo),
        web.get("/status/{code}", status),
        web.get("/slow", slow),
        web.get("/json", json_doc),
        web.get("/latin1", latin1),
    ])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    aiohttp_port = site._server.sockets[0].getsockname()[1]
    raw = await asyncio.start_server(raw_client, "127.0.0.1", 0)
    raw_port = raw.sockets[0].getsockname()[1]
    print(f"PORTS {aiohttp_port} {raw_port}", flush=True)
    await asyncio.sleep(float(sys.argv[1]) if len(sys.argv) > 1 else 600)


asyncio.run(main())
