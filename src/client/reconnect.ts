import { Observable, Subscription, asyncScheduler, timer, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';
import { ConnectionClosedError, HandshakeError, NetworkError, TimeoutError } from '../errors';
import { CLOSE_NORMAL } from '../protocol/close-code';
import type { CloseMessage } from '../rx/message';
import type { ReactiveConnection } from '../rx/reactive-connection';
import { aFunction, integer, MAX_SAFE_INTEGER, oneOf, type OptionRules, validateOptions } from '../rx/validate-options';

/** How one connection attempt ended, as `shouldRetry` sees it. */
export type ReconnectOutcome =
  | {
      kind: 'closed';
      /** The connection that closed. */
      connection: ReactiveConnection<any>;
      /** The code this side sent when it started the close, else the code reported on close
       *  (the server's, 1006 for a dropped connection, or the one we failed with on a peer fault). */
      code: number;
      /** The close reason ('' when none). */
      reason: string;
      /** True when both close frames were exchanged. */
      wasClean: boolean;
      /** True when this program started the close (close(), sink.complete(), fail(), ...). */
      initiatedLocally: boolean;
      /** How long the connection stayed open. */
      openMs: number;
    }
  | {
      kind: 'failed';
      /** Why the attempt failed: HandshakeError, NetworkError, TimeoutError, UsageError, ... */
      error: unknown;
    };

/** What `onRetry` is told before each delay. */
export interface RetryInfo {
  /** 1 for the first retry after a success (or the start), 2 for the next, ... */
  attempt: number;
  /** Milliseconds until the next attempt (backoff with jitter, or the server's Retry-After). */
  delayMs: number;
  /** How the last connection or attempt ended. */
  outcome: ReconnectOutcome;
}

/** Settings of `reconnect`. Units are in the names; every one is checked when `reconnect()` is
 *  called: an unknown key or a value out of range throws a UsageError at once. */
export interface ReconnectOptions {
  /** Upper bound of the first delay, in milliseconds. Default 500. */
  initialDelayMs: number;
  /** Each retry in a row multiplies the upper bound by this. Default 2. */
  factor: number;
  /** The upper bound never exceeds this many milliseconds. Default 30,000. */
  maxDelayMs: number;
  /**
   * How the delay is drawn from the bound `b = min(maxDelayMs, initialDelayMs · factor^n)`:
   * 'full' (default): uniform in [0, b) — the "full jitter" of AWS's backoff study, which spreads
   * a crowd of clients reconnecting after a server restart the most; 'equal': uniform in
   * [b/2, b); 'none': exactly b. Delays are whole milliseconds (rounded down).
   */
  jitter: 'full' | 'equal' | 'none';
  /** A connection that stayed open at least this many milliseconds resets the backoff.
   *  Default 10,000. */
  resetAfterMs: number;
  /** Retries in a row (since the start or the last reset) before giving up with the last
   *  outcome's error. Default Infinity; 0 never retries. */
  maxAttempts: number;
  /** Decides whether an outcome is retried. Default: `isRetryable`. */
  shouldRetry: ((outcome: ReconnectOutcome) => boolean) | undefined;
  /** Told about each retry before its delay starts (for logging, or a state machine). */
  onRetry: ((retry: RetryInfo) => void) | undefined;
  /** Where the delays run. Default `asyncScheduler` (`TestScheduler` in tests). */
  scheduler: SchedulerLike | undefined;
  /** Source of jitter in [0, 1). Default `Math.random`. */
  random: (() => number) | undefined;
}

/** The defaults of every reconnect option: 500 ms doubling up to 30 s, full jitter, reset after 10 s, no attempt limit. */
export const DEFAULT_RECONNECT_OPTIONS: Readonly<ReconnectOptions> = /* @__PURE__ */ Object.freeze({
  initialDelayMs: 500,
  factor: 2,
  maxDelayMs: 30_000,
  jitter: 'full',
  resetAfterMs: 10_000,
  maxAttempts: Infinity,
  shouldRetry: undefined,
  onRetry: undefined,
  scheduler: undefined,
  random: undefined,
});

const RECONNECT_OPTION_RULES: OptionRules<ReconnectOptions> = {
  initialDelayMs: integer(0, 2_147_483_647),
  factor: (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 1 ? undefined : 'must be a number of at least 1'),
  maxDelayMs: integer(0, 2_147_483_647),
  jitter: oneOf(['full', 'equal', 'none']),
  resetAfterMs: integer(0, MAX_SAFE_INTEGER),
  maxAttempts: (v) => (v === Infinity || (typeof v === 'number' && Number.isInteger(v) && v >= 0) ? undefined : 'must be a non-negative integer or Infinity'),
  shouldRetry: aFunction,
  onRetry: aFunction,
  scheduler: (v) => (typeof (v as SchedulerLike | null)?.schedule === 'function' ? undefined : 'must be an rxjs scheduler'),
  random: aFunction,
};

/**
 * Close codes after which reconnecting cannot help: the server says we broke the
 * protocol (1002), sent what it cannot take (1003, 1007, 1009), broke its policy (1008), or it
 * lacks an extension we need (1010). Retrying would repeat the same fault.
 */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([1002, 1003, 1007, 1008, 1009, 1010]);

/**
 * HTTP statuses of a refused handshake that are worth retrying: every 5xx (the server or a proxy
 * is in trouble, usually for a while), 408 (request timeout) and 429 (too many requests). Every
 * other status is treated as a configuration fault that a retry would only repeat: 400, 401,
 * 403, 404, 405, 426 and the rest of 4xx, 3xx (redirects are not followed),
 * 200, and 101 with an invalid answer (bad accept key, unoffered subprotocol or extension).
 */
export function isRetryableStatus(status: number): boolean {
  return (status >= 500 && status <= 599) || status === 408 || status === 429;
}

/**
 * The default `shouldRetry`: true when `outcome` is worth another attempt. Retried:
 * NetworkError, TimeoutError, HandshakeError
 * with a retryable status, and closes with any code not in FATAL_CLOSE_CODES — 1001, 1006,
 * 1011-1014, but also 1000 and 1005 from the server (it ended the session; a reconnecting client
 * wants a new one) and application codes 3000-4999 (rxws cannot know their meaning: override
 * `shouldRetry` for yours). Not retried: a close this side started with 1000, the fatal close
 * codes, other HTTP statuses, UsageError and any error rxws did not raise.
 */
export function isRetryable(outcome: ReconnectOutcome): boolean {
  if (outcome.kind === 'closed') {
    if (outcome.initiatedLocally && outcome.code === CLOSE_NORMAL) return false;
    return !FATAL_CLOSE_CODES.has(outcome.code);
  }
  const error = outcome.error;
  if (error instanceof NetworkError || error instanceof TimeoutError) return true;
  if (error instanceof HandshakeError) return isRetryableStatus(error.status);
  if (error instanceof ConnectionClosedError) return !FATAL_CLOSE_CODES.has(error.closeCode);
  return false;
}

/**
 * The delay before retry number `attempt + 1` (attempt counts from 0), before any Retry-After:
 * the bound `min(maxDelayMs, initialDelayMs · factor^attempt)` with the chosen jitter.
 */
export function backoffDelay(
  attempt: number,
  options: Pick<ReconnectOptions, 'initialDelayMs' | 'factor' | 'maxDelayMs' | 'jitter'>,
  random: () => number = Math.random,
): number {
  const bound = Math.min(options.maxDelayMs, options.initialDelayMs * options.factor ** attempt);
  if (options.jitter === 'none') return Math.floor(bound);
  let r = random();
  if (!(r >= 0)) r = 0; // NaN or negative from a bad source
  if (r >= 1) r = 0.999_999_999;
  const drawn = options.jitter === 'full' ? r * bound : bound / 2 + (r * bound) / 2;
  // Floating-point rounding can land exactly on the bound (4.5 + 4.4999… = 9): keep it below.
  return Math.min(Math.floor(drawn), Math.max(0, Math.ceil(bound) - 1));
}

/**
 * Keeps a source of connections (like `connect(url)`) connected: after the connection closes
 * (the source completes) or an attempt fails (the source errors), it resubscribes after a delay
 * with exponential backoff and jitter, unless the outcome is fatal.
 *
 * - Emits every connection the source emits.
 * - Completes when it stops after a close with 1000 (by default: a close this side asked for);
 *   errors with the typed cause when it stops on anything else — the HandshakeError,
 *   NetworkError or TimeoutError, or a ConnectionClosedError carrying the close code — including
 *   when `maxAttempts` retries in a row have failed.
 * - A connection that stayed open for `resetAfterMs` resets the backoff.
 * - A 503 or 429 refusal with `Retry-After: <seconds>` waits at least that long (capped at
 *   `maxDelayMs`).
 * - Unsubscribing cancels the pending delay, aborts an attempt in progress and closes an open
 *   connection (with 1000, when the source is `connect()`); nothing is left running.
 *
 * Options are checked when `reconnect()` is called: an unknown key or a value out of range
 * throws a UsageError.
 */
export function reconnect<T extends ReactiveConnection<any>>(options?: Partial<ReconnectOptions>): MonoTypeOperatorFunction<T> {
  const opts = validateOptions<ReconnectOptions>('reconnect', options, DEFAULT_RECONNECT_OPTIONS, RECONNECT_OPTION_RULES);
  const scheduler = opts.scheduler ?? asyncScheduler;
  const random = opts.random ?? Math.random;
  const shouldRetry = opts.shouldRetry ?? isRetryable;

  return (source) =>
    new Observable<T>((subscriber) => {
      /** Retries in a row since the start or the last reset. */
      let attempt = 0;
      /** The attempt in progress (and its close wait), or the pending delay. */
      let active: Subscription | undefined;

      const settle = (outcome: ReconnectOutcome): void => {
        if (subscriber.closed) return;
        if (outcome.kind === 'closed' && outcome.openMs >= opts.resetAfterMs) attempt = 0;
        let retry: boolean;
        try {
          retry = shouldRetry(outcome);
        } catch (error) {
          subscriber.error(error);
          return;
        }
        if (!retry || attempt >= opts.maxAttempts) return stop(outcome);
        const delayMs = Math.max(backoffDelay(attempt, opts, random), retryAfterMs(outcome, opts.maxDelayMs));
        attempt++;
        if (opts.onRetry !== undefined) {
          try {
            opts.onRetry({ attempt, delayMs, outcome });
          } catch (error) {
            subscriber.error(error);
            return;
          }
        }
        if (subscriber.closed) return;
        active = timer(delayMs, scheduler).subscribe(() => run());
      };

      const stop = (outcome: ReconnectOutcome): void => {
        if (outcome.kind === 'failed') return subscriber.error(outcome.error);
        if (outcome.code === CLOSE_NORMAL) return subscriber.complete();
        subscriber.error(
          new ConnectionClosedError(`the connection closed with ${outcome.code}`, outcome.code, outcome.reason, outcome.wasClean),
        );
      };

      const run = (): void => {
        if (subscriber.closed) return;
        const work = new Subscription();
        active = work;
        let current: T | undefined;
        let openedAt = 0;
        work.add(
          source.subscribe({
            next: (connection) => {
              current = connection;
              openedAt = scheduler.now();
              subscriber.next(connection);
            },
            error: (error: unknown) => settle({ kind: 'failed', error }),
            complete: () => {
              const connection = current;
              // A source that ends without a connection has nothing to keep alive.
              if (connection === undefined) return subscriber.complete();
              // Decide once the connection has closed (at once when the source is connect(),
              // which completes on close; later for a source that completes early).
              work.add(connection.closed$.subscribe((close) => settle(closedOutcome(connection, close, scheduler.now() - openedAt))));
            },
          }),
        );
      };

      run();
      return () => active?.unsubscribe();
    });
}

function closedOutcome(connection: ReactiveConnection<any>, close: CloseMessage, openMs: number): ReconnectOutcome {
  const localCode = (connection as { localCloseCode?: number }).localCloseCode;
  return {
    kind: 'closed',
    connection,
    code: localCode ?? close.code,
    reason: close.reason,
    wasClean: close.wasClean,
    initiatedLocally: localCode !== undefined,
    openMs,
  };
}

/** RFC 9110 §10.2.3: Retry-After in seconds on a 503 or 429 refusal (dates are ignored). */
function retryAfterMs(outcome: ReconnectOutcome, maxDelayMs: number): number {
  if (outcome.kind !== 'failed' || !(outcome.error instanceof HandshakeError)) return 0;
  const { status, headers } = outcome.error;
  if (status !== 503 && status !== 429) return 0;
  const value = headers['retry-after'];
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value.trim())) return 0;
  return Math.min(Number(value.trim()) * 1000, maxDelayMs);
}
