import { firstValueFrom, take, toArray } from 'rxjs';
import { z } from 'zod';
import {
  ConnectionClosedError,
  InvalidOutgoingError,
  TimeoutError,
  UsageError,
  serveRequests,
  typed,
  type RxwsError,
  type StandardSchemaV1,
} from '../../src';
import { sleep, until } from '../helpers/harness';
import { Pairs, asyncHandSchema, collect, handShape, type Shape } from './typed-helpers';

const pairs = new Pairs();
afterEach(() => pairs.dispose());

const Shape = z.discriminatedUnion('type', [
  z.object({ type: z.literal('add'), id: z.number().int(), a: z.number(), b: z.number() }),
  z.object({ type: z.literal('sum'), id: z.number().int(), value: z.number() }),
  z.object({ type: z.literal('note'), text: z.string() }),
]);

/** A client view and a server that answers `add` requests after `delayMs(request)`. */
async function calculator(delayMs: (a: number) => number = () => 0, concurrency = 8) {
  const { server, client } = await pairs.open();
  const s = typed(server, { receive: Shape, send: Shape });
  let inFlight = 0;
  let maxInFlight = 0;
  s.messages$
    .pipe(
      serveRequests(
        s,
        async (request) => {
          if (request.type !== 'add') throw new Error('not a request');
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await sleep(delayMs(request.a));
          inFlight--;
          return { type: 'sum' as const, value: request.a + request.b };
        },
        { concurrency },
      ),
    )
    .subscribe();
  const c = typed(client, { receive: Shape, send: Shape });
  return { server, client, s, c, maxInFlight: () => maxInFlight };
}

