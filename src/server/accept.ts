import { EmptyError, isObservable, take, type Observable } from 'rxjs';
import type { UpgradeRequest } from '../rx/upgrade-request';

/** Extra HTTP response headers: a list value repeats the header (Set-Cookie). */
export type ResponseHeaders = Record<string, string | number | string[]>;

/** An accept hook's "yes", with what to add to the 101 response. */
export interface Acceptance<TData = unknown> {
  /** Extra 101 response headers, e.g. `Set-Cookie`. */
  headers?: ResponseHeaders;
  /** The subprotocol to use; must be one the client offered. */
  protocol?: string;
  /** Stored on `connection.data`. */
  data?: TData;
}

const kRejection = Symbol('rxws.rejection');

/** An accept hook's "no": an HTTP response instead of the 101. Made with `reject()`. */
export interface Rejection {
  readonly [kRejection]: true;
  readonly status: number;
  readonly body: string;
  readonly headers: ResponseHeaders;
}

/** Refuse a handshake with an HTTP status (400-599), a body, and headers (e.g. WWW-Authenticate). */
export function reject(status: number, body = '', headers: ResponseHeaders = {}): Rejection {
  return { [kRejection]: true, status, body, headers };
}

export function isRejection(value: unknown): value is Rejection {
  return typeof value === 'object' && value !== null && (value as Partial<Rejection>)[kRejection] === true;
}

/** `undefined` or `true` accept as is; `false` rejects with 403. */
export type AcceptDecision<TData = unknown> = void | boolean | Acceptance<TData> | Rejection;

/** Sees the handshake request and decides; may answer at once, with a Promise, or an Observable (first value). */
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
