import { Observable, type OperatorFunction } from 'rxjs';
import type { Message } from '../message';

/**
 * filter + map in one step with no per-message closure: the payloads of messages of the given
 * types. Shared by ofText, ofBinary and ofData.
 */
export function pickData<T>(first: Message['type'], second?: Message['type']): OperatorFunction<Message, T> {
  return (source) =>
    new Observable<T>((subscriber) =>
      source.subscribe({
        next(message) {
          if (message.type === first || message.type === second) subscriber.next((message as { data: unknown }).data as T);
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
