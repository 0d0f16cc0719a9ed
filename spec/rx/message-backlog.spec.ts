import { firstValueFrom, take, toArray } from 'rxjs';
import { MessageBacklog } from '../../src/rx/message-backlog';
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

  it('the backlog is bounded by backlogBytes: reading pauses, then a subscriber gets everything, none dropped', async () => {
    const { url, nextConnection } = await resources.server({ backlogBytes: 1024 });
    const ws = await resources.client(url);
    const connection = await nextConnection();
    const chunk = 'x'.repeat(512);
    for (let i = 0; i < 200; i++) ws.send(`${i}:${chunk}`);
    // A full backlog pauses the socket: the rest of the 100 KiB stays in the kernel's buffers.
    const socket = (connection as unknown as { transport: { socket: { isPaused(): boolean } } }).transport.socket;
    await until(() => socket.isPaused());
    const received: number[] = [];
    const done = new Promise<void>((resolve) =>
      connection.messages$.subscribe((m) => {
        if (m.type === 'text') received.push(Number(m.data.split(':')[0]));
        if (received.length === 200) resolve();
      }),
    );
    await done;
    expect(socket.isPaused()).toBe(false);
    expect(received).toEqual(Array.from({ length: 200 }, (_, i) => i));
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

  it('holds a lone subscriber without an array, grows to one for a second, and goes back when one leaves', async () => {
    const { url, nextConnection } = await resources.server();
    const ws = await resources.client(url);
    const connection = await nextConnection();
    // Idle connections are the memory that adds up: the usual single subscriber costs no array.
    const held = (): unknown => (connection as unknown as { subscribers: unknown }).subscribers;
    const first: string[] = [];
    const second: string[] = [];
    const third: string[] = [];
    const one = connection.messages$.subscribe((m) => first.push(m.type === 'text' ? m.data : m.type));
    expect(Array.isArray(held())).toBe(false);
    const two = connection.messages$.subscribe((m) => second.push(m.type === 'text' ? m.data : m.type));
    expect(Array.isArray(held())).toBe(true);
    ws.send('both');
    await until(() => second.length === 1);
    one.unsubscribe();
    ws.send('second only');
    await until(() => second.length === 2);
    expect(Array.isArray(held())).toBe(false);
    connection.messages$.subscribe((m) => third.push(m.type === 'text' ? m.data : m.type));
    ws.send('two again');
    await until(() => third.length === 1);
    two.unsubscribe();
    ws.close();
    await firstValueFrom(connection.closed$);
    expect(first).toEqual(['both']);
    expect(second).toEqual(['both', 'second only', 'two again']);
    expect(third).toEqual(['two again', 'close']);
    expect(held()).toBeUndefined();
  });
});
