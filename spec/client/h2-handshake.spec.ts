// connect(url, { http2 }) against real servers: an rxws server on node:http2, a bare http2
// server that answers CONNECT by hand, and an HTTPS server that only speaks HTTP/1.1.
import * as http2 from 'node:http2';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { firstValueFrom } from 'rxjs';
import { HandshakeError, Http2UnsupportedError, TimeoutError, UsageError, WebSocketServer, connect, ofData, openConnection, reject } from '../../src';
import { h2Sessions } from '../../src/client/h2-session-pool';
import { startH2Server, testCert, type H2Server } from '../helpers/h2';

const TLS = { rejectUnauthorized: false };

describe('connect() over HTTP/2', () => {
  let h2: H2Server;
  let wss: WebSocketServer;

  beforeEach(async () => {
    h2 = await startH2Server();
    wss = new WebSocketServer({ server: h2.server });
    wss.route({ path: '/echo', protocols: ['chat'], perMessageDeflate: true, handle: (conn) => void conn.messages$.pipe(ofData()).subscribe((d) => conn.sink.next(d)) });
    wss.route({ path: '/private', accept: () => reject(401, 'who are you', { 'www-authenticate': 'Bearer' }) });
  });

  afterEach(async () => {
    await wss.close({ timeoutMs: 200 });
    await h2.close();
    expect(h2Sessions.size).toBe(0);
  });

  it('opens a WebSocket as an extended CONNECT and says so on request and response', async () => {
    const conn = await openConnection(`wss://127.0.0.1:${h2.port}/echo?x=1`, { http2: true, tls: TLS, protocols: ['chat'], headers: { authorization: 'Bearer t' } });
    expect(conn.request).toMatchObject({ method: 'CONNECT', path: '/echo', query: 'x=1', secure: true, remoteAddress: '127.0.0.1', remotePort: h2.port });
    expect(conn.request.headers[':protocol']).toBe('websocket');
    expect(conn.request.headers['authorization']).toBe('Bearer t');
    expect(conn.response).toMatchObject({ status: 200, protocol: 'chat' });
    expect(conn.protocol).toBe('chat');
    expect(conn.perMessageDeflate).toBeDefined();
    const big = 'deflate me '.repeat(10_000);
    conn.sink.next(big);
    expect(await conn.waitForMessage('text', { timeoutMs: 2000 })).toMatchObject({ data: big });
    const { rttMs } = await conn.ping('hi');
    expect(rttMs).toBeGreaterThanOrEqual(0);
    expect(await conn.close(1000, 'done')).toMatchObject({ code: 1000, wasClean: true });
  });

  it('a refusal is a HandshakeError with the status, headers and body', async () => {
    const error = await openConnection(`wss://127.0.0.1:${h2.port}/private`, { http2: true, tls: TLS }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandshakeError);
    expect(error).toMatchObject({ code: 'unexpected_status', status: 401, body: 'who are you' });
    expect((error as HandshakeError).headers['www-authenticate']).toBe('Bearer');
  });

  it('fails with Http2UnsupportedError when the server does not enable extended CONNECT, and \'auto\' falls back to HTTP/1.1', async () => {
    // Sessions opened from now on are not offered the setting; HTTP/1.1 upgrades still work.
    h2.server.updateSettings({ enableConnectProtocol: false });
    const error = await openConnection(`wss://127.0.0.1:${h2.port}/echo`, { http2: true, tls: TLS }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Http2UnsupportedError);
    expect(error).toMatchObject({ code: 'http2_unsupported', reason: 'setting' });
    const conn = await openConnection(`wss://127.0.0.1:${h2.port}/echo`, { http2: 'auto', tls: TLS });
    expect(conn.request.method).toBe('GET');
    conn.sink.next('over http/1.1');
    expect(await conn.waitForMessage('text', { timeoutMs: 2000 })).toMatchObject({ data: 'over http/1.1' });
    await conn.close();
  });

  it("'auto' uses HTTP/2 when the server offers it", async () => {
    const conn = await openConnection(`wss://127.0.0.1:${h2.port}/echo`, { http2: 'auto', tls: TLS });
    expect(conn.request.method).toBe('CONNECT');
    await conn.close();
  });

  it('unsubscribing from connect() closes the WebSocket with 1000 and releases the session', async () => {
    const serverClosed: Promise<number>[] = [];
    wss.connections$.subscribe((conn) => serverClosed.push(firstValueFrom(conn.closed$).then((m) => m.code)));
    const conn = await new Promise<import('../../src').ClientConnection>((resolve, fail) => {
      const subscription = connect(`wss://127.0.0.1:${h2.port}/echo`, { http2: true, tls: TLS }).subscribe({
        next: (opened) => {
          resolve(opened);
          setImmediate(() => subscription.unsubscribe());
        },
        error: fail,
      });
    });
    expect(await firstValueFrom(conn.closed$)).toMatchObject({ code: 1000 });
    expect(await serverClosed[0]).toBe(1000);
  });

  it('checks the options and headers at call time', () => {
    expect(() => connect(`wss://127.0.0.1:${h2.port}/echo`, { http2: 'yes' as never })).toThrow(UsageError);
    expect(() => connect(`wss://127.0.0.1:${h2.port}/echo`, { http2: true, headers: { te: 'trailers' } })).toThrow(UsageError);
    expect(() => connect(`wss://127.0.0.1:${h2.port}/echo`, { http2: true, headers: { 'x-a': 'a\r\nb' } })).toThrow(UsageError);
  });
});

