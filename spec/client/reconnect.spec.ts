import fc from 'fast-check';
import { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  backoffDelay,
  isRetryable,
  isRetryableStatus,
  reconnect,
  type ReconnectOptions,
  type ReconnectOutcome,
  type RetryInfo,
} from '../../src/client/reconnect';
import { ConnectionClosedError, HandshakeError, NetworkError, TimeoutError, UsageError } from '../../src/errors';
import type { Connection } from '../../src/rx/connection';
import { fails, fakeConnection, gaps, hangs, opens, runVirtual, type Attempt } from './reconnect-fakes';

const network = () => new NetworkError('connection to 127.0.0.1:1 failed: ECONNREFUSED');
const refused = (status: number, headers: Record<string, string> = {}) => new HandshakeError('unexpected_status', `status ${status}`, status, headers, '');

/** reconnect() on the virtual scheduler, with no jitter unless told otherwise. */
const withReconnect =
  (options: Partial<ReconnectOptions> = {}) =>
  (source: Observable<Connection>, scheduler: TestScheduler) =>
    source.pipe(reconnect({ jitter: 'none', ...options, scheduler }));

describe('reconnect: backoff schedule (RELIABILITY 48, virtual time)', () => {
  it('RELIABILITY 48: without jitter the delays double from initialDelayMs up to maxDelayMs', () => {
    const run = runVirtual([fails(network())], withReconnect({ maxAttempts: 9 }));
    expect(gaps(run.subscribedAt)).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(run.error).toBeInstanceOf(NetworkError);
  });

  it('RELIABILITY 48: full jitter draws each delay in [0, bound) from the injected random', () => {
    const draws = [0.5, 0.25, 0.9, 0.1, 0.999];
    let i = 0;
    const run = runVirtual([fails(network())], withReconnect({ jitter: 'full', random: () => draws[i++]!, maxAttempts: 5 }));
    // bounds 500, 1000, 2000, 4000, 8000
    expect(gaps(run.subscribedAt)).toEqual([250, 250, 1800, 400, 7992]);
  });

  it('RELIABILITY 48: equal jitter draws each delay in [bound/2, bound)', () => {
    const run = runVirtual([fails(network())], withReconnect({ jitter: 'equal', random: () => 0.5, maxAttempts: 4 }));
    expect(gaps(run.subscribedAt)).toEqual([375, 750, 1500, 3000]);
  });

  it('RELIABILITY 48: the first delay is random too (full jitter is the default)', () => {
    const run = runVirtual([fails(network())], (source, scheduler) =>
      source.pipe(reconnect({ scheduler, random: () => 0.3, maxAttempts: 1 })),
    );
    expect(gaps(run.subscribedAt)).toEqual([150]);
  });

  it('RELIABILITY 48: factor and the cap are honoured, and time counts from the end of the failed attempt', () => {
    const run = runVirtual([fails(network(), 100)], withReconnect({ initialDelayMs: 100, factor: 3, maxDelayMs: 1000, maxAttempts: 5 }));
    // each attempt takes 100 ms to fail, then waits 100, 300, 900, 1000, 1000
    expect(gaps(run.subscribedAt)).toEqual([200, 400, 1000, 1100, 1100]);
  });

  it('RELIABILITY 48: jitter stays within its bounds for any random value and attempt (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        (attempt, r, initialDelayMs, maxDelayMs) => {
          const options = { initialDelayMs, factor: 2, maxDelayMs };
          const bound = Math.min(maxDelayMs, initialDelayMs * 2 ** attempt);
          const full = backoffDelay(attempt, { ...options, jitter: 'full' }, () => r);
          const equal = backoffDelay(attempt, { ...options, jitter: 'equal' }, () => r);
          expect(Number.isInteger(full) && Number.isInteger(equal)).toBe(true);
          expect(full).toBeGreaterThanOrEqual(0);
          expect(full).toBeLessThan(bound);
          expect(equal).toBeGreaterThanOrEqual(Math.floor(bound / 2));
          expect(equal).toBeLessThan(bound);
          expect(backoffDelay(attempt, { ...options, jitter: 'none' })).toBe(Math.floor(bound));
        },
      ),
    );
  });

  it('a random source that misbehaves (NaN, negative, 1) cannot push a delay outside its bounds', () => {
    const options = { initialDelayMs: 1000, factor: 2, maxDelayMs: 30_000, jitter: 'full' as const };
    expect(backoffDelay(0, options, () => NaN)).toBe(0);
    expect(backoffDelay(0, options, () => -5)).toBe(0);
    expect(backoffDelay(0, options, () => 1)).toBe(999);
    expect(backoffDelay(0, options, () => 7)).toBe(999);
    // Found by the property above: 4.5 + 0.9999999999999998 · 4.5 rounds to exactly 9.
    expect(backoffDelay(0, { initialDelayMs: 9, factor: 2, maxDelayMs: 9, jitter: 'equal' }, () => 0.9999999999999998)).toBe(8);
  });

  it('RELIABILITY 48: a connection that stayed open for resetAfterMs resets the backoff', () => {
    const attempts: Attempt[] = [
      fails(network()),
      fails(network()),
      fails(network()),
      opens(fakeConnection(1006), 10_000), // stable: resets
      fails(network()),
      fails(network()),
    ];
    const run = runVirtual(attempts, withReconnect({ maxAttempts: 10 }), 20_000);
    // 500, 1000, 2000, then open 10 s, then 500 (reset) and 1000 again
    expect(gaps(run.subscribedAt).slice(0, 5)).toEqual([500, 1000, 2000, 10_000 + 500, 1000]);
  });

  it('RELIABILITY 48: a connection that closed before resetAfterMs does not reset the backoff', () => {
    const attempts: Attempt[] = [fails(network()), fails(network()), fails(network()), opens(fakeConnection(1006), 9_999), fails(network())];
    const run = runVirtual(attempts, withReconnect({ maxAttempts: 10 }), 30_000);
    expect(gaps(run.subscribedAt).slice(0, 5)).toEqual([500, 1000, 2000, 9_999 + 4000, 8000]);
  });

  it('onRetry is told the attempt number, the delay and the outcome before each delay', () => {
    const seen: RetryInfo[] = [];
    const closeThenFail: Attempt[] = [opens(fakeConnection(1001), 100), fails(network())];
    runVirtual(closeThenFail, withReconnect({ maxAttempts: 2, onRetry: (info) => seen.push(info) }));
    expect(seen.map((s) => [s.attempt, s.delayMs, s.outcome.kind])).toEqual([
      [1, 500, 'closed'],
      [2, 1000, 'failed'],
    ]);
    expect(seen[0]!.outcome).toMatchObject({ kind: 'closed', code: 1001, initiatedLocally: false, openMs: 100 });
  });

  it('RFC 9110 §10.2.3: a 503 with Retry-After waits at least that long, capped at maxDelayMs', () => {
    const run = runVirtual([fails(refused(503, { 'retry-after': '7' })), fails(refused(503, { 'retry-after': '120' }))], withReconnect({ maxAttempts: 2 }));
    expect(gaps(run.subscribedAt)).toEqual([7000, 30_000]);
  });

  it('RFC 9110 §10.2.3: a 429 with Retry-After waits too; an HTTP date, or Retry-After on another status, is ignored', () => {
    const run = runVirtual(
      [
        fails(refused(429, { 'retry-after': '3' })),
        fails(refused(503, { 'retry-after': 'Wed, 21 Oct 2037 07:28:00 GMT' })),
        fails(refused(500, { 'retry-after': '9' })),
      ],
      withReconnect({ maxAttempts: 3 }),
    );
    expect(gaps(run.subscribedAt)).toEqual([3000, 1000, 2000]);
  });

  it('uses the ambient async scheduler when none is given (TestScheduler.run patches it)', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    scheduler.run(({ cold, expectObservable }) => {
      const error = network();
      const source = cold<Connection>('#', undefined, error);
      // 500 ms, 1000 ms, then give up after 2 retries with the last error.
      expectObservable(source.pipe(reconnect({ jitter: 'none', maxAttempts: 2 }))).toBe('1500ms #', undefined, error);
    });
  });
});

