"""The echo server of the macro benchmark on CPython: `echo_server.py {asyncio,uvloop} {streams,protocol} [CERT KEY]`.

With a certificate and key it serves TLS (the ssl module, on the same system OpenSSL).

Listens on 127.0.0.1 with a free port, prints "ready PORT", and echoes until killed.
"""
import asyncio, ssl, sys

class Echo(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
    def data_received(self, data):
        self.transport.write(data)

async def handle(reader, writer):
    while True:
        data = await reader.read(65536)
        if not data:
            break
        writer.write(data)
        await writer.drain()
    writer.close()

async def main(api, context):
    loop = asyncio.get_running_loop()
    if api == "protocol":
        server = await loop.create_server(Echo, "127.0.0.1", 0, ssl=context)
    else:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    print("ready", server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()

if __name__ == "__main__":
    if sys.argv[1] == "uvloop":
        import uvloop
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    context = None
    if len(sys.argv) >= 5:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[3], sys.argv[4])
    asyncio.run(main(sys.argv[2], context))
