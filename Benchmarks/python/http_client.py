"""The HTTP client benchmark's Python peers: http_client.py aiohttp|httpx URL COUNT CONCURRENCY MODE.
COUNT GETs of URL from CONCURRENCY tasks sharing one session (aiohttp on uvloop, or httpx's
AsyncClient on asyncio), with a pool of CONCURRENCY keep-alive connections; MODE "read" reads
each body whole, "stream" reads it as it arrives and drops it. Prints "ok REQUESTS BYTES SECONDS CPU"
(the time from the first request to the last body read, and the process's CPU time in it)."""
import asyncio
import sys
import time


async def run_aiohttp(url, count, concurrency, streaming):
    import aiohttp
    taken = 0

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        async def worker():
            nonlocal taken
            received = 0
            while taken < count:
                taken += 1
                async with session.get(url) as response:
                    assert response.status == 200, response.status
                    if streaming:
                        async for chunk in response.content.iter_any():
                            received += len(chunk)
                    else:
                        received += len(await response.read())
            return received
        start, cpu = time.perf_counter(), time.process_time()
        received = sum(await asyncio.gather(*(worker() for _ in range(concurrency))))
        return received, time.perf_counter() - start, time.process_time() - cpu


async def run_httpx(url, count, concurrency, streaming):
    import httpx
    taken = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        async def worker():
            nonlocal taken
            received = 0
            while taken < count:
                taken += 1
                if streaming:
                    async with client.stream("GET", url) as response:
                        assert response.status_code == 200, response.status_code
                        async for chunk in response.aiter_raw():
                            received += len(chunk)
                else:
                    response = await client.get(url)
                    assert response.status_code == 200, response.status_code
                    received += len(response.content)
            return received
        start, cpu = time.perf_counter(), time.process_time()
        received = sum(await asyncio.gather(*(worker() for _ in range(concurrency))))
        return received, time.perf_counter() - start, time.process_time() - cpu


def main():
    which, url, count, concurrency, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    if which == "aiohttp":
        import uvloop
        received, seconds, cpu = uvloop.run(run_aiohttp(url, count, concurrency, mode == "stream"))
    else:
        received, seconds, cpu = asyncio.run(run_httpx(url, count, concurrency, mode == "stream"))
    print(f"ok {count} {received} {seconds} {cpu}")


if __name__ == "__main__":
    main()
