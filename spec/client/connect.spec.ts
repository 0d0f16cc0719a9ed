import { firstValueFrom } from 'rxjs';
import * as net from 'node:net';
import { WebSocketServer as WsServer, type WebSocket as WsSocket } from 'ws';
import { connect, openConnection } from '../../src/client/connect';
import { resolveTarget } from '../../src/client/connect-target';
import { ClientConnection } from '../../src/client/client-connection';
import { HandshakeError, NetworkError, RxwsError, TimeoutError, UsageError } from '../../src/errors';
import type { CloseMessage } from '../../src/rx/message';
import type { UpgradeRequest } from '../../src/rx/upgrade-request';
import { reject } from '../../src/server/accept';
import type { Connection } from '../../src/rx/connection';
import { startEchoServer } from '../helpers/echo-server';
import { FrameReader } from '../helpers/raw-peer';
import { onRequest, startRawServer, switchingProtocols, type RawServer } from '../helpers/raw-server';
import { makeTestCert, type TestCert } from '../helpers/test-cert';
import { bytesOf, delay, eventually, failureOf, subscribeTo, textOf } from './connect-helpers';

const SIZES = [0, 125, 126, 65535, 65536, 1024 * 1024, 16 * 1024 * 1024];

/** Servers and clients a test opened; all closed after it, whatever happened. */
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function rxwsEcho(routeOptions: Parameters<typeof startEchoServer>[1] = {}) {
  const echo = await startEchoServer({}, routeOptions);
  cleanups.push(() => echo.server.close({ timeoutMs: 500 }));
  return echo;
}