describe('reconnect: what is retried (RELIABILITY 49)', () => {
  const retried = (attempt: Attempt) => {
    const run = runVirtual([attempt], withReconnect({ maxAttempts: 3 }));
    return run.subscribedAt.length === 4;
  };

  it.each([1001, 1006, 1011, 1012, 1013, 1014])('RELIABILITY 49: a close with %i from the server is retried', (code) => {
    expect(retried(opens(fakeConnection(code), 50))).toBe(true);
  });

  it.each([1002, 1003, 1007, 1008, 1009, 1010])('RELIABILITY 49: a close with %i stops, erroring with a ConnectionClosedError carrying the code', (code) => {
    const run = runVirtual([opens(fakeConnection(code, { reason: 'no' }), 50)], withReconnect());
    expect(run.subscribedAt).toEqual([0]);
    expect(run.error).toBeInstanceOf(ConnectionClosedError);
    expect(run.error).toMatchObject({ closeCode: code, reason: 'no' });
    expect(run.endedAt).toBe(50);
  });

  it.each([500, 502, 503, 504, 408, 429])('RELIABILITY 49: HTTP %i is retried', (status) => {
    expect(retried(fails(refused(status)))).toBe(true);
  });

  it.each([400, 401, 403, 404, 405, 426, 301, 200, 101, 0])('RELIABILITY 49: HTTP %i stops with the HandshakeError', (status) => {
    const error = refused(status);
    const run = runVirtual([fails(error)], withReconnect());
    expect(run.subscribedAt).toEqual([0]);
    expect(run.error).toBe(error);
  });

  it('RELIABILITY 49: network errors and handshake timeouts are retried', () => {
    expect(retried(fails(network()))).toBe(true);
    expect(retried(fails(new TimeoutError('no handshake response', 10_000)))).toBe(true);
  });

  it('a UsageError or an error rxws did not raise stops at once', () => {
    for (const error of [new UsageError('bad_option', 'bad'), new Error('a bug'), 'a string']) {
      const run = runVirtual([fails(error)], withReconnect());
      expect(run.subscribedAt).toEqual([0]);
      expect(run.error).toBe(error);
    }
  });

  it('a clean 1000 close this side asked for completes the stream', () => {
    // The server echoed an empty close (1005); what counts is the 1000 we sent.
    const run = runVirtual([opens(fakeConnection(1005, { localCloseCode: 1000 }), 50)], withReconnect());
    expect(run.subscribedAt).toEqual([0]);
    expect(run.completed).toBe(true);
    expect(run.error).toBeUndefined();
  });

  it('a 1000 close the server started is retried (it ended the session, we want a new one)', () => {
    expect(retried(opens(fakeConnection(1000), 50))).toBe(true);
  });

  it('a close this side started with another code is judged by that code', () => {
    expect(retried(opens(fakeConnection(4000, { localCloseCode: 4000 }), 50))).toBe(true);
    const run = runVirtual([opens(fakeConnection(1008, { localCloseCode: 1008 }), 50)], withReconnect());
    expect(run.error).toMatchObject({ closeCode: 1008 });
  });

  it('the default classification, as a table', () => {
    const closed = (code: number, initiatedLocally = false): ReconnectOutcome => ({
      kind: 'closed',
      connection: fakeConnection(code),
      code,
      reason: '',
      wasClean: true,
      initiatedLocally,
      openMs: 0,
    });
    expect(isRetryable(closed(1000, true))).toBe(false);
    expect(isRetryable(closed(1000))).toBe(true);
    expect(isRetryable(closed(1005))).toBe(true);
    expect(isRetryable(closed(4321))).toBe(true);
    expect(isRetryable({ kind: 'failed', error: new ConnectionClosedError('x', 1009, '', true) })).toBe(false);
    expect(isRetryable({ kind: 'failed', error: new ConnectionClosedError('x', 1006, '', false) })).toBe(true);
    expect([399, 400, 407, 408, 428, 429, 499, 500, 599, 600].map(isRetryableStatus)).toEqual([
      false, false, false, true, false, true, false, true, true, false,
    ]);
  });

  it('shouldRetry overrides the classification both ways', () => {
    const retryAuth = runVirtual([fails(refused(401))], withReconnect({ maxAttempts: 2, shouldRetry: (o) => o.kind === 'failed' }));
    expect(retryAuth.subscribedAt).toEqual([0, 500, 1500]);
    const neverRetry = runVirtual([fails(network())], withReconnect({ shouldRetry: () => false }));
    expect(neverRetry.subscribedAt).toEqual([0]);
    expect(neverRetry.error).toBeInstanceOf(NetworkError);
    // An application code (4001 "kicked") made fatal:
    const kicked = runVirtual([opens(fakeConnection(4001), 10)], withReconnect({ shouldRetry: (o) => !(o.kind === 'closed' && o.code === 4001) }));
    expect(kicked.error).toMatchObject({ closeCode: 4001 });
  });

  it('a shouldRetry that throws errors the stream with what it threw, and nothing is retried', () => {
    const boom = new Error('boom');
    const run = runVirtual([fails(network())], withReconnect({ shouldRetry: () => { throw boom; } }));
    expect(run.error).toBe(boom);
    expect(run.subscribedAt).toEqual([0]);
  });

  it('an onRetry that throws errors the stream, and no delay is left scheduled', () => {
    const boom = new Error('boom');
    const run = runVirtual([fails(network())], withReconnect({ onRetry: () => { throw boom; } }));
    expect(run.error).toBe(boom);
    expect(run.subscribedAt).toEqual([0]);
  });
});

