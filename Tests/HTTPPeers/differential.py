"""Differential check of the HTTP parser: the same inputs to httptools (llhttp, the parser of
aiohttp and uvloop) and to ours (the HTTPParserFuzz tool); prints the disagreements and exits
non-zero if any is not among the known ones the README lists.

usage: differential.py PATH_TO_HTTPParserFuzz [COUNT]"""
import json
import os
import random
import re
import subprocess
import sys
import tempfile

import httptools

SEEDS = {
    "request": [
        b"GET /a?b=c HTTP/1.1\r\nHost: h\r\nX-Y: z\r\n\r\n",
        b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
        b"PUT /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.1\r\nConnection: close\r\n\r\n",
        b"DELETE /d HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
    ],
    "response": [
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
        b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nwxyz\r\n0\r\nT: v\r\n\r\n",
        b"HTTP/1.1 204 No Content\r\nServer: s\r\n\r\n",
        b"HTTP/1.0 301 Moved\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\n\r\n",
    ],
}
TOKENS = [b"\r\n", b"\n", b"\r", b" ", b"\t", b":", b"0", b"1", b"a", b"F", b"-", b";", b",", b"\x00", b"\x7f", b"\xff",
          b"Content-Length: ", b"Transfer-Encoding: chunked", b"Connection: close", b"HTTP/1.1", b"HTTP/1.0",
          b"Content-Length: 2", b"\r\n\r\n", b"chunked", b"gzip, chunked", b"Host: x\r\n", b"9" * 20]


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        op = rng.randint(0, 2)
        at = rng.randint(0, len(data))
        if op == 0:
            data[at:at] = rng.choice(TOKENS)
        elif op == 1 and data:
            del data[at:at + rng.randint(1, 4)]
        elif data:
            data[min(at, len(data) - 1)] = rng.randint(0, 255)
    return bytes(data)


class Collector:
    def __init__(self):
        self.messages = []
        self.current = None

    def on_message_begin(self):
        self.current = {"headers": [], "body": b"", "url": b""}

    def on_url(self, url):
        self.current["url"] += url

    def on_headers_complete(self):
        self.current["complete"] = True

    def on_header(self, name, value):
        if self.current.get("complete"):
            return   # a trailer: ours checks and drops trailers, as aiohttp does (known)
        # llhttp keeps trailing whitespace in a value; ours drops it, as RFC 9110 5.5 says (known).
        self.current["headers"].append([name.decode("latin-1"), value.rstrip(b" \t").decode("utf-8", "replace")])

    def on_body(self, body):
        self.current["body"] += body

    def on_message_complete(self):
        self.messages.append(self.current)


def theirs(kind, data):
    collector = Collector()
    parser = (httptools.HttpRequestParser if kind == "request" else httptools.HttpResponseParser)(collector)
    try:
        parser.feed_data(data)
        ok = True
    except httptools.HttpParserUpgrade:
        ok = True
    except httptools.HttpParserError:
        ok = False
    messages = []
    for message in collector.messages:
        item = {"headers": message["headers"], "body": message["body"].hex()}
        if kind == "request":
            item["url"] = message["url"].decode("utf-8", "replace")
        messages.append(item)
    return ok, messages


def ours_normalised(entry, kind):
    out = []
    for message in entry.get("messages", []):
        item = {"headers": message["headers"], "body": message["body"]}
        if kind == "request":
            item["url"] = message["url"]
        out.append(item)
    return out