describe('TypedConnection.request', () => {
  it('matches concurrent requests to their responses by id, whatever order they come back in', async () => {
    const { c, maxInFlight } = await calculator((a) => (a % 5) * 3, 4);
    const results = await Promise.all(Array.from({ length: 40 }, (_, a) => c.request({ type: 'add', a, b: 1000 }, { timeoutMs: 5000 })));
    expect(results.map((r) => (r.type === 'sum' ? r.value : NaN))).toEqual(Array.from({ length: 40 }, (_, a) => a + 1000));
    expect(new Set(results.map((r) => r.id)).size).toBe(40);
    expect(maxInFlight()).toBe(4);
  });

  it('puts a fresh id in the requestId field, and reply() copies it', async () => {
    const { server, client } = await pairs.open();
    const Req = z.object({ op: z.literal('ping'), ref: z.string() });
    const Res = z.object({ op: z.literal('pong'), ref: z.string() });
    let n = 0;
    const c = typed(client, { receive: Res, send: Req, requestId: 'ref', nextRequestId: () => `c${++n}` });
    const s = typed(server, { receive: Req, send: Res, requestId: 'ref' });
    const seen = collect(s.messages$);
    s.messages$.subscribe((request) => s.reply(request, { op: 'pong' }));
    expect(await c.request({ op: 'ping' })).toEqual({ op: 'pong', ref: 'c1' });
    expect(await c.request({ op: 'ping' })).toEqual({ op: 'pong', ref: 'c2' });
    expect(seen.values).toEqual([
      { op: 'ping', ref: 'c1' },
      { op: 'ping', ref: 'c2' },
    ]);
  });

  it('rejects with TimeoutError when no response comes in time, and the late response still reaches messages$', async () => {
    const { c, client } = await calculator(() => 400);
    const all = collect(c.messages$);
    const started = Date.now();
    const error = await c.request({ type: 'add', a: 1, b: 2 }, { timeoutMs: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).timeoutMs).toBe(20);
    expect(Date.now() - started).toBeLessThan(400);
    await until(() => all.values.length === 1, 2000, 'the late response');
    expect(all.values[0]).toMatchObject({ type: 'sum', value: 3 });
    expect(client.state).toBe('open');
  });

  it('uses requestTimeoutMs by default', async () => {
    const { server, client } = await pairs.open();
    typed(server, { receive: Shape }).messages$.subscribe(); // reads, never answers
    const c = typed(client, { receive: Shape, send: Shape, requestTimeoutMs: 15 });
    await expect(c.request({ type: 'add', a: 1, b: 1 })).rejects.toMatchObject({ code: 'timeout', timeoutMs: 15 });
  });

  it('rejects with ConnectionClosedError when the connection closes first', async () => {
    const { server, client } = await pairs.open();
    const c = typed(client, { receive: Shape, send: Shape });
    const pending = c.request({ type: 'add', a: 1, b: 2 }, { timeoutMs: 5000 }).catch((e: unknown) => e);
    const other = c.request({ type: 'add', a: 3, b: 4 }, { timeoutMs: 5000 }).catch((e: unknown) => e);
    await server.waitForMessage('text');
    await server.close(4001, 'going away now');
    for (const error of [await pending, await other]) {
      expect(error).toBeInstanceOf(ConnectionClosedError);
      expect(error).toMatchObject({ closeCode: 4001, reason: 'going away now' });
    }
    // And at once once closed, without sending.
    await expect(c.request({ type: 'add', a: 1, b: 1 })).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('is cancelled by an AbortSignal (before or while waiting) and by unsubscribing from request$', async () => {
    // Slow answers, so the cancellations surely come first even on a busy machine.
    const { c, s } = await calculator(() => 300);
    const served = collect(s.messages$);
    const early = new AbortController();
    early.abort(new Error('never mind'));
    await expect(c.request({ type: 'add', a: 0, b: 0 }, { signal: early.signal })).rejects.toThrow('never mind');

    const controller = new AbortController();
    const waiting = c.request({ type: 'add', a: 1, b: 1 }, { signal: controller.signal, timeoutMs: 5000 });
    await until(() => served.values.length === 1, 2000, 'the request to arrive');
    controller.abort();
    expect(await waiting.catch((e: Error) => e.name)).toBe('AbortError');

    const responses: unknown[] = [];
    const subscription = c.request$({ type: 'add', a: 2, b: 2 }).subscribe((r) => responses.push(r));
    await until(() => served.values.length === 2, 2000, 'the second request to arrive');
    subscription.unsubscribe();
    const late = collect(c.messages$);
    await until(() => late.values.length >= 1, 2000, 'the late responses');
    await sleep(50);
    expect(responses).toEqual([]);
    // The early abort sent nothing.
    expect(served.values.map((m) => (m.type === 'add' ? m.a : -1))).toEqual([1, 2]);
  });

  it('each subscription to request$ is one request', async () => {
    const { c } = await calculator();
    const request$ = c.request$({ type: 'add', a: 20, b: 22 }, { timeoutMs: 5000 });
    const [one, two] = await Promise.all([firstValueFrom(request$), firstValueFrom(request$)]);
    expect(one).toMatchObject({ type: 'sum', value: 42 });
    expect(two).toMatchObject({ type: 'sum', value: 42 });
    expect(one.id).not.toBe(two.id);
  });

  it('rejects a request that fails the send schema without sending it, and bad options at once', async () => {
    const { c, s } = await calculator();
    const served = collect(s.messages$);
    await expect(c.request({ type: 'add', a: 'one' as never, b: 2 })).rejects.toBeInstanceOf(InvalidOutgoingError);
    expect(() => c.request({ type: 'add', a: 1, b: 2 }, { timeoutMs: -1 })).toThrow(UsageError);
    expect(() => c.request({ type: 'add', a: 1, b: 2 }, { timeout: 5 } as never)).toThrow(/unknown request option 'timeout'/);
    expect(() => c.request(null as never)).toThrow(UsageError);
    expect(await c.request({ type: 'add', a: 1, b: 2 })).toMatchObject({ value: 3 });
    expect(served.values).toHaveLength(1);
  });

  it('reply reports a request without an id on errors$ instead of throwing', async () => {
    const { server } = await pairs.open();
    const s = typed(server, { receive: handShape, send: handShape });
    const errors: RxwsError[] = [];
    s.errors$.subscribe((e) => errors.push(e));
    s.reply({ type: 'note', text: 'no id' } as never, { type: 'sum', value: 1 });
    expect(errors.map((e) => e.code)).toEqual(['no_request_id']);
  });
});

describe('reading', () => {
  it('keeps what arrives before anyone subscribes in the connection backlog', async () => {
    const { server, client } = await pairs.open();
    const s = typed(server, { receive: Shape, send: Shape });
    client.sink.next('{"type":"note","text":"early 1"}');
    client.sink.next('{"type":"note","text":"early 2"}');
    await sleep(30);
    const got = await firstValueFrom(s.messages$.pipe(take(2), toArray()));
    expect(got).toEqual([
      { type: 'note', text: 'early 1' },
      { type: 'note', text: 'early 2' },
    ]);
  });

  it('a request alone stops reading at its response; what follows waits for the next reader', async () => {
    const { server, client } = await pairs.open();
    const raw = typed(server, { receive: Shape, send: Shape });
    raw.messages$.pipe(take(1)).subscribe((request) => {
      if (request.type !== 'add') return;
      // The response and two notes leave in one burst.
      raw.reply(request, { type: 'sum', value: request.a + request.b });
      raw.sink.next({ type: 'note', text: 'after 1' });
      raw.sink.next({ type: 'note', text: 'after 2' });
    });
    const c = typed(client, { receive: Shape, send: Shape });
    expect(await c.request({ type: 'add', a: 2, b: 2 })).toMatchObject({ type: 'sum', value: 4 });
    await sleep(30);
    const notes = await firstValueFrom(c.messages$.pipe(take(2), toArray()));
    expect(notes).toEqual([
      { type: 'note', text: 'after 1' },
      { type: 'note', text: 'after 2' },
    ]);
  });

  it('a response found while replaying the backlog stops the replay there', async () => {
    const { server, client } = await pairs.open();
    const s = typed(server, { receive: Shape, send: Shape });
    // Ids count from 1, so a response to the first request can be in the backlog before it is made.
    s.sink.next({ type: 'sum', id: 1, value: 99 });
    s.sink.next({ type: 'note', text: 'kept 1' });
    s.sink.next({ type: 'note', text: 'kept 2' });
    await sleep(30);
    const c = typed(client, { receive: Shape, send: Shape });
    expect(await c.request({ type: 'add', a: 0, b: 0 })).toEqual({ type: 'sum', id: 1, value: 99 });
    const notes = await firstValueFrom(c.messages$.pipe(take(2), toArray()));
    expect(notes).toEqual([
      { type: 'note', text: 'kept 1' },
      { type: 'note', text: 'kept 2' },
    ]);
  });

  it('messages$ completes when the connection closes, and at once for a late subscriber', async () => {
    const { server, client } = await pairs.open();
    const s = typed(server, { receive: Shape });
    const first = collect(s.messages$);
    client.sink.next('{"type":"note","text":"bye"}');
    await client.close(1000);
    await first.done;
    expect(first.values).toEqual([{ type: 'note', text: 'bye' }]);
    await collect(s.messages$).done;
  });

  it('an Observable source that completes without a close event ends the view as 1006', async () => {
    const { Subject } = await import('rxjs');
    const source = new Subject<never>();
    const sent: unknown[] = [];
    const view = typed(
      { messages$: source, sink: { next: (m: unknown) => sent.push(m), error: () => {}, complete: () => {} }, close: () => {} },
      { receive: Shape, send: Shape },
    );
    const messages = collect(view.messages$);
    const pending = view.request({ type: 'add', a: 1, b: 1 }).catch((e: unknown) => e);
    source.complete();
    await messages.done;
    expect(await pending).toMatchObject({ closeCode: 1006 });
    expect(sent.map((m) => JSON.parse(m as string))).toEqual([{ type: 'add', id: 1, a: 1, b: 1 }]);
  });
});

describe('one reading for everyone', () => {
  it('validates each message once, however many subscribers and requests share it', async () => {
    const { server, client } = await pairs.open();
    let checks = 0;
    const counted: StandardSchemaV1<z.input<typeof Shape>, z.output<typeof Shape>> = {
      '~standard': {
        version: 1,
        vendor: 'counting',
        validate: (value: unknown) => {
          checks++;
          return Shape['~standard'].validate(value);
        },
      },
    };
    const s = typed(server, { receive: Shape, send: Shape });
    s.messages$.subscribe((m) => {
      if (m.type === 'add') s.reply(m, { type: 'sum', value: m.a + m.b });
    });
    const c = typed(client, { receive: counted, send: Shape });
    const one = collect(c.messages$);
    const two = collect(c.messages$);
    const answers = await Promise.all([c.request({ type: 'add', a: 1, b: 1 }), c.request({ type: 'add', a: 2, b: 2 })]);
    expect(answers.map((a) => (a.type === 'sum' ? a.value : 0))).toEqual([2, 4]);
    expect(one.values).toHaveLength(2);
    expect(two.values).toEqual(one.values);
    expect(checks).toBe(2);
  });

  it("rejects waiting requests with 1007 when onInvalid: 'close' closes the connection", async () => {
    const { server, client } = await pairs.open();
    typed(server, { receive: Shape }).messages$.subscribe(); // never answers
    const c = typed(client, { receive: Shape, send: Shape, onInvalid: 'close' });
    const waiting = c.request({ type: 'add', a: 1, b: 1 }).catch((e: unknown) => e);
    await server.send('{"type":"sum","id":1}');
    expect(await waiting).toMatchObject({ code: 'connection_closed', closeCode: 1007 });
  });

  it('works on a connection with nothing but messages$, sink and close (as a browser client has)', async () => {
    const { Subject } = await import('rxjs');
    const incoming = new Subject<import('../../src').Message>();
    const sent: unknown[] = [];
    const view = typed(
      { messages$: incoming, sink: { next: (m: unknown) => sent.push(m), error: () => {}, complete: () => {} }, close: () => {} },
      { receive: Shape, send: Shape },
    );
    const errors: RxwsError[] = [];
    view.errors$.subscribe((e) => errors.push(e));
    const got = collect(view.messages$);
    await view.send({ type: 'note', text: 'out' });
    view.sink.next({ type: 'note' } as never);
    incoming.next({ type: 'text', data: '{"type":"note","text":"in"}' });
    incoming.next({ type: 'pong', data: new Uint8Array(0) });
    incoming.next({ type: 'close', code: 1000, reason: '', wasClean: true });
    await got.done;
    expect(sent).toEqual(['{"type":"note","text":"out"}']);
    expect(got.values).toEqual([{ type: 'note', text: 'in' }]);
    expect(errors.map((e) => e.code)).toEqual(['invalid_outgoing']);
  });
});

describe('asynchronous validators', () => {
  // The first messages take longest to validate: a queue that did not keep order would reverse them.
  const slowFirst = asyncHandSchema<Shape>(
    (value) => (handShape['~standard'].validate(value) as { value: Shape } | { issues: [] }),
    (value) => {
      const text = (value as { text?: unknown }).text;
      return typeof text === 'string' ? 40 - Number(text.slice(1)) * 4 : 0;
    },
  );

  it('deliver incoming messages and invalid reports in arrival order', async () => {
    const { server, client } = await pairs.open();
    const s = typed(server, { receive: slowFirst });
    const events: string[] = [];
    s.messages$.subscribe((m) => events.push(m.type === 'note' ? m.text : m.type));
    s.invalid$.subscribe((i) => events.push(`invalid ${String(i.data)}`));
    for (let i = 0; i < 10; i++) {
      client.sink.next(i === 4 ? '{"type":"note","text":4}' : i === 6 ? 'not json' : JSON.stringify({ type: 'note', text: `n${i}` }));
    }
    await until(() => events.length === 10, 3000, 'ten events');
    expect(events).toEqual(['n0', 'n1', 'n2', 'n3', 'invalid {"type":"note","text":4}', 'n5', 'invalid not json', 'n7', 'n8', 'n9']);
  });

  it('send outgoing messages in the order given', async () => {
    const { server, client } = await pairs.open();
    const s = typed(server, { send: slowFirst });
    const got = firstValueFrom(client.messages$.pipe(take(6), toArray()));
    for (let i = 0; i < 5; i++) s.sink.next({ type: 'note', text: `n${i}` });
    const last = s.send({ type: 'note', text: 'n5' });
    await last;
    expect((await got).map((m) => (m.type === 'text' ? JSON.parse(m.data).text : m.type))).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
  });

  it('closes after the messages before the close are validated (sink.complete and a peer close)', async () => {
    const { server, client } = await pairs.open();
    const s = typed(server, { receive: slowFirst, send: slowFirst });
    const got = collect(s.messages$);
    client.sink.next('{"type":"note","text":"n0"}');
    void client.close(1000);
    await got.done;
    expect(got.values).toEqual([{ type: 'note', text: 'n0' }]);

    const other = await pairs.open();
    const o = typed(other.server, { send: slowFirst });
    const received = collect(other.client.messages$);
    o.sink.next({ type: 'note', text: 'n0' });
    o.sink.complete();
    await received.done;
    expect(received.values.map((m) => m.type)).toEqual(['text', 'close']);
  });

  it('a validator that throws or rejects is an invalid message, not a crash', async () => {
    const { server, client } = await pairs.open();
    const s = typed(server, {
      receive: {
        '~standard': {
          version: 1,
          vendor: 'broken',
          validate: (value: unknown) => {
            if (value === 1) throw new Error('boom');
            if (value === 2) return Promise.reject(new Error('async boom'));
            return { value: value as number };
          },
        },
      },
    });
    const invalid = collect(s.invalid$);
    const valid = collect(s.messages$);
    client.sink.next('1');
    client.sink.next('2');
    client.sink.next('3');
    await until(() => valid.values.length === 1, 2000, 'the valid one');
    expect(invalid.values.map((i) => (i.cause as Error).message)).toEqual(['boom', 'async boom']);
    expect(valid.values).toEqual([3]);
  });

  it('pause the connection while too many messages wait for validation', async () => {
    const { server, client } = await pairs.open();
    const slow = asyncHandSchema<Shape>((value) => ({ value: value as Shape }), () => 500);
    let pauses = 0;
    const pause = server.pause.bind(server);
    server.pause = () => {
      pauses++;
      pause();
    };
    const s = typed(server, { receive: slow });
    const got = collect(s.messages$);
    for (let i = 0; i < 100; i++) client.sink.next(JSON.stringify({ type: 'note', text: `n${i}` }));
    await until(() => got.values.length === 100, 5000, 'all hundred');
    expect(pauses).toBe(1);
  });
});
