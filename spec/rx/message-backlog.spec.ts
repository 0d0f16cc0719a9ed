import { firstValueFrom, take, toArray } from 'rxjs';
import { MessageBacklog } from '../../src/rx/message-backlog';
import { openConnection as openBrowser } from '../../src/browser/connect';
import { WS_CLASS } from '../helpers/browser-client';
import { startBrowserTestServer } from '../helpers/browser-test-server';
import { Resources, until, wsClosed } from '../helpers/harness';
import type { Message } from '../../src';

const resources = new Resources();
afterEach(() => resources.dispose());

const describeAll = (messages: Message[]): string[] => messages.map((m) => (m.type === 'text' ? m.data : m.type));

describe('src/rx/message-backlog.ts MessageBacklog', () => {
  it('is the first layer of every connection; messages$ is one Observable per connection', async () => {
    const { url, nextConnection } = await resources.server();
    await resources.client(url);
    const connection = await nextConnection();
    expect(connection).toBeInstanceOf(MessageBacklog);
    expect(connection.messages$).toBe(connection.messages$);
  });

  it('a subscriber that takes part of the backlog leaves the rest, in order, for the next one', async () => {
    const { url, nextConnection } = await resources.server();
    const ws = await resources.client(url);
    const connection = await nextConnection();
    for (const text of ['a', 'b', 'c', 'd']) ws.send(text);
    ws.close();
    await wsClosed(ws);
    await firstValueFrom(connection.closed$);
    expect(describeAll(await firstValueFrom(connection.messages$.pipe(take(2), toArray())))).toEqual(['a', 'b']);
    expect(describeAll(await firstValueFrom(connection.messages$.pipe(toArray())))).toEqual(['c', 'd', 'close']);
    // Once drained, a subscriber after the close gets only the close.
    expect(describeAll(await firstValueFrom(connection.messages$.pipe(toArray())))).toEqual(['close']);
  });

  it('two live subscribers each get every message, and both complete after the close', async () => {
    const { url, nextConnection } = await resources.server();
    const ws = await resources.client(url);
    const connection = await nextConnection();
    const first = firstValueFrom(connection.messages$.pipe(toArray()));
    const second = firstValueFrom(connection.messages$.pipe(toArray()));
    ws.send('x');
    ws.send(Buffer.from([1]));
    ws.close();
    expect(describeAll(await first)).toEqual(['x', 'binary', 'close']);
    expect(describeAll(await second)).toEqual(['x', 'binary', 'close']);
  });

  it('over a transport that cannot pause reading (the browser entry\'s WebSocket), it keeps all that arrives for the first subscriber, past what would pause a Node socket', async () => {
    const server = await startBrowserTestServer();
    try {
      const conn = await openBrowser(server.url('unbounded'), { webSocketClass: WS_CLASS });
      // 1.5 MiB echoed back before anyone subscribes: more than the Node default backlogBytes
      // (1 MiB), and a browser cannot push back, so all of it waits.
      for (let i = 0; i < 3; i++) await conn.send(new Uint8Array(512 * 1024).fill(i + 1));
      conn.sink.next('!close 4000 done');
      await firstValueFrom(conn.closed$);
      const all = await firstValueFrom(conn.messages$.pipe(toArray()));
      expect(all.map((m) => (m.type === 'binary' ? [m.data.length, m.data[0]] : m.type))).toEqual([[524288, 1], [524288, 2], [524288, 3], 'close']);
    } finally {
      await server.close();
    }
  });

  it('an unsubscribed subscriber gets nothing more, and what follows waits for the next one', async () => {
    const { url, nextConnection } = await resources.server();
    const ws = await resources.client(url);
    const connection = await nextConnection();
    const got: string[] = [];
    const subscription = connection.messages$.subscribe((m) => got.push(m.type === 'text' ? m.data : m.type));
    ws.send('seen');
    await until(() => got.length === 1);
    subscription.unsubscribe();
    ws.send('kept');
    ws.close();
    await firstValueFrom(connection.closed$);
    expect(got).toEqual(['seen']);
    expect(describeAll(await firstValueFrom(connection.messages$.pipe(toArray())))).toEqual(['kept', 'close']);
  });
});
