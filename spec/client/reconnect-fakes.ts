// Stand-ins for connections in virtual-time tests of `reconnect`: all the operator looks at is
// `closed$` and, on client connections, `localCloseCode`.
import { Observable, defer, of, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { Connection } from '../../src/rx/connection';
import type { CloseMessage } from '../../src/rx/message';

export function fakeConnection(code: number, options: { localCloseCode?: number; wasClean?: boolean; reason?: string } = {}): Connection {
  const close: CloseMessage = { type: 'close', code, reason: options.reason ?? '', wasClean: options.wasClean ?? true };
  return { closed$: of(close), localCloseCode: options.localCloseCode, code } as unknown as Connection;
}

/** One attempt: what a subscription to the source does. */
export type Attempt = (scheduler: TestScheduler) => Observable<Connection>;

/** Opens `connection` at once, and closes it (the source completes) after `openMs`. */
export const opens = (connection: Connection, openMs: number): Attempt => (scheduler) =>
  new Observable<Connection>((subscriber) => {
    subscriber.next(connection);
    return scheduler.schedule(() => subscriber.complete(), openMs);
  });

/** Fails with `error` after `afterMs` (a handshake that took that long). */
export const fails = (error: unknown, afterMs = 0): Attempt => (scheduler) =>
  new Observable<Connection>((subscriber) => scheduler.schedule(() => subscriber.error(error), afterMs));

/** Never answers (a handshake in progress), recording when it is torn down. */
export const hangs = (onTeardown: (atMs: number) => void): Attempt => (scheduler) =>
  new Observable<Connection>(() => () => onTeardown(scheduler.now()));

export interface VirtualRun {
  scheduler: TestScheduler;
  /** Virtual times at which the source was subscribed. */
  subscribedAt: number[];
  values: Connection[];
  error: unknown;
  completed: boolean;
  /** When the result stream ended (error or complete). */
  endedAt: number | undefined;
  subscription: Subscription;
}

/**
 * Subscribes `build(source, scheduler)` where the source plays `attempts` in order (the last one
 * repeats), runs virtual time up to `untilMs`, then unsubscribes.
 */
export function runVirtual(
  attempts: Attempt[],
  build: (source: Observable<Connection>, scheduler: TestScheduler) => Observable<Connection>,
  untilMs = 10 * 60_000,
): VirtualRun {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  scheduler.maxFrames = Number.POSITIVE_INFINITY;
  const subscribedAt: number[] = [];
  const source = defer(() => {
    const index = Math.min(subscribedAt.length, attempts.length - 1);
    subscribedAt.push(scheduler.now());
    return attempts[index]!(scheduler);
  });
  const run: VirtualRun = { scheduler, subscribedAt, values: [], error: undefined, completed: false, endedAt: undefined, subscription: undefined as never };
  run.subscription = build(source, scheduler).subscribe({
    next: (value) => run.values.push(value),
    error: (error: unknown) => {
      run.error = error;
      run.endedAt = scheduler.now();
    },
    complete: () => {
      run.completed = true;
      run.endedAt = scheduler.now();
    },
  });
  scheduler.schedule(() => run.subscription.unsubscribe(), untilMs);
  scheduler.flush();
  return run;
}

/** Differences between consecutive values: the delays between subscriptions. */
export function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]!);
}
