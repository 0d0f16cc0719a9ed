import { firstValueFrom, Subject } from 'rxjs';
import { z } from 'zod';
import { RequestHandlerError, UsageError, serveRequests, typed, type RxwsError } from '../../src';
import { sleep, until } from '../helpers/harness';
import { Pairs, collect } from './typed-helpers';

const pairs = new Pairs();
afterEach(() => pairs.dispose());

const ToServer = z.discriminatedUnion('type', [
  z.object({ type: z.literal('get'), id: z.number(), key: z.string() }),
  z.object({ type: z.literal('hello'), name: z.string() }),
]);
const ToClient = z.discriminatedUnion('type', [
  z.object({ type: z.literal('value'), id: z.number(), value: z.string().nullable() }),
  z.object({ type: z.literal('error'), id: z.number(), message: z.string() }),
]);

async function open() {
  const { server, client } = await pairs.open();
  const s = typed(server, { receive: ToServer, send: ToClient });
  const c = typed(client, { receive: ToClient, send: ToServer });
  return { server, client, s, c };
}

describe('serveRequests', () => {
  it('answers requests with the handler result and passes other messages through', async () => {
    const { s, c } = await open();
    const store = new Map([['a', 'apple']]);
    const events = collect(
      s.messages$.pipe(serveRequests(s, (request) => ({ type: 'value', value: store.get(request.key) ?? null }))),
    );
    c.sink.next({ type: 'hello', name: 'ada' });
    expect(await c.request({ type: 'get', key: 'a' })).toEqual({ type: 'value', id: 1, value: 'apple' });
    expect(await c.request({ type: 'get', key: 'b' })).toEqual({ type: 'value', id: 2, value: null });
    expect(events.values).toEqual([{ type: 'hello', name: 'ada' }]);
  });

  it('runs at most `concurrency` handlers at once, one at a time by default (answered in order)', async () => {
    for (const concurrency of [undefined, 3]) {
      const { s, c } = await open();
      let running = 0;
      let most = 0;
      const order: string[] = [];
      s.messages$
        .pipe(
          serveRequests(
            s,
            async (request) => {
              running++;
              most = Math.max(most, running);
              await sleep(request.key === 'k0' ? 30 : 5);
              running--;
              order.push(request.key);
              return { type: 'value' as const, value: request.key };
            },
            concurrency === undefined ? undefined : { concurrency },
          ),
        )
        .subscribe();
      const answers = await Promise.all(Array.from({ length: 9 }, (_, i) => c.request({ type: 'get', key: `k${i}` })));
      expect(answers.map((a) => (a.type === 'value' ? a.value : a.message))).toEqual(Array.from({ length: 9 }, (_, i) => `k${i}`));
      expect(most).toBe(concurrency ?? 1);
      if (concurrency === undefined) expect(order).toEqual(Array.from({ length: 9 }, (_, i) => `k${i}`));
      else expect(order[0]).not.toBe('k0'); // the slow first one did not hold the others up
    }
  });

  it('answers with errorResponse when a handler fails, if one is given', async () => {
    const { s, c } = await open();
    s.messages$
      .pipe(
        serveRequests(
          s,
          (request) => {
            if (request.key === 'sync') throw new Error('no such key');
            return Promise.reject(new Error('store is down'));
          },
          { errorResponse: (error) => ({ type: 'error', message: (error as Error).message }) },
        ),
      )
      .subscribe();
    expect(await c.request({ type: 'get', key: 'sync' })).toEqual({ type: 'error', id: 1, message: 'no such key' });
    expect(await c.request({ type: 'get', key: 'async' })).toEqual({ type: 'error', id: 2, message: 'store is down' });
  });

  it('closes with 1011 and reports a RequestHandlerError when a handler fails without errorResponse', async () => {
    const { s, c, client } = await open();
    const errors: RxwsError[] = [];
    s.errors$.subscribe((e) => errors.push(e));
    const served = collect(s.messages$.pipe(serveRequests(s, () => Promise.reject(new Error('secret detail')))));
    const failed = c.request({ type: 'get', key: 'x' }).catch((e: unknown) => e);
    const close = await firstValueFrom(client.closed$);
    expect(close).toMatchObject({ code: 1011, reason: 'internal error' });
    expect(await failed).toMatchObject({ code: 'connection_closed', closeCode: 1011 });
    await served.done;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RequestHandlerError);
    expect((errors[0]!.cause as Error).message).toBe('secret detail');
  });

  it('pauses the connection while more than 64 requests wait, and resumes at 16', async () => {
    const { s, c, server } = await open();
    const calls: string[] = [];
    const pause = server.pause.bind(server);
    const resume = server.resume.bind(server);
    server.pause = () => {
      calls.push('pause');
      pause();
    };
    server.resume = () => {
      calls.push('resume');
      resume();
    };
    const gate = new Subject<void>();
    const opened = firstValueFrom(gate);
    s.messages$.pipe(serveRequests(s, async () => (await opened, { type: 'value' as const, value: 'ok' }))).subscribe();
    const answers = Promise.all(Array.from({ length: 100 }, (_, i) => c.request({ type: 'get', key: `k${i}` })));
    await until(() => calls.length === 1, 2000, 'a pause');
    gate.next();
    expect((await answers).length).toBe(100);
    expect(calls).toEqual(['pause', 'resume']);
  });

  it('stops serving on unsubscribe and checks its options', async () => {
    const { s, c } = await open();
    const subscription = s.messages$.pipe(serveRequests(s, async () => (await sleep(20), { type: 'value' as const, value: 'late' }))).subscribe();
    const waiting = c.request({ type: 'get', key: 'a' }, { timeoutMs: 100 }).catch((e: unknown) => e);
    await sleep(5);
    subscription.unsubscribe();
    expect(await waiting).toMatchObject({ code: 'timeout' });
    expect(() => serveRequests(s, () => ({ type: 'value', value: null }), { concurrency: 0 })).toThrow(UsageError);
    expect(() => serveRequests(s, () => ({ type: 'value', value: null }), { limit: 2 } as never)).toThrow(/unknown serveRequests option 'limit'/);
    expect(() => serveRequests(s, undefined as never)).toThrow(UsageError);
  });

  it('completes when the connection closes, after the handlers in flight', async () => {
    const { s, c, client } = await open();
    let finished = 0;
    const served = collect(
      s.messages$.pipe(serveRequests(s, async () => (await sleep(30), finished++, { type: 'value' as const, value: 'v' }))),
    );
    c.sink.next({ type: 'hello', name: 'x' });
    const request = c.request({ type: 'get', key: 'k' }).catch((e: unknown) => e);
    await until(() => served.values.length === 1, 2000, 'the hello');
    void client.close(1000);
    expect(await request).toMatchObject({ code: 'connection_closed' });
    await served.done;
    expect(finished).toBe(1);
    expect(served.values).toEqual([{ type: 'hello', name: 'x' }]);
  });
});
