// The connection layers every connection is made of (MessageBacklog, MessageSender,
// ReactiveConnection: src/rx/message-backlog.ts, message-sender.ts, reactive-connection.ts), run
// over both transports they serve: the Node client on a socket and the browser entry on a WHATWG
// WebSocket (the `ws` class here; real browsers in real-browsers.spec.ts). The same tests passing
// on both is the point: one implementation, two transports.
import { firstValueFrom, toArray } from 'rxjs';
import { openConnection as openBrowser } from '../../src/browser/connect';
import { openConnection as openNode } from '../../src/client/connect';
import { ConnectionClosedError, TimeoutError, UsageError, type RxwsError } from '../../src/errors';
import type { Message } from '../../src/rx/message';
import type { ReactiveConnection } from '../../src/rx/reactive-connection';
import { WS_CLASS } from '../helpers/browser-client';
import { startBrowserTestServer, type BrowserTestServer } from '../helpers/browser-test-server';
import { sleep } from '../helpers/harness';

type Limits = { maxBufferedBytes?: number; backpressure?: 'close' | 'drop' };
const transports: Array<[string, (url: string, limits?: Limits) => Promise<ReactiveConnection>]> = [
  ['node socket', (url, limits = {}) => openNode(url, limits)],
  ['browser WebSocket', (url, limits = {}) => openBrowser(url, { webSocketClass: WS_CLASS, ...limits })],
];

const MiB = 1024 * 1024;

describe.each(transports)('messages$ and the backlog (MessageBacklog) over the %s', (_name, open) => {
  let server: BrowserTestServer;
  beforeEach(async () => {
    server = await startBrowserTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('keeps what arrives before the first subscriber and replays it in order, then the close', async () => {
    const conn = await open(server.url('late'));
    conn.sink.next('!burst 50');
    conn.sink.next('!close 4000 done');
    await firstValueFrom(conn.closed$);
    const all: Message[] = await firstValueFrom(conn.messages$.pipe(toArray()));
    expect(all.slice(0, 50).map((m) => (m.type === 'text' ? m.data : m.type))).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
    expect(all[50]).toEqual({ type: 'close', code: 4000, reason: 'done', wasClean: true });
    expect(all).toHaveLength(51);
  });

  it('a subscriber that comes after the backlog was taken gets only the close, then completes', async () => {
    const conn = await open(server.url('after'));
    conn.sink.next('hello');
    expect(await conn.waitForMessage('text')).toEqual({ type: 'text', data: 'hello' });
    await conn.close();
    expect(await firstValueFrom(conn.messages$.pipe(toArray()))).toEqual([expect.objectContaining({ type: 'close', code: 1000 })]);
  });

  it('every live subscriber sees every message; one that unsubscribed sees no more', async () => {
    const conn = await open(server.url('many'));
    const first: string[] = [];
    const second: string[] = [];
    const firstSub = conn.messages$.subscribe((m) => m.type === 'text' && first.push(m.data));
    conn.messages$.subscribe((m) => m.type === 'text' && second.push(m.data));
    conn.sink.next('one');
    await conn.waitForMessage((m) => m.type === 'text' && m.data === 'one');
    firstSub.unsubscribe();
    conn.sink.next('two');
    await conn.waitForMessage((m) => m.type === 'text' && m.data === 'two');
    await sleep(10);
    expect(first).toEqual(['one']);
    expect(second).toEqual(['one', 'two']);
    await conn.close();
  });
});

describe.each(transports)('sending and backpressure (MessageSender) over the %s', (_name, open) => {
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

describe.each(transports)('closing (ReactiveConnection) over the %s', (_name, open) => {
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
