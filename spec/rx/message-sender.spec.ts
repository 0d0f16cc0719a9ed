import { firstValueFrom } from 'rxjs';
import { RxwsError, UsageError } from '../../src/errors';
import { MessageSender } from '../../src/rx/message-sender';
import { Resources, wsClosed, wsMessage } from '../helpers/harness';
import type { RouteOptions } from '../../src';

const resources = new Resources();
afterEach(() => resources.dispose());

async function pair(route: Partial<RouteOptions> = {}) {
  const { url, nextConnection } = await resources.server(route);
  const ws = await resources.client(url);
  const connection = await nextConnection();
  return { ws, connection };
}

describe('src/rx/message-sender.ts MessageSender', () => {
  it('is a layer of every connection', async () => {
    const { connection } = await pair();
    expect(connection).toBeInstanceOf(MessageSender);
  });

  it('sink is one object per connection, made on first use', async () => {
    const { connection } = await pair();
    expect(connection.sink).toBe(connection.sink);
  });

  it('sink.next: a string goes out as text, bytes as binary', async () => {
    const { ws, connection } = await pair();
    const text = wsMessage(ws);
    connection.sink.next('hi');
    expect(await text).toEqual({ data: Buffer.from('hi'), isBinary: false });
    const binary = wsMessage(ws);
    connection.sink.next(new Uint8Array([5]));
    expect(await binary).toEqual({ data: Buffer.from([5]), isBinary: true });
  });

  it('send after close throws a UsageError at once; sink.next after close reports send_after_close on errors$', async () => {
    const { connection } = await pair();
    const errors: RxwsError[] = [];
    connection.errors$.subscribe((e) => errors.push(e));
    await connection.close();
    expect(() => connection.send('late')).toThrow(UsageError);
    connection.sink.next('late');
    expect(errors.map((e) => e.code)).toEqual(['send_after_close']);
  });

  it('errors$ does not complete on close; drain$ does', async () => {
    const { connection } = await pair();
    let errorsDone = false;
    let drainDone = false;
    connection.errors$.subscribe({ complete: () => (errorsDone = true) });
    connection.drain$.subscribe({ complete: () => (drainDone = true) });
    await connection.close();
    expect([errorsDone, drainDone]).toEqual([false, true]);
  });

  it("backpressure 'drop': past maxBufferedBytes send rejects with backpressure_drop, sink.next reports it, the connection stays open", async () => {
    const { connection } = await pair({ maxBufferedBytes: 1024, backpressure: 'drop' });
    const errors: RxwsError[] = [];
    connection.errors$.subscribe((e) => errors.push(e));
    const first = connection.send(new Uint8Array(4096));
    expect(connection.bufferedAmount).toBeGreaterThan(1024);
    await expect(connection.send('dropped')).rejects.toMatchObject({ code: 'backpressure_drop' });
    connection.sink.next('dropped too');
    // Each drop is reported, the rejected send's too.
    expect(errors.map((e) => e.code)).toEqual(['backpressure_drop', 'backpressure_drop']);
    expect(connection.state).toBe('open');
    await first;
  });

  it("backpressure 'close': past maxBufferedBytes the connection fails with 1008 and backpressure_close is reported", async () => {
    const { ws, connection } = await pair({ maxBufferedBytes: 1024, backpressure: 'close' });
    const errors: RxwsError[] = [];
    connection.errors$.subscribe((e) => errors.push(e));
    const closed = wsClosed(ws);
    void connection.send(new Uint8Array(4096));
    connection.sink.next('over the cap');
    expect(errors.map((e) => e.code)).toEqual(['backpressure_close']);
    expect((await closed).code).toBe(1008);
  });

  it('send resolves once its bytes are handed to the network; bufferedAmount falls back and drain$ fires', async () => {
    const { connection } = await pair();
    const drained = firstValueFrom(connection.drain$);
    const sent = connection.send(new Uint8Array(8 * 1024 * 1024));
    expect(connection.bufferedAmount).toBeGreaterThan(0);
    await sent;
    await drained;
    expect(connection.bufferedAmount).toBeLessThan(8 * 1024 * 1024);
  });

  it('messages are sent in call order whether by send or sink.next', async () => {
    const { ws, connection } = await pair();
    const received: string[] = [];
    const all = new Promise<void>((resolve) => ws.on('message', (d: Buffer) => received.push(d.toString()) === 4 && resolve()));
    connection.sink.next('1');
    void connection.send('2');
    connection.sink.next('3');
    await connection.send('4');
    await all;
    expect(received).toEqual(['1', '2', '3', '4']);
  });
});
