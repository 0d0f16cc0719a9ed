import { EmptyError, isObservable, take, type Observable } from 'rxjs';
import type { UpgradeRequest } from '../rx/upgrade-request';

/** Extra HTTP response headers: a list value repeats the header (Set-Cookie). */
export type ResponseHeaders = Record<string, string | number | string[]>;

/** An accept hook's "yes", with what to add to the 101 response. Every field is optional. */
export interface Acceptance<TData = unknown> {
  /** Extra 101 response headers, e.g. `Set-Cookie`. */
  headers?: ResponseHeaders;
  /** The subprotocol to use; must be one the client offered (else the handshake is answered
   *  with 500 and a UsageError is reported on `server.errors$`). Default: the route's
   *  `protocols` choice. */
  protocol?: string;
  /** Stored on `connection.data`, e.g. the authenticated user. */
  data?: TData;
}

const kRejection = Symbol('rxws.rejection');

/** An accept hook's "no": an HTTP response instead of the 101. Made with `reject()`. */
export interface Rejection {
  /** Marks a value made by `reject()`, so no other object is taken for a refusal. */
  readonly [kRejection]: true;
  /** The HTTP status sent, 400-599. */
  readonly status: number;
  /** The response body (text/plain). */
  readonly body: string;
  /** Extra response headers. */
  readonly headers: ResponseHeaders;
}

/**
 * Refuse a handshake, from an accept hook: `return reject(401, 'log in first', { 'www-authenticate':
 * 'Bearer' })`. The client gets this HTTP status (400-599), body and headers instead of the 101,
 * and no connection is made. A status out of range, or a header name or value that could not be
 * sent safely (CR, LF, NUL), answers 500 instead and reports a UsageError on `server.errors$`.
 */
export function reject(status: number, body = '', headers: ResponseHeaders = {}): Rejection {
  return { [kRejection]: true, status, body, headers };
}

export function isRejection(value: unknown): value is Rejection {
  return typeof value === 'object' && value !== null && (value as Partial<Rejection>)[kRejection] === true;
}

/** What an accept hook decides: `undefined` or `true` accept as is, an `Acceptance` accepts
 *  with extras, `false` rejects with 403, a `reject()` rejects with its status. */
export type AcceptDecision<TData = unknown> = void | boolean | Acceptance<TData> | Rejection;

/** Sees the handshake request and decides; may answer at once, with a Promise, or an
 *  Observable (its first value). A throw, a rejected promise, an error or an Observable that
 *  completes empty answers 500 and reports an AcceptHookError on `server.errors$`; a hook still
 *  waiting when `handshakeTimeoutMs` runs out is unsubscribed and the socket dropped. */
export type AcceptHook<TData = unknown> = (
  request: UpgradeRequest,
) => AcceptDecision<TData> | PromiseLike<AcceptDecision<TData>> | Observable<AcceptDecision<TData>>;

/**
 * Runs a hook and hands its decision to `done`, synchronously when the hook answered
 * synchronously (most do: no promise per handshake), later otherwise. A throw, a rejected promise
 * or an erroring Observable reach `failed`, never an unhandled rejection.
 */
export function runAcceptHook<TData>(
  hook: AcceptHook<TData>,
  request: UpgradeRequest,
  done: (decision: AcceptDecision<TData>) => void,
  failed: (error: unknown) => void,
): () => void {
  let result: ReturnType<AcceptHook<TData>>;
  try {
    result = hook(request);
  } catch (error) {
    failed(error);
    return noop;
  }
  if (isObservable(result)) {
    // The first value decides; an Observable that completes empty is a bug in the hook (500).
    // The returned cancel unsubscribes it, so a hook still waiting when its handshake ends
    // (timeout, client gone, shutdown) does not keep the socket and closures alive.
    let answered = false;
    const subscription = (result as Observable<AcceptDecision<TData>>).pipe(take(1)).subscribe({
      next: (decision) => {
        answered = true;
        done(decision);
      },
      error: failed,
      complete: () => {
        if (!answered) failed(new EmptyError());
      },
    });
    return () => subscription.unsubscribe();
  }
  if (isThenable(result)) {
    // A promise cannot be cancelled; `done` checks that the handshake is still in progress.
    Promise.resolve(result).then(done, failed);
  } else {
    done(result);
  }
  return noop;
}

function noop(): void {}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
