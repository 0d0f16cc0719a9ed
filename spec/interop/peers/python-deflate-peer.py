"""A Python `websockets` peer with permessage-deflate on (its default), for rxws interop tests.

  python-deflate-peer.py server        echo server on 127.0.0.1, prints "port N"; exits when
                                       stdin closes
  python-deflate-peer.py client URL    connects, sends text and binary messages of several sizes,
                                       checks each echo, prints "extensions VALUE" and then
                                       "ok N" or "mismatch SIZE", closes with 1000

Works with websockets 10.x (Debian bookworm) and later.
"""
import asyncio
import sys

import websockets

SIZES = [0, 1, 125, 1024, 5000, 70000, 1048576]


def text_of(size):
    unit = "permessage-deflate interop "
    return (unit * (size // len(unit) + 1))[:size]


async def handler(ws, path=None):
    try:
        async for message in ws:
            await ws.send(message)
    except websockets.exceptions.ConnectionClosed:
        pass


async def serve():
    async with websockets.serve(handler, "127.0.0.1", 0, max_size=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"port {port}", flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)


async def client(url):
    async with websockets.connect(url, max_size=None) as ws:
        print(f"extensions {ws.response_headers.get('Sec-WebSocket-Extensions')}", flush=True)
        count = 0
        for size in SIZES:
            for message in (text_of(size), text_of(size).encode()):
                await ws.send(message)
                echoed = await ws.recv()
                if echoed != message:
                    print(f"mismatch {size}", flush=True)
                    return
                count += 1
        print(f"ok {count}", flush=True)
        await ws.close(1000)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        asyncio.run(serve())
    else:
        asyncio.run(client(sys.argv[2]))
