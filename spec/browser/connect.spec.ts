// The browser entry's connect()/openConnection(), run in Node on the `ws` class (real browsers:
// real-browsers.spec.ts): what is checked at call time, the typed failures, and the cold
// Observable's subscribe/unsubscribe contract.
import { firstValueFrom } from 'rxjs';
import { connect, openConnection } from '../../src/browser/connect';
import { NetworkError, TimeoutError, UsageError } from '../../src/errors';
import { reject } from '../../src/server/accept';
import { WebSocketServer } from '../../src/server/server';
import { WS_CLASS } from '../helpers/browser-client';
import { startBrowserTestServer, type BrowserTestServer } from '../helpers/browser-test-server';
import { startRawServer, type RawServer } from '../helpers/raw-server';

const options = { webSocketClass: WS_CLASS };

describe('browser connect(): checked when called', () => {
  it.each([
    ['not a url', 'bad_url'],
    ['ftp://example.com/', 'bad_url'],
    ['ws://example.com/#frag', 'bad_url'],
    ['ws://example.com/#', 'bad_url'],
  ])('%s → UsageError %s', (url, code) => {
    expect(() => connect(url, options)).toThrow(expect.objectContaining({ code }));
  });

  it('takes a URL object as the target without changing it (its http: becomes ws: in a copy)', () => {
    const url = new URL('http://127.0.0.1:1/x');
    connect(url, options); // cold: checks, opens nothing
    expect(url.href).toBe('http://127.0.0.1:1/x');
  });

  it('rejects unknown options, bad values, and subprotocols that are not distinct tokens', () => {
    expect(() => connect('ws://127.0.0.1:1/', { ...options, headers: {} } as never)).toThrow(expect.objectContaining({ code: 'unknown_option' }));
    expect(() => connect('ws://127.0.0.1:1/', { ...options, handshakeTimeoutMs: 0 })).toThrow(UsageError);
    expect(() => connect('ws://127.0.0.1:1/', { ...options, protocols: ['a', 'a'] })).toThrow(UsageError);
    expect(() => connect('ws://127.0.0.1:1/', { ...options, protocols: ['a b'] })).toThrow(UsageError);
    expect(() => connect('ws://127.0.0.1:1/', { ...options, protocols: ['a', 1] as never })).toThrow("client option 'protocols' must be an array of distinct tokens");
  });
});

describe('browser connect(): over the network', () => {
  let server: BrowserTestServer | undefined;
  let raw: RawServer | undefined;
  afterEach(async () => {
    await server?.close();
    await raw?.close();
    server = undefined;
    raw = undefined;
  });

  it('maps http: to ws:, emits one open connection, completes when it closes', async () => {
    server = await startBrowserTestServer();
    const url = server.url('http').replace('ws:', 'http:');
    const events: string[] = [];
    const done = new Promise<void>((resolve) =>
      connect(url, options).subscribe({
        next: (conn) => {
          events.push(`open ${conn.url}`);
          void conn.close(1000);
        },
        complete: () => {
          events.push('complete');
          resolve();
        },
      }),
    );
    await done;
    expect(events).toEqual([`open ${server.url('http')}`, 'complete']);
  });

  it('unsubscribing after open closes with 1000', async () => {
    server = await startBrowserTestServer();
    const conn = await firstValueFrom(connect(server.url('unsub'), options));
    expect((await firstValueFrom(conn.closed$)).code).toBe(1000);
    expect(await server.closed('unsub')).toEqual([{ code: 1000, reason: '', wasClean: true }]);
  });

  it('a refused TCP connection → NetworkError', async () => {
    raw = await startRawServer();
    const port = raw.port;
    await raw.close();
    raw = undefined;
    await expect(openConnection(`ws://127.0.0.1:${port}/`, options)).rejects.toBeInstanceOf(NetworkError);
  });

  it('R27: no answer within handshakeTimeoutMs → TimeoutError', async () => {
    raw = await startRawServer(); // accepts TCP, never answers
    await expect(openConnection(raw.url, { ...options, handshakeTimeoutMs: 100 })).rejects.toBeInstanceOf(TimeoutError);
  });

  it('a refused handshake (HTTP 401) → NetworkError: a browser does not tell why', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    wss.route({ path: '/', accept: () => reject(401, 'log in first') });
    const { port } = await wss.listen();
    try {
      await expect(openConnection(`ws://127.0.0.1:${port}/`, options)).rejects.toBeInstanceOf(NetworkError);
    } finally {
      await wss.close({ timeoutMs: 100 });
    }
  });

  it('unsubscribing before open abandons the attempt', async () => {
    raw = await startRawServer();
    const next = raw.nextSocket();
    const subscription = connect(raw.url, options).subscribe();
    const socket = await next;
    subscription.unsubscribe();
    await new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
  });

  it('offers subprotocols; conn.protocol is the one the server chose', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    wss.route({ path: '/', protocols: ['chat.v2', 'chat.v1'] });
    const { port } = await wss.listen();
    try {
      const conn = await openConnection(`ws://127.0.0.1:${port}/`, { ...options, protocols: ['chat.v1'] });
      expect(conn.protocol).toBe('chat.v1');
      await conn.close();
    } finally {
      await wss.close({ timeoutMs: 100 });
    }
  });
});
