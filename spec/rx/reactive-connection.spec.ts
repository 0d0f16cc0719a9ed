import { firstValueFrom } from 'rxjs';
import { RxwsError, UsageError } from '../../src/errors';
import { ReactiveConnection } from '../../src/rx/reactive-connection';
import { Connection, openConnection } from '../../src';
import { Resources, wsClosed } from '../helpers/harness';

const resources = new Resources();
afterEach(() => resources.dispose());

async function pair() {
  const { url, nextConnection } = await resources.server();
  const ws = await resources.client(url);
  const connection = await nextConnection();
  return { ws, connection };
}

describe('src/rx/reactive-connection.ts ReactiveConnection', () => {
  it('is the shared surface: the server Connection and the client connection are both ReactiveConnections', async () => {
    const { url } = await resources.server();
    const client = await openConnection(url);
    try {
      expect(client).toBeInstanceOf(ReactiveConnection);
      expect(Connection.prototype).toBeInstanceOf(ReactiveConnection);
    } finally {
      client.terminate();
    }
  });

  it("state: 'open', 'closing' once our close frame is out, 'closed' once closed", async () => {
    const { connection } = await pair();
    expect(connection.state).toBe('open');
    const done = connection.close();
    expect(connection.state).toBe('closing');
    await done;
    expect(connection.state).toBe('closed');
  });

  it.each<[string, unknown, number]>([
    ['an error with a sendable closeCode', Object.assign(new RxwsError('quota', 'x'), { closeCode: 4008 }), 4008],
    ['a plain Error', new Error('boom'), 1011],
    ['an error with a reserved closeCode (1006)', { closeCode: 1006 }, 1011],
  ])('sink.error with %s closes with %i', async (_name, error, code) => {
    const { ws, connection } = await pair();
    const closed = wsClosed(ws);
    connection.sink.error(error);
    expect((await closed).code).toBe(code);
    expect((await firstValueFrom(connection.closed$)).code).toBe(code);
  });

  it('sink.complete closes with 1000; after the close neither complete nor error throws', async () => {
    const { ws, connection } = await pair();
    const closed = wsClosed(ws);
    connection.sink.complete();
    expect((await closed).code).toBe(1000);
    await firstValueFrom(connection.closed$);
    expect(() => connection.sink.complete()).not.toThrow();
    expect(() => connection.sink.error(new Error('late'))).not.toThrow();
  });

  it('close() validates synchronously: a code that may not be sent or a reason over 123 bytes is a UsageError', async () => {
    const { connection } = await pair();
    expect(() => connection.close(1005)).toThrow(UsageError);
    expect(() => connection.close(1000, 'x'.repeat(124))).toThrow(UsageError);
    expect(connection.state).toBe('open');
  });

  it('closed$ emits the close once and completes, for subscribers before and after the close', async () => {
    const { ws, connection } = await pair();
    const early: unknown[] = [];
    let earlyDone = false;
    connection.closed$.subscribe({ next: (c) => early.push(c), complete: () => (earlyDone = true) });
    ws.close(4000, 'bye');
    const close = await firstValueFrom(connection.closed$);
    expect(close).toEqual({ type: 'close', code: 4000, reason: 'bye', wasClean: true });
    expect([early, earlyDone]).toEqual([[close], true]);
    expect(await firstValueFrom(connection.closed$)).toBe(close);
  });

  it('an unsubscribed closed$ subscriber gets nothing', async () => {
    const { ws, connection } = await pair();
    const got: unknown[] = [];
    connection.closed$.subscribe((c) => got.push(c)).unsubscribe();
    ws.close();
    await firstValueFrom(connection.closed$);
    expect(got).toEqual([]);
  });

  it('data and protocol are set from the handshake', async () => {
    const { url, nextConnection } = await resources.server({ protocols: ['p2'], accept: () => ({ data: { user: 'ann' } }) });
    const client = await openConnection(url, { protocols: ['p1', 'p2'] });
    try {
      const connection = await nextConnection();
      expect(connection.protocol).toBe('p2');
      expect(client.protocol).toBe('p2');
      expect(connection.data).toEqual({ user: 'ann' });
      expect(client.data).toBeUndefined();
    } finally {
      client.terminate();
    }
  });
});