def main():
    tool = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    rng = random.Random(20261206)
    disagreements = {}
    pending = []   # ours has not failed yet, llhttp has: is the error at the end of the line?
    total = 0
    with tempfile.TemporaryDirectory() as folder:
        for kind, seeds in SEEDS.items():
            inputs = list(seeds) + [mutate(rng, rng.choice(seeds)) for _ in range(count)]
            paths = []
            for index, data in enumerate(inputs):
                path = os.path.join(folder, f"{kind}-{index}")
                with open(path, "wb") as file:
                    file.write(data)
                paths.append(path)
            output = subprocess.run([tool, kind] + paths, capture_output=True, check=True).stdout.decode().splitlines()
            for data, line in zip(inputs, output):
                total += 1
                entry = json.loads(line)
                ok, messages = theirs(kind, data)
                mine = ours_normalised(entry, kind)
                if ok == entry["ok"] and (not ok or messages == mine):
                    continue
                method = data.split(b" ", 1)[0]
                te_lines = [l for l in data.split(b"\r\n") if l.lower().startswith(b"transfer-encoding")]
                chunk_lines = [l for l in data.split(b"\r\n") if l[:1].isalnum() and b";" in l and b":" not in l]
                chunk_detail = bool(chunk_lines) or any(l.rstrip(b" \t,") != l for l in te_lines)
                error = entry.get("error", "")
                bad_line = error.split("Bad status line ", 1)[1] if "Bad status line " in error else ""
                if chunk_detail and ok != entry["ok"] or (chunk_detail and ok and entry["ok"]):
                    category = "chunked framing details: whitespace in chunk extensions, empty list elements"
                elif entry["ok"] and not ok and re.search(rb"\r\n0\r\n(.*\r\n)*(?i:content-length|transfer-encoding):", data):
                    category = "ours accepts, llhttp rejects: a framing header among the trailers (ours drops trailers)"
                elif not entry["ok"] and data.startswith(b"\r") and not data.startswith(b"\r\n"):
                    category = "ours rejects, llhttp accepts: a lone CR before the start line"
                elif ok and entry["ok"]:
                    category = "both accept, parse differently"
                elif ok and kind == "request" and (data.split(b"\n", 1)[0].strip(b"\r").count(b" ") == 1 or (bad_line and bad_line.count(" ") == 1)):
                    category = "ours rejects, llhttp accepts: an HTTP/0.9 request line (no version)"
                elif ok and kind == "response" and bad_line and any(ord(c) < 32 and c != "\t" or ord(c) == 127 for c in data.split(b"\r\n", 1)[0].decode("latin-1")):
                    category = "ours rejects, llhttp accepts: control bytes in a reason phrase"
                elif ok and bad_line and "  " in bad_line:
                    category = "ours rejects, llhttp accepts: more than one space between the parts of the start line"
                elif ok:
                    category = "ours rejects, llhttp accepts: " + error.split(":")[0]
                elif kind == "request" and any(m.group(1) not in LLHTTP_METHODS for m in re.finditer(rb"(?m)^([^ \r\n]+) [^ ]+ HTTP/1\.[01]", data)):
                    category = "ours accepts, llhttp rejects: an extension method"
                elif mine and messages == mine[:len(messages)] and not entry["messages"][max(len(messages) - 1, 0)]["keep_alive"]:
                    category = "ours accepts, llhttp rejects: bytes after a message that closes the connection"
                elif messages == mine:
                    pending.append((kind, data))
                    continue
                else:
                    category = "ours accepts, llhttp rejects"
                disagreements.setdefault(category, []).append(data)
        for kind in SEEDS:
            cases = [data for k, data in pending if k == kind]
            paths = []
            for index, data in enumerate(cases):
                path = os.path.join(folder, f"pending-{kind}-{index}")
                with open(path, "wb") as file:
                    file.write(data + b"\r\n\r\n")
                paths.append(path)
            if not paths:
                continue
            output = subprocess.run([tool, kind] + paths, capture_output=True, check=True).stdout.decode().splitlines()
            for data, line in zip(cases, output):
                later = json.loads(line)["ok"]
                category = ("ours accepts, llhttp rejects" if later
                            else "ours rejects too once the line ends (llhttp rejects at its first bad byte)")
                disagreements.setdefault(category, []).append(data)
    print(f"{total} inputs, {sum(map(len, disagreements.values()))} disagreements")
    for category, examples in sorted(disagreements.items()):
        print(f"  {len(examples):5d}  {category}")
        for example in examples[:3]:
            print(f"           {example!r}")
    unknown = [c for c in disagreements if not any(c.startswith(k) for k in KNOWN)]
    if unknown:
        print("unexplained disagreements:", unknown)
        sys.exit(1)


# Disagreements explained in the README (section "The parser and llhttp").
KNOWN = [
    "ours accepts, llhttp rejects: a framing header among the trailers",
    "chunked framing details",
    "ours rejects, llhttp accepts: a lone CR before the start line",
    "ours rejects, llhttp accepts: control bytes in a reason phrase",
    "ours rejects too once the line ends",
    "ours accepts, llhttp rejects: bytes after a message that closes the connection",
    "ours rejects, llhttp accepts: more than one space",
    "ours accepts, llhttp rejects: an extension method",
    "ours rejects, llhttp accepts: an HTTP/0.9 request line",
]
LLHTTP_METHODS = {m.encode() for m in (
    "DELETE GET HEAD POST PUT CONNECT OPTIONS TRACE COPY LOCK MKCOL MOVE PROPFIND PROPPATCH SEARCH UNLOCK BIND "
    "REBIND UNBIND ACL REPORT MKACTIVITY CHECKOUT MERGE M-SEARCH NOTIFY SUBSCRIBE UNSUBSCRIBE PATCH PURGE "
    "MKCALENDAR LINK UNLINK SOURCE QUERY PRI DESCRIBE ANNOUNCE SETUP PLAY PAUSE TEARDOWN GET_PARAMETER "
    "SET_PARAMETER REDIRECT RECORD FLUSH").split()}

main()
