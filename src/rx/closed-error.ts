import { ConnectionClosedError } from '../errors';
import { CLOSE_ABNORMAL } from '../protocol/close-code';
import type { CloseMessage } from './message';

/**
 * The error an operation that waited on a connection (a send behind a stream, a ping,
 * `waitForMessage`) rejects with when the connection closed first: it carries the close code,
 * reason and wasClean of `close`, or 1006 when the close is not known yet.
 */
export function closedError(close: CloseMessage | undefined, what = 'the connection closed'): ConnectionClosedError {
  return new ConnectionClosedError(
    close === undefined ? what : `${what} (${close.code})`,
    close?.code ?? CLOSE_ABNORMAL,
    close?.reason ?? '',
    close?.wasClean ?? false,
  );
}
