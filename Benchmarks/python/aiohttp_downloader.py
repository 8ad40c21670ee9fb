"""The idiomatic asyncio downloader for Benchmarks/download.sh: aiohttp on uvloop, a semaphore
of JOBS, each body streamed to its file with iter_chunked. Usage: LIST OUTDIR JOBS."""
import asyncio, os, sys
import aiohttp, uvloop

async def fetch(session, semaphore, url, folder):
    async with semaphore:
        async with session.get(url) as response:
            response.raise_for_status()
            with open(os.path.join(folder, url.rsplit("/", 1)[1]), "wb") as f:
                async for chunk in response.content.iter_chunked(1 << 16):
                    f.write(chunk)

async def main(listing, folder, jobs):
    urls = [line.strip() for line in open(listing) if line.strip()]
    semaphore = asyncio.Semaphore(jobs)
    connector = aiohttp.TCPConnector(limit=jobs)
    timeout = aiohttp.ClientTimeout(total=None)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, auto_decompress=False) as session:
        await asyncio.gather(*(fetch(session, semaphore, url, folder) for url in urls))

if __name__ == "__main__":
    uvloop.install()
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
