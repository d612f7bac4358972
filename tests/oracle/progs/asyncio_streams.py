"""Python asyncio streams for the oracle: a TCP echo server with three
clients, a UNIX stream server with two, and a refused connection; one
process, one event loop."""
import asyncio
import os
import sys


async def echo(reader, writer):
    data = await reader.read(100)
    writer.write(data.upper())
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def client(opener, msg):
    reader, writer = await opener()
    writer.write(msg)
    await writer.drain()
    writer.write_eof()
    await reader.read()
    writer.close()
    await writer.wait_closed()


async def main(dirname):
    srv = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    await asyncio.gather(*(client(lambda: asyncio.open_connection(
        "127.0.0.1", port), b"tcp %d" % i) for i in range(3)))
    srv.close()
    await srv.wait_closed()
    path = os.path.join(dirname, "asyncio.sock")
    usrv = await asyncio.start_unix_server(echo, path)
    await asyncio.gather(*(client(lambda: asyncio.open_unix_connection(path),
                                  b"unix %d" % i) for i in range(2)))
    usrv.close()
    await usrv.wait_closed()
    try:
        await asyncio.open_connection("127.0.0.1", 1)
    except ConnectionRefusedError:
        pass
    print("asyncio done")


asyncio.run(main(sys.argv[1]))