describe('connect() over HTTP/2 against hand-made servers', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    expect(h2Sessions.size).toBe(0);
  });

  /** A bare h2c server that offers extended CONNECT and answers each stream with `answer`. */
  async function bareServer(answer: (stream: http2.ServerHttp2Stream) => void): Promise<number> {
    const server = http2.createServer({ settings: { enableConnectProtocol: true } });
    const sessions = new Set<http2.ServerHttp2Session>();
    server.on('session', (s) => sessions.add(s));
    server.on('stream', answer);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => {
      for (const s of sessions) s.destroy();
      server.close(() => resolve());
    }));
    return (server.address() as AddressInfo).port;
  }

  it('fails when the server picks a subprotocol that was not offered', async () => {
    const port = await bareServer((stream) => stream.respond({ ':status': 200, 'sec-websocket-protocol': 'other' }));
    const error = await openConnection(`ws://127.0.0.1:${port}/`, { http2: true, protocols: ['chat'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandshakeError);
    expect(error).toMatchObject({ code: 'unoffered_protocol', status: 200 });
  });

  it('fails when the server accepts an extension that was not offered', async () => {
    const port = await bareServer((stream) => stream.respond({ ':status': 200, 'sec-websocket-extensions': 'x-foo' }));
    const error = await openConnection(`ws://127.0.0.1:${port}/`, { http2: true, perMessageDeflate: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unoffered_extension' });
  });

  it('times out when no answer comes, and cancels the stream', async () => {
    let cancelled: Promise<number> | undefined;
    const port = await bareServer((stream) => {
      cancelled = new Promise((resolve) => stream.once('close', () => resolve(stream.rstCode)));
    });
    const error = await openConnection(`ws://127.0.0.1:${port}/`, { http2: true, handshakeTimeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(await cancelled).toBe(http2.constants.NGHTTP2_CANCEL);
  });

  it('fails with Http2UnsupportedError (alpn) against an HTTP/1.1-only TLS server; \'auto\' then uses HTTP/1.1', async () => {
    const server = https.createServer({ ...testCert() });
    const wss = new WebSocketServer({ server });
    wss.route({ path: '/', handle: (conn) => void conn.messages$.pipe(ofData()).subscribe((d) => conn.sink.next(d)) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(async () => {
      await wss.close({ timeoutMs: 200 });
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const url = `wss://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const error = await openConnection(url, { http2: true, tls: TLS }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'http2_unsupported', reason: 'alpn' });
    const conn = await openConnection(url, { http2: 'auto', tls: TLS });
    expect(conn.request.method).toBe('GET');
    conn.sink.next('fallback');
    expect(await conn.waitForMessage('text', { timeoutMs: 2000 })).toMatchObject({ data: 'fallback' });
    await conn.close();
  });
});
