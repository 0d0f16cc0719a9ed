"""A long-lived Python WebSocket client peer for the rxws interop table.

Usage: python3 python-client-peer.py websockets|autobahn

Reads one JSON command per line on stdin: {"id": N, "url": "...", "cafile": "...", "spec": {...}}
(spec is a SessionSpec, see spec/interop/scenarios.ts), runs that session with the chosen library,
and writes one JSON line per command: {"id": N, "result": {...}} or {"id": N, "error": "..."}.
The first line it prints is "ready LIBRARY VERSION". It exits when stdin closes, so it never
outlives the test that started it. Works with websockets 10.x and autobahn 22.x (Debian bookworm).
"""
import asyncio
import hashlib
import json
import ssl
import sys

LIBRARY = sys.argv[1] if len(sys.argv) > 1 else "websockets"

_BLOCK = bytes((i * 31 + 7) & 0xFF for i in range(256))


def binary_payload(size):
    # byte i is (i*31 + 7) mod 256: a period of 256, so repeat one block
    return (_BLOCK * (size // 256 + 1))[:size]


def text_payload(size):
    # 'abcdefghij€' is 13 UTF-8 bytes; pad with 'x' to exactly `size` bytes
    whole = "abcdefghij\u20ac" * (size // 13)
    return whole + "x" * (size - 13 * (size // 13))


def summarise(kind, data):
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    out = {"type": kind, "length": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
    if kind == "text" and len(raw) <= 256:
        out["text"] = raw.decode("utf-8")
    return out


def close_of(spec):
    close = spec.get("close")
    if close == "server":
        return None
    return close or {"code": 1000, "reason": ""}


def ssl_context(spec, cafile):
    if not spec.get("secure"):
        return None
    return ssl.create_default_context(cafile=cafile)


def text_chunks(text, fragment_bytes):
    # websockets fragments a str message only at character boundaries; ~fragment_bytes each
    chunks, current, size = [], [], 0
    for ch in text:
        n = len(ch.encode("utf-8"))
        if size + n > fragment_bytes and current:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(ch)
        size += n
    chunks.append("".join(current))
    return chunks


async def run_websockets(url, spec, cafile):
    import websockets

    ws = await websockets.connect(
        url,
        subprotocols=spec.get("protocols"),
        extra_headers=spec.get("headers") or {},
        ssl=ssl_context(spec, cafile),
        max_size=None,
        compression=None,
    )
    try:
        for send in spec["sends"]:
            frag = send.get("fragmentBytes")
            if send["kind"] == "text":
                data = text_payload(send["size"])
                await ws.send(text_chunks(data, frag) if frag else data)
            else:
                data = binary_payload(send["size"])
                await ws.send([data[i:i + frag] for i in range(0, len(data), frag)] if frag else data)
        result = {"protocol": ws.subprotocol, "received": []}
        for _ in range(spec["expect"]):
            message = await ws.recv()
            result["received"].append(summarise("text" if isinstance(message, str) else "binary", message))
        if spec.get("readHeader"):
            result["header"] = ws.response_headers.get(spec["readHeader"])
        if spec.get("ping") is not None:
            waiter = await ws.ping(spec["ping"].encode("utf-8"))
            await asyncio.wait_for(waiter, 5)
            # websockets resolves the waiter only for a pong whose payload matches the ping
            result["pong"] = spec["ping"]
        close = close_of(spec)
        if close is None:
            await asyncio.wait_for(ws.wait_closed(), 10)
        else:
            await ws.close(close["code"], close["reason"])
        result["close"] = {"code": ws.close_code, "reason": ws.close_reason}
        return result
    finally:
        if not ws.closed:
            ws.transport.abort()


async def run_autobahn(url, spec, cafile):
    from autobahn.asyncio.websocket import WebSocketClientFactory, WebSocketClientProtocol
    from autobahn.websocket.util import parse_url

    loop = asyncio.get_running_loop()
    done = loop.create_future()
    state = {"protocol": None, "received": [], "closing": False}

    class Peer(WebSocketClientProtocol):
        def onConnect(self, response):
            state["protocol"] = response.protocol
            if spec.get("readHeader"):
                state["header"] = response.headers.get(spec["readHeader"])

        def finish(self):
            if spec.get("ping") is not None and "pong" not in state:
                self.sendPing(spec["ping"].encode("utf-8"))
                return
            close = close_of(spec)
            if close is not None and not state["closing"]:
                state["closing"] = True
                self.sendClose(close["code"], close["reason"])

        def onOpen(self):
            for send in spec["sends"]:
                frag = send.get("fragmentBytes") or 0
                if send["kind"] == "text":
                    self.sendMessage(text_payload(send["size"]).encode("utf-8"), isBinary=False, fragmentSize=frag or None)
                else:
                    self.sendMessage(binary_payload(send["size"]), isBinary=True, fragmentSize=frag or None)
            if spec["expect"] == 0:
                self.finish()

        def onMessage(self, payload, isBinary):
            state["received"].append(summarise("binary" if isBinary else "text", payload if isBinary else payload.decode("utf-8")))
            if len(state["received"]) == spec["expect"]:
                self.finish()

        def onPong(self, payload):
            state["pong"] = payload.decode("utf-8")
            self.finish()

        def onClose(self, wasClean, code, reason):
            if not done.done():
                done.set_result({"code": code, "reason": reason or ""})

    factory = WebSocketClientFactory(url, protocols=spec.get("protocols") or [], headers=spec.get("headers") or {})
    factory.protocol = Peer
    factory.setProtocolOptions(maxMessagePayloadSize=0, maxFramePayloadSize=0, autoFragmentSize=0, closeHandshakeTimeout=5, openHandshakeTimeout=10)
    _secure, host, port, _resource, _path, _params = parse_url(url)
    transport, _ = await loop.create_connection(factory, host, port, ssl=ssl_context(spec, cafile))
    try:
        close = await asyncio.wait_for(done, 60)
    finally:
        transport.abort()
    result = {"protocol": state["protocol"], "received": state["received"], "close": close}
    for key in ("header", "pong"):
        if key in state:
            result[key] = state[key]
    return result


def version():
    if LIBRARY == "autobahn":
        import autobahn

        return autobahn.__version__
    import websockets

    return websockets.__version__


async def main():
    run = run_autobahn if LIBRARY == "autobahn" else run_websockets
    print(f"ready {LIBRARY} {version()}", flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            return
        command = json.loads(line)
        try:
            reply = {"id": command["id"], "result": await run(command["url"], command["spec"], command.get("cafile"))}
        except Exception as error:  # reported to the test, which fails with it
            reply = {"id": command["id"], "error": f"{type(error).__name__}: {error}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
