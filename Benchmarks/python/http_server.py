"""The uvloop + httptools peer of the HTTP benchmark: `http_server.py {uvloop,asyncio} [CERT KEY]` (HTTPS with a certificate and key).

Listens on 127.0.0.1 with a free port, prints "ready PORT", and answers every request with the
same hello-world response (keep-alive, pipelining in order) until killed.
"""
import asyncio, sys
import httptools

RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n"
            b"Server: uvloop-httptools\r\n\r\nHello, World!")

class HelloHTTP(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.parser = httptools.HttpRequestParser(self)
        self.answers = 0
    def on_message_complete(self):
        self.answers += 1
    def data_received(self, data):
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.transport.close()
            return
        if self.answers:
            self.transport.write(RESPONSE * self.answers)
            self.answers = 0
            if not self.parser.should_keep_alive():
                self.transport.close()

async def main():
    loop = asyncio.get_running_loop()
    context = None
    if len(sys.argv) >= 4:   # http_server.py LOOP CERT KEY: HTTPS
        import ssl
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
    server = await loop.create_server(HelloHTTP, "127.0.0.1", 0, backlog=1024, ssl=context)
    print("ready", server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()

if __name__ == "__main__":
    if sys.argv[1] == "uvloop":
        import uvloop
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    asyncio.run(main())
