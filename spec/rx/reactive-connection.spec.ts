// ReactiveConnection, the closing layer and the surface the Node and browser connections share:
// close() validation, closed$, waitForMessage and state, on both transports.
import { firstValueFrom } from 'rxjs';
import { openConnection as openBrowser } from '../../src/browser/connect';
import { openConnection as openNode } from '../../src/client/connect';
import { ConnectionClosedError, TimeoutError, UsageError } from '../../src/errors';
import type { ReactiveConnection } from '../../src/rx/reactive-connection';
import { WS_CLASS } from '../helpers/browser-client';
import { startBrowserTestServer, type BrowserTestServer } from '../helpers/browser-test-server';

const transports: Array<[string, (url: string) => Promise<ReactiveConnection>]> = [
  ['node socket', (url) => openNode(url)],
  ['browser WebSocket', (url) => openBrowser(url, { webSocketClass: WS_CLASS })],
];

describe.each(transports)('ReactiveConnection over the %s', (_name, open) => {
  let server: BrowserTestServer;
  beforeEach(async () => {
    server = await startBrowserTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('R16/R17: close() refuses codes that may not be sent and reasons over 123 bytes, synchronously', async () => {
    const conn = await open(server.url('misuse'));
    for (const code of [0, 999, 1005, 1006, 1015, 5000, 1000.5]) expect(() => conn.close(code)).toThrow(UsageError);
    expect(() => conn.close(1000, 'é'.repeat(62))).toThrow(expect.objectContaining({ code: 'close_reason_too_long' }));
    expect(conn.state).toBe('open');
    await conn.close(4000, 'é'.repeat(61));
    expect(await server.closed('misuse')).toEqual([{ code: 4000, reason: 'é'.repeat(61), wasClean: true }]);
  });

  it('state goes open → closing → closed; closed$ replays the close to late subscribers', async () => {
    const conn = await open(server.url('state'));
    expect(conn.state).toBe('open');
    const closing = conn.close(4001);
    expect(conn.state).toBe('closing');
    const close = await closing;
    expect(conn.state).toBe('closed');
    expect(await firstValueFrom(conn.closed$)).toBe(close);
    // close() again resolves with the same close, and sends nothing.
    expect(await conn.close()).toBe(close);
  });

  it('waitForMessage: a match, a TimeoutError, or a ConnectionClosedError with the close code', async () => {
    const conn = await open(server.url('wait'));
    conn.sink.next('x');
    expect(await conn.waitForMessage((m) => m.type === 'text' && m.data === 'x')).toEqual({ type: 'text', data: 'x' });
    await expect(conn.waitForMessage('binary', { timeoutMs: 30 })).rejects.toBeInstanceOf(TimeoutError);
    const waiting = conn.waitForMessage('binary');
    conn.sink.next('!close 4003 gone');
    await expect(waiting).rejects.toMatchObject({ closeCode: 4003, reason: 'gone' });
    await expect(conn.waitForMessage('text')).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(await conn.waitForMessage('close')).toMatchObject({ type: 'close', code: 4003 });
  });
});
