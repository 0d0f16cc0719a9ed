// MessageBacklog, the first layer of every connection: messages$ and the backlog of messages
// that arrive before anyone subscribes, on both transports (the Node client on a socket, the
// browser entry on a WHATWG WebSocket: the `ws` class here). The socket-side pause at
// backlogBytes is covered in spec/rx/connection.spec.ts (R40).
import { firstValueFrom, toArray } from 'rxjs';
import { openConnection as openBrowser } from '../../src/browser/connect';
import { openConnection as openNode } from '../../src/client/connect';
import type { Message } from '../../src/rx/message';
import type { ReactiveConnection } from '../../src/rx/reactive-connection';
import { WS_CLASS } from '../helpers/browser-client';
import { startBrowserTestServer, type BrowserTestServer } from '../helpers/browser-test-server';
import { sleep } from '../helpers/harness';

const transports: Array<[string, (url: string) => Promise<ReactiveConnection>]> = [
  ['node socket', (url) => openNode(url)],
  ['browser WebSocket', (url) => openBrowser(url, { webSocketClass: WS_CLASS })],
];

describe.each(transports)('MessageBacklog over the %s', (_name, open) => {
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
