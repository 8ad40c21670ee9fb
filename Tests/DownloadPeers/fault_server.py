"""A file server that fails on purpose, for the downloader's tests (stdlib asyncio only).

Every body is pattern(N) (byte i is (i*7+3) % 251), with a strong ETag and Last-Modified, and
Range / If-Range support unless the path says otherwise. A TOKEN in the path keys the per-URL
count of hits, so each test gets its own fresh faults:

  /file/N                      the file
  /norange/N                   ignores Range (always 200, the whole file)
  /drop/TOKEN/N                first hit: half the body, then the connection is closed
  /short/TOKEN/N               first hit: Content-Length N but N-100 bytes, then closed
  /toolong/N                   always: Content-Length N-100, then N bytes (the rest is garbage)
  /429/TOKEN/N                 first hit: 429 with Retry-After: 1
  /503/TOKEN/K/N               first K hits: 503
  /stall/TOKEN/N               first hit: headers and a quarter of the body, then silence for 30 s
  /redirect/K/N                K redirects (302) down to /file/N
  /cd/N                        Content-Disposition: attachment; filename="report.bin"
  /changed/TOKEN/N             a different ETag on every hit (If-Range never matches)
  /always503                   always 503
  /404                         404
Prints "PORT <port>" when it listens; exits after the given number of seconds (default 120).
"""
import asyncio, sys
from email.utils import formatdate

HITS = {}
LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)

def pattern(n):
    return bytes((i * 7 + 3) % 251 for i in range(n))

CACHE = {}
def body_of(n):
    if n not in CACHE:
        CACHE[n] = pattern(n)
    return CACHE[n]

def head(status, reason, fields):
    lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in fields] + ["", ""]
    return "\r\n".join(lines).encode()

async def respond(writer, path, headers):
    parts = path.split("?")[0].strip("/").split("/")
    kind = parts[0]
    hit = HITS[path] = HITS.get(path, 0) + 1
    if kind == "404":
        writer.write(head(404, "Not Found", [("Content-Length", "0")]))
        return True
    if kind == "always503":
        writer.write(head(503, "Service Unavailable", [("Content-Length", "0")]))
        return True
    if kind == "redirect":
        k, n = int(parts[1]), int(parts[2])
        target = f"/redirect/{k - 1}/{n}" if k > 1 else f"/file/{n}"
        writer.write(head(302, "Found", [("Location", target), ("Content-Length", "0")]))
        return True
    n = int(parts[-1])
    body = body_of(n)
    etag = f'"v1-{n}"'
    if kind == "changed":
        etag = f'"v{hit + 1}-{n}"'
    if kind == "429" and hit == 1:
        writer.write(head(429, "Too Many Requests", [("Retry-After", "1"), ("Content-Length", "0")]))
        return True
    if kind == "503" and hit <= int(parts[2]):
        writer.write(head(503, "Service Unavailable", [("Content-Length", "0")]))
        return True
    fields = [("ETag", etag), ("Last-Modified", LAST_MODIFIED), ("Content-Type", "application/octet-stream")]
    if kind == "cd":
        fields.append(("Content-Disposition", 'attachment; filename="report.bin"'))
    status, reason, start = 200, "OK", 0
    wanted = headers.get("range")
    if_range = headers.get("if-range")
    if kind != "norange" and wanted and wanted.startswith("bytes=") and wanted.endswith("-") \
            and (if_range is None or if_range in (etag, LAST_MODIFIED)):
        start = int(wanted[6:-1])
        if start >= n:
            writer.write(head(416, "Range Not Satisfiable", [("Content-Range", f"bytes */{n}"), ("Content-Length", "0")]))
            return True
        status, reason = 206, "Partial Content"
        fields.append(("Content-Range", f"bytes {start}-{n - 1}/{n}"))
    if kind != "norange":
        fields.append(("Accept-Ranges", "bytes"))
    rest = body[start:]
    if kind == "toolong":
        writer.write(head(status, reason, fields + [("Content-Length", str(len(rest) - 100))]) + rest)
        return False
    writer.write(head(status, reason, fields + [("Content-Length", str(len(rest)))]))
    if kind == "drop" and hit == 1:
        writer.write(rest[: len(rest) // 2])
        await writer.drain()
        return False
    if kind == "short" and hit == 1:
        writer.write(rest[:-100])
        await writer.drain()
        return False
    if kind == "stall" and hit == 1:
        writer.write(rest[: len(rest) // 4])
        await writer.drain()
        await asyncio.sleep(30)
        return False
    writer.write(rest)
    return True

async def handle(reader, writer):
    try:
        while True:
            request = await reader.readuntil(b"\r\n\r\n")
            lines = request.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    key, value = line.split(":", 1)
                    headers[key.strip().lower()] = value.strip()
            keep = await respond(writer, path, headers)
            await writer.drain()
            if not keep:
                break
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()

async def main(seconds):
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print("PORT", server.sockets[0].getsockname()[1], flush=True)
    await asyncio.sleep(seconds)

if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1]) if len(sys.argv) > 1 else 120))
