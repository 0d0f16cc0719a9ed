import { Observable, type OperatorFunction } from 'rxjs';
import { RxwsError } from '../../errors';
import type { Message } from '../message';

/** A text message that was not valid JSON: what `jsonMessages` hands to its `onError`; never
 *  fatal to the stream. `code` is `'decode_error'`. */
export class DecodeError extends RxwsError {
  /** @internal The name as text, which minifiers keep (they rename classes). */
  static override readonly errorName: string = 'DecodeError';
  /**
   * Made by `jsonMessages`; exported for `instanceof`.
   * @param cause - the SyntaxError from `JSON.parse`
   * @param text - the message that failed to parse
   */
  constructor(
    /** The SyntaxError `JSON.parse` threw. */
    override readonly cause: unknown,
    /** The text message that failed to parse, as received (the peer's data: do not log it
     *  unbounded). */
    readonly text: string,
  ) {
    super('decode_error', 'a text message was not valid JSON');
  }
}

/**
 * Decodes text messages as JSON of type T (the caller vouches for the shape, or validates it
 * downstream); binary, pong and close messages are left out. A message that fails to parse goes
 * to `onError` (default: dropped) and the stream goes on: one bad message from a peer must not
 * end a subscription. If `onError` throws, the stream errors with what it threw.
 */
export function jsonMessages<T>(onError: (error: DecodeError) => void = () => {}): OperatorFunction<Message, T> {
  return (source) =>
    new Observable<T>((subscriber) =>
      source.subscribe({
        next(message) {
          if (message.type !== 'text') return;
          let value: T;
          try {
            value = JSON.parse(message.data) as T;
          } catch (error) {
            // A throwing callback must surface in the stream: RxJS would otherwise rethrow it on
            // a timer, out of reach, and take the process down.
            try {
              onError(new DecodeError(error, message.data));
            } catch (callbackError) {
              subscriber.error(callbackError);
            }
            return;
          }
          subscriber.next(value);
        },
        error(error: unknown) {
          subscriber.error(error);
        },
        complete() {
          subscriber.complete();
        },
      }),
    );
}
