"""A Python `websockets` echo server for rxws interop tests.

Listens on 127.0.0.1 with an ephemeral port and prints "port N" on the first line of stdout.
With `--tls CERTFILE KEYFILE` first, it also listens with TLS and prints "tls-port M".
Echoes text and binary messages; a text message "close:CODE:REASON" makes it close the
connection with that code and reason instead. When a connection ends it prints
"closed CODE REASON" (the code and reason it received or sent). Offers the subprotocols given as
the remaining arguments. Exits when stdin is closed (so it never outlives the test that started it).

The request's query string selects what the interop table (spec/interop/scenarios.ts) needs:
  frag=N            echo in frames of at most N bytes (N characters for text)
  close=C&reason=R  close with code C and reason R as soon as the connection opens
  ping=P            ping with payload P on open; once the pong arrives, send the text "pong:P"
  id=X              when the connection ends, print "record {json}" with what the server saw
Every 101 carries "x-server-hello: hello from the server".

Works with websockets 10.x (Debian bookworm) and later.
"""
import asyncio
import hashlib
import json
import ssl
import sys
from urllib.parse import parse_qs, urlsplit

import websockets


def summarise(message):
    raw = message.encode("utf-8") if isinstance(message, str) else bytes(message)
    out = {"type": "text" if isinstance(message, str) else "binary", "length": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
    if isinstance(message, str) and len(raw) <= 256:
        out["text"] = message
    return out


def fragments(message, size):
    if len(message) == 0:
        return [message]
    return [message[i:i + size] for i in range(0, len(message), size)]


async def handler(ws, path=None):
    path = path if path is not None else ws.path
    query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
    record = {
        "protocol": ws.subprotocol,
        "clientHello": ws.request_headers.get("x-client-hello"),
        "received": [],
        "pong": None,
    }
    frag = int(query["frag"]) if "frag" in query else None
    try:
        if "close" in query:
            await ws.close(int(query["close"]), query.get("reason", ""))
        if "ping" in query:
            waiter = await ws.ping(query["ping"].encode("utf-8"))
            await asyncio.wait_for(waiter, 5)
            # websockets resolves the waiter only for a pong that matches the ping's payload
            record["pong"] = query["ping"]
            await ws.send("pong:" + query["ping"])
        async for message in ws:
            record["received"].append(summarise(message))
            if isinstance(message, str) and message.startswith("close:"):
                _, code, reason = message.split(":", 2)
                await ws.close(int(code), reason)
                break
            await ws.send(fragments(message, frag) if frag else message)
    except websockets.exceptions.ConnectionClosed:
        pass
    await ws.wait_closed()
    print(f"closed {ws.close_code} {ws.close_reason}", flush=True)
    if "id" in query:
        record["close"] = {"code": ws.close_code, "reason": ws.close_reason}
        print("record " + json.dumps({"id": query["id"], "record": record}), flush=True)


async def main():
    args = sys.argv[1:]
    tls = None
    if args[:1] == ["--tls"]:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args[1], args[2])
        args = args[3:]
    protocols = args or None
    options = dict(subprotocols=protocols, max_size=None, compression=None, extra_headers=[("x-server-hello", "hello from the server")])
    async with websockets.serve(handler, "127.0.0.1", 0, **options) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"port {port}", flush=True)
        if tls is not None:
            secure = await websockets.serve(handler, "127.0.0.1", 0, ssl=tls, **options)
            print(f"tls-port {next(iter(secure.sockets)).getsockname()[1]}", flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)
        if tls is not None:
            secure.close()
            await secure.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
