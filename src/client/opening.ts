import { Observable } from 'rxjs';
import type { RxwsError } from '../errors';
import type { ReactiveConnection } from '../rx/reactive-connection';

/**
 * @internal Starts opening one connection: calls `opened` with it once open, or `failed` with a
 * typed error; returns what aborts an opening still under way. The Node and browser entries
 * each have one (a socket and its handshake; the browser's WebSocket).
 */
export type StartOpening<C> = (opened: (connection: C) => void, failed: (error: RxwsError) => void) => () => void;

/**
 * @internal `connect()`'s contract, shared by the Node and browser entries: each subscription
 * opens one connection and emits it; the Observable completes when that connection closes and
 * errors if it could not open. Unsubscribing aborts an opening under way, or closes an open
 * connection with 1000.
 */
export function openingAsObservable<C extends ReactiveConnection<any>>(start: StartOpening<C>): Observable<C> {
  return new Observable<C>((subscriber) => {
    let connection: C | undefined;
    const abort = start(
      (opened) => {
        connection = opened;
        opened.closed$.subscribe(() => subscriber.complete());
        subscriber.next(opened);
      },
      (error) => subscriber.error(error),
    );
    return () => {
      if (connection === undefined) abort();
      else if (connection.state === 'open') void connection.close(1000);
    };
  });
}

/** @internal `openConnection()`'s contract: the open connection, which the caller then owns. */
export function openingAsPromise<C>(start: StartOpening<C>): Promise<C> {
  return new Promise((resolve, reject) => {
    start(resolve, reject);
  });
}
