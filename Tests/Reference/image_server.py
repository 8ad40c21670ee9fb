"""The download examples' network for the Python reference: the same kind of local server as the
Swift port's ImageServer (http.server in a thread): each of its image paths answers a PNG of
generated noise after DELAY seconds (made when the server starts); a site path ("/www....")
answers a small HTML page, and without its trailing slash a 301 to it; anything else is a 404."""
import http.server, os, struct, tempfile, threading, zlib, shutil, asyncio
from reference_support import RealTimePolicy

DELAY = 0.3
WIDTH, HEIGHT = 400, 300

def png_noise(seed):
    """The Swift port's PNG.noise(seed:) recipe: an LCG seeded by FNV-1a of the path, deflated."""
    state = 2166136261
    for byte in seed.encode():
        state = ((state ^ byte) * 16777619) & 0xFFFFFFFF
    raw = bytearray()
    for _ in range(HEIGHT):
        raw.append(0)
        for _ in range(WIDTH * 3):
            state = (state * 1664525 + 1013904223) & 0xFFFFFFFF
            raw.append(state >> 24)
    def chunk(kind, data):
        typed = kind + data
        return struct.pack(">I", len(data)) + typed + struct.pack(">I", zlib.crc32(typed))
    header = struct.pack(">II", WIDTH, HEIGHT) + bytes([8, 2, 0, 0, 0])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw), 6))
            + chunk(b"IEND", b""))

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        import time
        time.sleep(DELAY)
        path = self.path.split("?", 1)[0]
        if path.startswith("/www."):
            if not path.endswith("/"):
                self.send_response(301)
                self.send_header("Location", path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = f"<html><body>{path[1:-1]}</body></html>".encode()
            kind = "text/html; charset=utf-8"
        elif path in self.server.images:
            body = self.server.images[path]
            kind = "image/png"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass

class ImageServer:
    def __init__(self, images):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.images = {path.split("?", 1)[0]: png_noise(path.split("?", 1)[0]) for path in images}
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"
    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

IMAGES = ["/th/id/OIP-C.nRlAFygdctTCHmIWN7GxRwHaEK?pid=ImgDet&rs=1", "/files/pic/pic9/202009/apic27858.jpg",
          "/th/id/OIP-C.n0_p3rYRuofABd3XudbZnAHaEo?pid=ImgDet&rs=1"]

def on_image_server(fn):
    """Runs fn(server) on the real clock with the server up, in a fresh folder holding ./images."""
    previous_policy = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(RealTimePolicy())
    server = ImageServer(IMAGES)
    folder = tempfile.mkdtemp(prefix="seed001-")
    os.mkdir(os.path.join(folder, "images"))
    previous = os.getcwd()
    os.chdir(folder)
    try:
        fn(server)
    finally:
        os.chdir(previous)
        shutil.rmtree(folder, ignore_errors=True)
        server.stop()
        asyncio.set_event_loop_policy(previous_policy)
