// The client's HTTP/2 sessions (RFC 8441): every WebSocket to one origin is a stream of one
// shared session, which closes with its last WebSocket. Real rxws server, real sockets.
import * as http2 from 'node:http2';
import { firstValueFrom } from 'rxjs';
import { WebSocketServer, ofData, openConnection, type ClientConnection, type Connection } from '../../src';
import { h2Sessions, tlsKey } from '../../src/client/h2-session-pool';
import { startH2Server, type H2Server } from '../helpers/h2';

const TLS = { rejectUnauthorized: false };

describe('HTTP/2 session pool', () => {
  let h2: H2Server;
  let wss: WebSocketServer;
  let serverSide: Connection[];
  const serverSessions = new Set<http2.ServerHttp2Session>();

  beforeEach(async () => {
    h2 = await startH2Server();
    h2.server.on('session', (session: http2.ServerHttp2Session) => {
      serverSessions.add(session);
      session.once('close', () => serverSessions.delete(session));
    });
    wss = new WebSocketServer({ server: h2.server });
    serverSide = [];
    wss.route({
      path: '/echo',
      handle: (conn) => {
        serverSide.push(conn);
        return conn.messages$.pipe(ofData(), (data$) => {
          data$.subscribe((data) => conn.sink.next(data));
          return data$;
        });
      },
    });
  });

  afterEach(async () => {
    await wss.close({ timeoutMs: 200 });
    await h2.close();
  });

  const url = () => `wss://127.0.0.1:${h2.port}/echo`;
  const sessionClosed = () =>
    new Promise<void>((resolve) => {
      const check = () => (serverSessions.size === 0 ? resolve() : setTimeout(check, 10));
      check();
    });

  it('100 WebSockets on one session, each echoing its own messages', async () => {
    const clients = await Promise.all(Array.from({ length: 100 }, () => openConnection(url(), { http2: true, tls: TLS })));
    expect(h2Sessions.size).toBe(1);
    expect(serverSessions.size).toBe(1);
    expect(new Set(serverSide.map((conn) => conn.request.remotePort)).size).toBe(1);
    expect(serverSide.every((conn) => conn.request.method === 'CONNECT')).toBe(true);
    const replies = await Promise.all(
      clients.map(async (conn, i) => {
        const got: string[] = [];
        const done = new Promise<void>((resolve) =>
          conn.messages$.pipe(ofData()).subscribe((data) => {
            got.push(String(data));
            if (got.length === 3) resolve();
          }),
        );
        for (let k = 0; k < 3; k++) conn.sink.next(`ws ${i} message ${k}`);
        await done;
        return got;
      }),
    );
    replies.forEach((got, i) => expect(got).toEqual([0, 1, 2].map((k) => `ws ${i} message ${k}`)));
    await Promise.all(clients.map((conn) => conn.close(1000)));
    // The last WebSocket closed: the session goes too, on both sides.
    expect(h2Sessions.size).toBe(0);
    await sessionClosed();
  });

  it('one misbehaving stream is reset without harming the others', async () => {
    const clients = await Promise.all(Array.from({ length: 10 }, () => openConnection(url(), { http2: true, tls: TLS })));
    const [rude, victim, ...rest] = clients as [ClientConnection, ClientConnection, ...ClientConnection[]];
    // This side resets one stream (RST_STREAM), the server resets another.
    const rudeServer = serverSide[0]!;
    rude.terminate();
    expect(await firstValueFrom(rudeServer.closed$)).toMatchObject({ code: 1006 });
    serverSide[1]!.terminate();
    expect(await firstValueFrom(victim.closed$)).toMatchObject({ code: 1006, wasClean: false });
    // A third sends what the server must refuse (a too-long ping is a protocol error: 1002).
    const third = rest[0]!;
    third.sink.next('fine so far');
    expect(await third.waitForMessage('text', { timeoutMs: 2000 })).toMatchObject({ data: 'fine so far' });
    await Promise.all(
      rest.map(async (conn, i) => {
        conn.sink.next(`still ${i}`);
        expect(await conn.waitForMessage('text', { timeoutMs: 2000 })).toMatchObject({ data: `still ${i}` });
      }),
    );
    expect(h2Sessions.size).toBe(1);
    await Promise.all(rest.map((conn) => conn.close()));
    await sessionClosed();
  });

  it('a GOAWAY from the server closes the WebSockets on that session with 1001, and the next connect opens a new session', async () => {
    const first = await openConnection(url(), { http2: true, tls: TLS });
    const [session] = [...serverSessions];
    session!.goaway(http2.constants.NGHTTP2_NO_ERROR);
    expect(await firstValueFrom(first.closed$)).toMatchObject({ code: 1001 });
    const second = await openConnection(url(), { http2: true, tls: TLS });
    second.sink.next('new session');
    expect(await second.waitForMessage('text', { timeoutMs: 2000 })).toMatchObject({ data: 'new session' });
    expect(second.request.remotePort).toBe(h2.port);
    await second.close();
    await sessionClosed();
  });

  it('a session that is still starting closes when its only attempt is abandoned', async () => {
    const subscription = (await import('../../src')).connect(url(), { http2: true, tls: TLS }).subscribe({ error: () => undefined });
    expect(h2Sessions.size).toBe(1);
    subscription.unsubscribe();
    expect(h2Sessions.size).toBe(0);
    await sessionClosed();
  });
});

describe('tlsKey', () => {
  it('treats equal inline options as the same session, different ones as different', () => {
    expect(tlsKey({ rejectUnauthorized: false })).toBe(tlsKey({ rejectUnauthorized: false }));
    expect(tlsKey({ ca: Buffer.from('a'), servername: 'x' })).toBe(tlsKey({ servername: 'x', ca: Buffer.from('a') }));
    expect(tlsKey({ ca: Buffer.from('a') })).not.toBe(tlsKey({ ca: Buffer.from('b') }));
    expect(tlsKey({ ca: ['a', 'b'] })).not.toBe(tlsKey({ ca: ['b', 'a'] }));
    expect(tlsKey(undefined)).not.toBe(tlsKey({}));
  });

  it('compares functions and other objects by identity', () => {
    const check = () => undefined;
    expect(tlsKey({ checkServerIdentity: check })).toBe(tlsKey({ checkServerIdentity: check }));
    expect(tlsKey({ checkServerIdentity: check })).not.toBe(tlsKey({ checkServerIdentity: () => undefined }));
  });
});
