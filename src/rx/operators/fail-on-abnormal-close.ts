import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import { ConnectionClosedError } from '../../errors';
import type { Message } from '../message';

/**
 * Turns an unclean end of `messages$` (a dropped socket, 1006, or a failure such as 1002) into an
 * error: the close event is still emitted, then the stream errors with ConnectionClosedError
 * instead of completing. A clean close (both close frames exchanged) still completes.
 * `messages$` itself always completes, so an unhandled error can never crash a server: use this
 * where an error is what you want, e.g. before `retry`.
 */
export function failOnAbnormalClose(): MonoTypeOperatorFunction<Message> {
  return (source) =>
    new Observable<Message>((subscriber) => {
      let failure: ConnectionClosedError | undefined;
      return source.subscribe({
        next(message) {
          subscriber.next(message);
          if (message.type === 'close' && !message.wasClean) {
            failure = new ConnectionClosedError(`the connection closed abnormally (${message.code})`, message.code, message.reason, false);
          }
        },
        error(error: unknown) {
          subscriber.error(error);
        },
        complete() {
          if (failure !== undefined) subscriber.error(failure);
          else subscriber.complete();
        },
      });
    });
}
