// MessageSender, the sending layer of every connection, on both transports: sink and send,
// sends after close, and the outbound cap's policies (RELIABILITY 39, 42).
import { firstValueFrom } from 'rxjs';
import { openConnection as openBrowser } from '../../src/browser/connect';
import { openConnection as openNode } from '../../src/client/connect';
import { UsageError, type RxwsError } from '../../src/errors';
import type { ReactiveConnection } from '../../src/rx/reactive-connection';
import { WS_CLASS } from '../helpers/browser-client';
import { startBrowserTestServer, type BrowserTestServer } from '../helpers/browser-test-server';

type Limits = { maxBufferedBytes?: number; backpressure?: 'close' | 'drop' };
const transports: Array<[string, (url: string, limits?: Limits) => Promise<ReactiveConnection>]> = [
  ['node socket', (url, limits = {}) => openNode(url, limits)],
  ['browser WebSocket', (url, limits = {}) => openBrowser(url, { webSocketClass: WS_CLASS, ...limits })],
];

const MiB = 1024 * 1024;

describe.each(transports)('MessageSender over the %s', (_name, open) => {
  let server: BrowserTestServer;
  beforeEach(async () => {
    server = await startBrowserTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('sink.next and send() deliver strings as text and bytes as binary, ArrayBuffers and views alike', async () => {
    const conn = await open(server.url('kinds'));
    conn.sink.next('text');
    expect(await conn.waitForMessage('text')).toEqual({ type: 'text', data: 'text' });
    const buffer = new ArrayBuffer(3);
    new Uint8Array(buffer).set([9, 8, 7]);
    await conn.send(buffer);
    expect(Array.from((await conn.waitForMessage('binary')).data)).toEqual([9, 8, 7]);
    await conn.send(new DataView(buffer, 1, 2));
    expect(Array.from((await conn.waitForMessage('binary')).data)).toEqual([8, 7]);
    await conn.close();
  });

  it('R42: send() after close throws a UsageError; sink.next after close is reported on errors$, never thrown', async () => {
    const conn = await open(server.url('after-close'));
    const reports: RxwsError[] = [];
    conn.errors$.subscribe((error) => reports.push(error));
    await conn.close();
    expect(() => conn.send('late')).toThrow(UsageError);
    expect(() => conn.sink.next('late')).not.toThrow();
    expect(reports.map((r) => r.code)).toEqual(['send_after_close']);
  });

  it("R39: past maxBufferedBytes with 'drop', the message is dropped and reported; send() rejects", async () => {
    const conn = await open(server.url('drop'), { maxBufferedBytes: 1024, backpressure: 'drop' });
    const reports: string[] = [];
    conn.errors$.subscribe((error) => reports.push(error.code));
    conn.sink.next(new Uint8Array(8 * MiB));
    conn.sink.next('dropped');
    await expect(conn.send('dropped too')).rejects.toMatchObject({ code: 'backpressure_drop' });
    expect(reports).toEqual(['backpressure_drop', 'backpressure_drop']);
    await conn.close();
  });

  it("R39: past maxBufferedBytes with 'close', the connection closes and reports 1008", async () => {
    const conn = await open(server.url('close'), { maxBufferedBytes: 1024, backpressure: 'close' });
    const reports: string[] = [];
    conn.errors$.subscribe((error) => reports.push(error.code));
    conn.sink.next(new Uint8Array(8 * MiB));
    conn.sink.next('one too many');
    expect(reports).toEqual(['backpressure_close']);
    const close = await firstValueFrom(conn.closed$);
    expect(close.code).toBe(1008);
  });
});