describe('reconnect: limits and cancellation (RELIABILITY 50)', () => {
  it('maxAttempts retries in a row, then the last error', () => {
    const last = refused(502);
    const run = runVirtual([fails(network()), fails(network()), fails(last)], withReconnect({ maxAttempts: 2 }));
    expect(run.subscribedAt).toEqual([0, 500, 1500]);
    expect(run.error).toBe(last);
  });

  it('maxAttempts 0 never retries; a retryable close then errors with its code', () => {
    const run = runVirtual([opens(fakeConnection(1006, { wasClean: false }), 5)], withReconnect({ maxAttempts: 0 }));
    expect(run.subscribedAt).toEqual([0]);
    expect(run.error).toMatchObject({ closeCode: 1006, wasClean: false });
  });

  it('maxAttempts counts retries in a row: a stable connection starts the count again', () => {
    const attempts: Attempt[] = [fails(network()), fails(network()), opens(fakeConnection(1001), 10_000), fails(network()), fails(network()), fails(network())];
    const run = runVirtual(attempts, withReconnect({ maxAttempts: 2 }));
    // first try + 2 retries (the 2nd opens for 10 s: reset) + 2 retries, then give up
    expect(run.subscribedAt).toEqual([0, 500, 1500, 11_500 + 500, 12_000 + 1000]);
    expect(run.error).toBeInstanceOf(NetworkError);
  });

  it('RELIABILITY 50: unsubscribing during backoff cancels the timer, and nothing is subscribed again', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    scheduler.maxFrames = Number.POSITIVE_INFINITY;
    let subscriptions = 0;
    const source = new Observable<Connection>((subscriber) => {
      subscriptions++;
      subscriber.error(network());
    });
    const subscription = source.pipe(reconnect({ scheduler, jitter: 'none' })).subscribe({ error: () => undefined });
    scheduler.schedule(() => subscription.unsubscribe(), 700); // during the 1000 ms wait after the 2nd failure
    scheduler.flush();
    expect(subscriptions).toBe(2);
    expect(scheduler.now()).toBe(700); // the pending timer at 1500 was cancelled, not just ignored
    expect(scheduler.actions.length).toBe(0);
  });

  it('RELIABILITY 50: unsubscribing while an attempt is in progress tears that attempt down', () => {
    const torn: number[] = [];
    const run = runVirtual([fails(network()), hangs((at) => torn.push(at))], withReconnect(), 2_000);
    expect(run.subscribedAt).toEqual([0, 500]);
    expect(torn).toEqual([2_000]);
  });

  it('RELIABILITY 50: unsubscribing while a connection is open unsubscribes the source (connect() then closes it)', () => {
    let torn = -1;
    const open: Attempt = (scheduler) =>
      new Observable<Connection>((subscriber) => {
        subscriber.next(fakeConnection(1000));
        return () => (torn = scheduler.now());
      });
    const run = runVirtual([open], withReconnect(), 1234);
    expect(run.values.length).toBe(1);
    expect(torn).toBe(1234);
  });

  it('emits every connection of every attempt, in order', () => {
    const a = fakeConnection(1001);
    const b = fakeConnection(1006);
    const c = fakeConnection(1000, { localCloseCode: 1000 });
    const run = runVirtual([opens(a, 10), opens(b, 10), opens(c, 10)], withReconnect());
    expect(run.values).toEqual([a, b, c]);
    expect(run.completed).toBe(true);
  });

  it('a source that completes without a connection completes the stream', () => {
    const run = runVirtual([() => new Observable<Connection>((s) => s.complete())], withReconnect());
    expect(run.completed).toBe(true);
    expect(run.subscribedAt).toEqual([0]);
  });

  it('waits for a connection to close even if its source completed earlier', () => {
    // A source that completes right after emitting (e.g. connect(url).pipe(take(1))) is judged
    // when its connection closes.
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    let closeAfter = (): void => undefined;
    const conn = {
      closed$: new Observable((subscriber) => {
        closeAfter = () => {
          subscriber.next({ type: 'close', code: 1012, reason: '', wasClean: true });
          subscriber.complete();
        };
      }),
    } as unknown as Connection;
    let subscriptions = 0;
    const source = new Observable<Connection>((subscriber) => {
      subscriptions++;
      if (subscriptions === 1) {
        subscriber.next(conn);
        subscriber.complete();
      }
    });
    scheduler.maxFrames = Number.POSITIVE_INFINITY;
    const subscription = source.pipe(reconnect({ scheduler, jitter: 'none' })).subscribe();
    scheduler.schedule(() => closeAfter(), 300);
    scheduler.flush();
    expect(subscriptions).toBe(2);
    expect(scheduler.now()).toBe(800);
    subscription.unsubscribe();
  });

  it('options are checked when reconnect() is called: unknown keys and bad values throw a UsageError', () => {
    expect(() => reconnect({ initalDelayMs: 5 } as never)).toThrow(UsageError);
    expect(() => reconnect({ factor: 0.5 })).toThrow(/factor/);
    expect(() => reconnect({ maxAttempts: -1 })).toThrow(UsageError);
    expect(() => reconnect({ jitter: 'some' as never })).toThrow(UsageError);
    expect(() => reconnect({ maxAttempts: Infinity, resetAfterMs: 0 })).not.toThrow();
  });
});