async function wsEcho(options: ConstructorParameters<typeof WsServer>[0] = {}) {
  const server = new WsServer({ port: 0, host: '127.0.0.1', ...options });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const sockets = new Set<WsSocket>();
  const requests: Array<{ headers: Record<string, unknown>; url: string | undefined }> = [];
  server.on('connection', (ws, req) => {
    sockets.add(ws);
    requests.push({ headers: req.headers, url: req.url });
    ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
    ws.on('close', () => sockets.delete(ws));
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets) ws.terminate();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as net.AddressInfo;
  return { server, port, url: `ws://127.0.0.1:${port}/`, requests };
}

async function rawServer(onSocket?: (socket: net.Socket) => void): Promise<RawServer> {
  const server = await startRawServer(onSocket);
  cleanups.push(() => server.close());
  return server;
}

/** Opens a connection through connect() and keeps the subscription for the test. */
async function open(url: string, options?: Parameters<typeof connect>[1]): Promise<ClientConnection> {
  const s = subscribeTo(connect(url, options));
  cleanups.push(() => s.subscription.unsubscribe());
  return s.opened;
}

describe('connect(): targets and options (checked when connect() is called)', () => {
  it('RFC 6455 §3: ws and wss URLs with default ports and paths; http/https are mapped', () => {
    expect(resolveTarget('ws://example.com')).toEqual({ host: 'example.com', port: 80, secure: false, path: '/', hostHeader: 'example.com' });
    expect(resolveTarget('wss://example.com/chat')).toEqual({ host: 'example.com', port: 443, secure: true, path: '/chat', hostHeader: 'example.com' });
    expect(resolveTarget('http://example.com:8080/a')).toMatchObject({ port: 8080, secure: false, hostHeader: 'example.com:8080' });
    expect(resolveTarget('https://example.com')).toMatchObject({ port: 443, secure: true });
    expect(resolveTarget(new URL('wss://example.com:443/x'))).toMatchObject({ port: 443, hostHeader: 'example.com' });
  });

  it('RFC 6455 §3: the query is kept in the request target', () => {
    expect(resolveTarget('ws://h/chat?room=1&x=%20')).toMatchObject({ path: '/chat?room=1&x=%20' });
  });

  it('RFC 6455 §3: a fragment is rejected, even an empty one', () => {
    expect(() => resolveTarget('ws://h/chat#top')).toThrow(UsageError);
    expect(() => resolveTarget('ws://h/chat#')).toThrow(/fragment/);
    expect(() => resolveTarget({ host: 'h', path: '/a#b' })).toThrow(/fragment/);
  });

  it('IPv6 literals: dialed without brackets, sent in the Host header with them', () => {
    expect(resolveTarget('ws://[::1]:9000/')).toEqual({ host: '::1', port: 9000, secure: false, path: '/', hostHeader: '[::1]:9000' });
    expect(resolveTarget({ host: '::1' })).toMatchObject({ host: '::1', hostHeader: '[::1]' });
    expect(resolveTarget({ host: '[::1]', port: 443, secure: true })).toMatchObject({ host: '::1', hostHeader: '[::1]' });
  });

  it('object targets: defaults port 80 (443 when secure) and path /', () => {
    expect(resolveTarget({ host: 'h' })).toEqual({ host: 'h', port: 80, secure: false, path: '/', hostHeader: 'h' });
    expect(resolveTarget({ host: 'h', secure: true, port: 8443, path: '/p?q' })).toEqual({ host: 'h', port: 8443, secure: true, path: '/p?q', hostHeader: 'h:8443' });
  });

  it('bad targets throw a UsageError', () => {
    for (const bad of ['ftp://h/', 'not a url', 'ws://user:pw@h/', { host: '' }, { host: 'h', port: 0 }, { host: 'h', path: 'x' }, { host: 'h', extra: 1 }]) {
      expect(() => resolveTarget(bad as never)).toThrow(UsageError);
    }
  });

  it('DESIGN §3: unknown or bad options throw when connect() is called, before any subscription', () => {
    expect(() => connect('ws://127.0.0.1:1/', { handshakeTimeout: 5 } as never)).toThrow(/unknown client option 'handshakeTimeout'/);
    expect(() => connect('ws://127.0.0.1:1/', { handshakeTimeoutMs: 0 })).toThrow(UsageError);
    expect(() => connect('ws://127.0.0.1:1/', { protocols: ['a b'] })).toThrow(UsageError);
    expect(() => connect('ws://127.0.0.1:1/', { protocols: ['a', 'a'] })).toThrow(UsageError);
    expect(() => connect('ws://127.0.0.1:1/', { tls: {} })).toThrow(UsageError);
    expect(() => connect('ws://127.0.0.1:1/', { tls: {} })).toThrow(/wss/);
  });

  it('RELIABILITY 28: CR, LF or NUL in a header throws at connect() time, and nothing is dialed', async () => {
    const server = await rawServer();
    for (const value of ['a\r\nx-injected: 1', 'a\nb', 'a\0b']) {
      expect(() => connect(server.url, { headers: { 'x-token': value } })).toThrow(UsageError);
    }
    expect(() => connect(server.url, { origin: 'http://a\r\n' })).toThrow(UsageError);
    expect(() => connect(server.url, { headers: { 'sec-websocket-key': 'x' } })).toThrow(/reserved|cannot be overridden/);
    await delay(50);
    expect(server.sockets).toHaveLength(0);
  });

  it('is cold: nothing is dialed until subscribe, and every subscription sends a fresh key (RFC 6455 §4.1)', async () => {
    const keys: string[] = [];
    const server = await rawServer((socket) => onRequest(socket, (req) => keys.push(req.key)));
    const source = connect(server.url, { handshakeTimeoutMs: 5000 });
    await delay(50);
    expect(server.sockets).toHaveLength(0);
    const a = source.subscribe({ error: () => undefined });
    const b = source.subscribe({ error: () => undefined });
    await eventually(() => keys.length === 2);
    expect(keys[0]).not.toBe(keys[1]);
    expect(Buffer.from(keys[0]!, 'base64')).toHaveLength(16);
    a.unsubscribe();
    b.unsubscribe();
  });
});

describe.each([
  ['rxws server', () => rxwsEcho()],
  ['ws server', () => wsEcho()],
])('connect(): echo against the %s', (_name, start) => {
  it.each(SIZES)('RFC 6455 §5.2: text and binary of %i bytes come back intact', async (size) => {
    const { url } = await start();
    const conn = await open(url);
    const text = textOf(size);
    conn.sink.next(text);
    const echoedText = await conn.waitForMessage('text', { timeoutMs: 20_000 });
    expect(echoedText.data.length).toBe(text.length);
    expect(echoedText.data === text).toBe(true);
    const bytes = bytesOf(size);
    await conn.send(bytes);
    const echoed = await conn.waitForMessage('binary', { timeoutMs: 20_000 });
    expect(Buffer.compare(Buffer.from(echoed.data), bytes)).toBe(0);
    const close = await conn.close(1000);
    expect(close.code).toBe(1000);
  }, 60_000);
});

describe('connect(): the handshake against real servers', () => {
  it('RFC 6455 §4.1: custom headers, origin and the query reach the rxws server; conn.request says what was sent', async () => {
    let seen: UpgradeRequest | undefined;
    const { port } = await rxwsEcho({ accept: (request) => void (seen = request) });
    const conn = await open(`ws://127.0.0.1:${port}/?room=7`, {
      headers: { authorization: 'Bearer abc', cookie: 'id=1', 'x-many': ['a', 'b'] },
      origin: 'https://app.example',
    });
    expect(seen!.headers['authorization']).toBe('Bearer abc');
    expect(seen!.headers['cookie']).toBe('id=1');
    expect(seen!.origin).toBe('https://app.example');
    expect(seen!.query).toBe('room=7');
    expect(conn.request).toMatchObject({ method: 'GET', url: '/?room=7', path: '/', query: 'room=7', host: `127.0.0.1:${port}`, origin: 'https://app.example', secure: false });
    expect(conn.request.headers['authorization']).toBe('Bearer abc');
    expect(conn.request.remotePort).toBe(port);
    expect(conn.response?.status).toBe(101);
    expect(conn.response?.headers['upgrade']).toBe('websocket');
  });

  it('custom headers reach the ws server too', async () => {
    const { url, requests } = await wsEcho();
    await open(url, { headers: { authorization: 'Basic eDp5', 'x-num': 42 } });
    expect(requests[0]!.headers['authorization']).toBe('Basic eDp5');
    expect(requests[0]!.headers['x-num']).toBe('42');
  });

  it('RFC 6455 §4.1 item 10 / §4.2.2: the rxws server picks one of the offered subprotocols', async () => {
    const { url } = await rxwsEcho({ protocols: ['chat.v2', 'chat.v1'] });
    const conn = await open(url, { protocols: ['chat.v1', 'other'] });
    expect(conn.protocol).toBe('chat.v1');
    expect(conn.response?.protocol).toBe('chat.v1');
    expect(conn.request.protocols).toEqual(['chat.v1', 'other']);
  });

  it('the ws server picks a subprotocol too; none offered means none chosen', async () => {
    const { url } = await wsEcho({ handleProtocols: (protocols) => (protocols.has('b') ? 'b' : false) });
    expect((await open(url, { protocols: ['a', 'b'] })).protocol).toBe('b');
    expect((await open(url)).protocol).toBeUndefined();
  });

  it('RELIABILITY 26: a server that picks a subprotocol we did not offer fails the handshake (HandshakeError, status 101)', async () => {
    const server = await rawServer((socket) => onRequest(socket, (req) => socket.write(switchingProtocols(req.key, ['Sec-WebSocket-Protocol: evil']))));
    const error = await failureOf(connect(server.url, { protocols: ['chat'] }));
    expect(error).toBeInstanceOf(HandshakeError);
    expect(error).toMatchObject({ code: 'unoffered_protocol', status: 101 });
    await eventually(() => server.sockets[0]!.destroyed || server.sockets[0]!.readableEnded);
  });

  it('RELIABILITY 26: an extension we did not offer fails the handshake', async () => {
    const server = await rawServer((socket) => onRequest(socket, (req) => socket.write(switchingProtocols(req.key, ['Sec-WebSocket-Extensions: permessage-deflate']))));
    // permessage-deflate is offered by default (docs/compression.md): turned off, it is unoffered.
    expect(await failureOf(connect(server.url, { perMessageDeflate: false }))).toMatchObject({ code: 'unoffered_extension', status: 101 });
    const other = await rawServer((socket) => onRequest(socket, (req) => socket.write(switchingProtocols(req.key, ['Sec-WebSocket-Extensions: x-webkit-deflate-frame']))));
    expect(await failureOf(connect(other.url))).toMatchObject({ code: 'unoffered_extension', status: 101 });
  });

  it('RFC 6455 §4.1: a wrong Sec-WebSocket-Accept, or a 101 without Upgrade, fails the handshake', async () => {
    const wrongAccept = await rawServer((socket) => onRequest(socket, () => socket.write(switchingProtocols('dGhlIHNhbXBsZSBub25jZQ=='))));
    expect(await failureOf(connect(wrongAccept.url))).toMatchObject({ code: 'bad_accept', status: 101 });
    const noUpgrade = await rawServer((socket) =>
      onRequest(socket, (req) => socket.write(switchingProtocols(req.key).replace('Upgrade: websocket\r\n', ''))),
    );
    expect(await failureOf(connect(noUpgrade.url))).toMatchObject({ code: 'bad_upgrade', status: 101 });
  });

  it('RELIABILITY 23 (client side): the response head is bounded by maxHeaderBytes and maxHeaderCount', async () => {
    const huge = await rawServer((socket) => onRequest(socket, (req) => socket.write(switchingProtocols(req.key, [`X-Big: ${'a'.repeat(20_000)}`]))));
    expect(await failureOf(connect(huge.url))).toMatchObject({ code: 'bad_response', status: 0 });
    const many = await rawServer((socket) =>
      onRequest(socket, (req) => socket.write(switchingProtocols(req.key, Array.from({ length: 20 }, (_, i) => `X-${i}: ${i}`)))),
    );
    expect(await failureOf(connect(many.url, { maxHeaderCount: 10 }))).toMatchObject({ code: 'bad_response' });
    const conn = await open(many.url, { maxHeaderCount: 30 });
    expect(conn.response?.headers['x-19']).toBe('19');
  });

  it('a response that is not HTTP fails with a HandshakeError (status 0) without echoing its bytes', async () => {
    const server = await rawServer((socket) => onRequest(socket, () => socket.write('SSH-2.0-OpenSSH\r\n\r\n')));
    const error = (await failureOf(connect(server.url))) as HandshakeError;
    expect(error).toBeInstanceOf(HandshakeError);
    expect(error).toMatchObject({ code: 'bad_response', status: 0 });
    expect(error.message).not.toContain('OpenSSH');
  });

  it.each([
    [401, () => reject(401, 'log in', { 'www-authenticate': 'Basic' }), 'log in', { 'www-authenticate': 'Basic' }],
    [403, () => reject(403, 'go away'), 'go away', {}],
    [500, () => { throw new Error('hook bug'); }, undefined, {}],
  ] as const)('RFC 6455 §4.1: a %i refusal gives a HandshakeError with its status, headers and body', async (status, accept, body, headers) => {
    const { url, server } = await rxwsEcho({ accept: accept as never });
    server.errors$.subscribe(() => undefined);
    const error = (await failureOf(connect(url))) as HandshakeError;
    expect(error).toBeInstanceOf(HandshakeError);
    expect(error).toMatchObject({ code: 'unexpected_status', status });
    expect(error.headers).toMatchObject(headers);
    if (body !== undefined) expect(error.body).toBe(body);
    else expect(error.body.length).toBeGreaterThan(0);
  });

  it('RFC 6455 §4.1: a 404 for an unknown path, with the body', async () => {
    const { port } = await rxwsEcho();
    const error = (await failureOf(connect(`ws://127.0.0.1:${port}/nowhere`))) as HandshakeError;
    expect(error).toMatchObject({ status: 404, code: 'unexpected_status' });
    expect(typeof error.body).toBe('string');
  });

  it('the ws server refusing with 401 from verifyClient gives the status', async () => {
    const { url } = await wsEcho({ verifyClient: (_info: unknown, done: (ok: boolean, code?: number, message?: string) => void) => done(false, 401, 'Unauthorized') } as never);
    expect(await failureOf(connect(url))).toMatchObject({ status: 401 });
  });

  it('a refusal body is read per Content-Length, chunked framing, or until close, and bounded to 64 KiB', async () => {
    const answers = [
      'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 5\r\nRetry-After: 3\r\n\r\nbusy!and more that is not body',
      'HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n',
      `HTTP/1.1 502 Bad Gateway\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\n${'z'.repeat(2 * 1024 * 1024)}`,
    ];
    let n = 0;
    // The first two answers keep the socket open: the body framing alone must end the read.
    const server = await rawServer((socket) => onRequest(socket, () => socket.write(answers[n++]!)));
    const [a, b, c] = [await failureOf(connect(server.url)), await failureOf(connect(server.url)), await failureOf(connect(server.url))] as HandshakeError[];
    expect(a).toMatchObject({ status: 503, body: 'busy!' });
    expect(a!.headers['retry-after']).toBe('3');
    expect(b).toMatchObject({ status: 500, body: 'abcdefg' });
    expect(c!.status).toBe(502);
    expect(c!.body.length).toBe(64 * 1024);
    const untilClose = await rawServer((socket) => onRequest(socket, () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\nno length')));
    expect(await failureOf(connect(untilClose.url))).toMatchObject({ status: 400, body: 'no length' });
  });

  it('1xx, 204 and 304 refusals have no body: the HandshakeError comes at once, while the server keeps the socket open', async () => {
    for (const status of ['102 Processing', '204 No Content', '304 Not Modified']) {
      const server = await rawServer((socket) => onRequest(socket, () => socket.write(`HTTP/1.1 ${status}\r\nContent-Length: 10\r\n\r\n`)));
      const started = Date.now();
      const error = (await failureOf(connect(server.url, { handshakeTimeoutMs: 5000 }))) as HandshakeError;
      expect(error).toBeInstanceOf(HandshakeError);
      expect(error).toMatchObject({ status: Number(status.slice(0, 3)), body: '' });
      expect(Date.now() - started).toBeLessThan(1000);
    }
  });

  it('a refusal whose body is still coming at handshakeTimeoutMs fails with that HandshakeError and the body read so far', async () => {
    const server = await rawServer((socket) => onRequest(socket, () => socket.write('HTTP/1.1 503 Busy\r\nContent-Length: 100\r\n\r\npartial')));
    const error = await failureOf(connect(server.url, { handshakeTimeoutMs: 200 }));
    expect(error).toBeInstanceOf(HandshakeError);
    expect(error).toMatchObject({ status: 503, body: 'partial' });
  });

  it('RELIABILITY 27: a server that accepts TCP but never answers → TimeoutError at handshakeTimeoutMs, socket destroyed', async () => {
    const server = await rawServer((socket) => socket.resume()); // reads, never answers
    const started = Date.now();
    const error = await failureOf(connect(server.url, { handshakeTimeoutMs: 200 }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'timeout', timeoutMs: 200 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(Date.now() - started).toBeLessThan(2000);
    await eventually(() => server.sockets[0]!.readableEnded || server.sockets[0]!.destroyed);
  });

  it('RELIABILITY 27: a response head dribbled one byte at a time times out the same way', async () => {
    const timers: NodeJS.Timeout[] = [];
    const server = await rawServer((socket) =>
      onRequest(socket, (req) => {
        const bytes = switchingProtocols(req.key);
        let i = 0;
        const tick = () => {
          if (socket.destroyed || i >= bytes.length) return;
          socket.write(bytes[i++]!);
          timers.push(setTimeout(tick, 50));
        };
        tick();
      }),
    );
    cleanups.push(() => timers.forEach(clearTimeout));
    expect(await failureOf(connect(server.url, { handshakeTimeoutMs: 300 }))).toBeInstanceOf(TimeoutError);
  });

  it('a refused TCP connection → NetworkError with the cause', async () => {
    const server = await rawServer();
    const port = server.port;
    await server.close();
    const error = (await failureOf(connect(`ws://127.0.0.1:${port}/`))) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.code).toBe('network');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('a reset during the handshake → NetworkError', async () => {
    const server = await rawServer((socket) => onRequest(socket, () => socket.resetAndDestroy()));
    expect(await failureOf(connect(server.url))).toBeInstanceOf(NetworkError);
  });

  it('a server that closes without answering → NetworkError', async () => {
    const server = await rawServer((socket) => onRequest(socket, () => socket.end()));
    expect(await failureOf(connect(server.url))).toBeInstanceOf(NetworkError);
  });

  it('an unknown host → NetworkError', async () => {
    const error = await failureOf(connect('ws://rxws-no-such-host.invalid/', { handshakeTimeoutMs: 5000 }));
    expect(error instanceof NetworkError || error instanceof TimeoutError).toBe(true);
  }, 10_000);

  it('RFC 6455 §5.1: bytes that came with the 101 are read as frames (conn.head)', async () => {
    const frame = Buffer.from([0x81, 0x02, 0x68, 0x69]); // unmasked text "hi"
    const server = await rawServer((socket) => onRequest(socket, (req) => socket.write(Buffer.concat([Buffer.from(switchingProtocols(req.key)), frame]))));
    const conn = await open(server.url);
    expect(await conn.waitForMessage('text', { timeoutMs: 2000 })).toEqual({ type: 'text', data: 'hi' });
  });

  it('RELIABILITY 3: a masked frame from the server → the client fails the connection with 1002', async () => {
    const received: number[] = [];
    const server = await rawServer((socket) =>
      onRequest(socket, (req) => {
        const reader = new FrameReader();
        // Like a real server (RFC 6455 §7.1.1), close TCP once the client's close frame arrives:
        // a client that failed the connection waits for that.
        socket.on('data', (chunk: Buffer) =>
          reader.push(chunk).forEach((f) => {
            if (f.opcode !== 8) return;
            received.push(f.payload.readUInt16BE(0));
            socket.end();
          }),
        );
        // A masked text frame "hi" (mask key 1,2,3,4).
        socket.write(switchingProtocols(req.key));
        setImmediate(() => socket.write(Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x68 ^ 1, 0x69 ^ 2])));
      }),
    );
    const s = subscribeTo(connect(server.url));
    cleanups.push(() => s.subscription.unsubscribe());
    const conn = await s.opened;
    const close = await conn.waitForMessage('close', { timeoutMs: 2000 });
    expect(close.code).toBe(1002);
    await eventually(() => received.length === 1);
    expect(received).toEqual([1002]);
    expect(await s.ended).toEqual({ completed: true });
  });
});

describe('connect(): lifetime of the Observable', () => {
  it('completes when the connection has closed (so repeat/retry compose)', async () => {
    const { url } = await rxwsEcho();
    const s = subscribeTo(connect(url));
    const conn = await s.opened;
    await conn.close(1000);
    expect(await s.ended).toEqual({ completed: true });
  });

  it('unsubscribing before open aborts: the socket is destroyed and no timer is left', async () => {
    const server = await rawServer((socket) => socket.resume());
    const s = subscribeTo(connect(server.url, { handshakeTimeoutMs: 60_000 }));
    const socket = await server.nextSocket();
    s.subscription.unsubscribe();
    await eventually(() => socket.readableEnded || socket.destroyed);
    // The 60 s handshake timer was cleared: --detectOpenHandles and jest's exit would say otherwise.
  });

  it('unsubscribing after open closes cleanly with 1000 (the server sees it)', async () => {
    const closes: CloseMessage[] = [];
    const { url } = await rxwsEcho({ handle: (c: Connection) => void c.closed$.subscribe((m) => closes.push(m)) });
    const s = subscribeTo(connect(url));
    const conn = await s.opened;
    s.subscription.unsubscribe();
    const close = await firstValueFrom(conn.closed$);
    expect(close).toMatchObject({ code: 1000, wasClean: true });
    await eventually(() => closes.length === 1);
    expect(closes[0]).toMatchObject({ code: 1000, wasClean: true });
  });

  it('RFC 6455 §7.4: close codes both ways — ours reaches the server, the server\'s reaches us', async () => {
    const serverSide: Connection[] = [];
    const closes: CloseMessage[] = [];
    const { url } = await rxwsEcho({
      handle: (c: Connection) => {
        serverSide.push(c);
        c.closed$.subscribe((m) => closes.push(m));
      },
    });
    const a = await open(url);
    await a.close(4001, 'client bye');
    await eventually(() => closes.length === 1);
    expect(closes[0]).toMatchObject({ code: 4001, reason: 'client bye', wasClean: true });
    expect(a.localCloseCode).toBe(4001);

    const s = subscribeTo(connect(url));
    const b = await s.opened;
    await eventually(() => serverSide.length === 2);
    void serverSide[1]!.close(4002, 'server bye');
    const close = await b.waitForMessage('close', { timeoutMs: 2000 });
    expect(close).toMatchObject({ code: 4002, reason: 'server bye', wasClean: true });
    expect(b.localCloseCode).toBeUndefined();
    expect(await s.ended).toEqual({ completed: true });
  });

  it('RFC 6455 §5.5.2: ping resolves with the pong and a round-trip time (rxws and ws servers)', async () => {
    for (const { url } of [await rxwsEcho(), await wsEcho()]) {
      const conn = await open(url);
      const { data, rttMs } = await conn.ping('rtt?', { timeoutMs: 2000 });
      expect(Buffer.from(data).toString()).toBe('rtt?');
      expect(rttMs).toBeGreaterThanOrEqual(0);
      expect(rttMs).toBeLessThan(2000);
    }
  });

  it('firstValueFrom(connect(url)) unsubscribes on the first value, which closes the connection: use openConnection()', async () => {
    const { url } = await rxwsEcho();
    const conn = await firstValueFrom(connect(url));
    expect(conn.state).not.toBe('open');
    expect((await firstValueFrom(conn.closed$)).code).toBe(1000);
  });

  it('openConnection() resolves with a connection the caller owns, and rejects with typed errors', async () => {
    const { url } = await rxwsEcho();
    const conn = await openConnection(url);
    cleanups.push(() => conn.terminate());
    await delay(20);
    expect(conn.state).toBe('open');
    conn.sink.next('still here');
    expect((await conn.waitForMessage('text', { timeoutMs: 2000 })).data).toBe('still here');
    await conn.close();
    const server = await rawServer();
    await server.close();
    await expect(openConnection(server.url)).rejects.toBeInstanceOf(NetworkError);
  });

  it('every failure is a typed RxwsError', async () => {
    const server = await rawServer();
    const error = await failureOf(connect(server.url, { handshakeTimeoutMs: 50 }));
    expect(error).toBeInstanceOf(RxwsError);
  });
});

describe('connect(): wss:// (RFC 6455 §4.1 item 5, TLS)', () => {
  let cert: TestCert;
  beforeAll(() => {
    cert = makeTestCert();
  });

  async function tlsEcho() {
    const echo = await startEchoServer({ tls: { key: cert.key, cert: cert.cert } });
    cleanups.push(() => echo.server.close({ timeoutMs: 500 }));
    return echo;
  }

  it('connects to wss://localhost with the test certificate trusted through `ca`, and echoes', async () => {
    const { port } = await tlsEcho();
    const conn = await open(`wss://localhost:${port}/`, { tls: { ca: cert.cert } });
    expect(conn.request.secure).toBe(true);
    conn.sink.next('over tls');
    expect((await conn.waitForMessage('text', { timeoutMs: 2000 })).data).toBe('over tls');
  });

  it('connects to wss://127.0.0.1 (IP SAN, no SNI for an IP literal)', async () => {
    const { port } = await tlsEcho();
    const conn = await open(`wss://127.0.0.1:${port}/`, { tls: { ca: cert.cert } });
    await conn.close();
  });

  it('rejects the self-signed certificate without `ca` → NetworkError with the TLS cause', async () => {
    const { port } = await tlsEcho();
    const error = (await failureOf(connect(`wss://localhost:${port}/`))) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toMatch(/tls/);
    expect((error.cause as NodeJS.ErrnoException).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
  });

  it('rejects a certificate for another name → NetworkError', async () => {
    const { port } = await tlsEcho();
    const error = (await failureOf(connect(`wss://127.0.0.1:${port}/`, { tls: { ca: cert.cert, servername: 'example.com' } }))) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
  });
});
