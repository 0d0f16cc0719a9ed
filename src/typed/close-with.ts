import { isThenable } from './in-order';

/** What closeWith needs: the connection's `close` and, as a fallback, its `sink`. */
export interface Closable {
  close(code?: number, reason?: string): unknown;
  readonly sink: { error(error: unknown): void };
}

/**
 * @internal Closes a connection with `code` from code that must not throw (a peer's bad message,
 * a failed handler). A connection that refuses the code (a browser sends only 1000 and
 * 3000-4999) is closed through `sink.error` instead, which every connection maps to the nearest
 * code it can send; one that is already closing is left alone.
 */
export function closeWith(connection: Closable, code: number, reason: string): void {
  try {
    const closing = connection.close(code, reason);
    if (isThenable(closing)) closing.then(undefined, ignore);
  } catch {
    try {
      connection.sink.error({ closeCode: code });
    } catch {
      // Nothing more we can do from here; the connection reports its own state.
    }
  }
}

function ignore(): void {}
