"""A Python `websockets` echo server for rxws interop tests.

Listens on 127.0.0.1 with an ephemeral port and prints "port N" on the first line of stdout.
Echoes text and binary messages; a text message "close:CODE:REASON" makes it close the
connection with that code and reason instead. When a connection ends it prints
"closed CODE REASON" (the code and reason it received or sent). Offers the subprotocols given as
arguments. Exits when stdin is closed (so it never outlives the test that started it).

Works with websockets 10.x (Debian bookworm) and later.
"""
import asyncio
import sys

import websockets


async def handler(ws, path=None):
    try:
        async for message in ws:
            if isinstance(message, str) and message.startswith("close:"):
                _, code, reason = message.split(":", 2)
                await ws.close(int(code), reason)
                break
            await ws.send(message)
    except websockets.exceptions.ConnectionClosed:
        pass
    await ws.wait_closed()
    print(f"closed {ws.close_code} {ws.close_reason}", flush=True)


async def main():
    protocols = sys.argv[1:] or None
    async with websockets.serve(
        handler, "127.0.0.1", 0, subprotocols=protocols, max_size=None, compression=None
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"port {port}", flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(main())
