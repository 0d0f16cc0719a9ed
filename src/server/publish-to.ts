import { tap, type MonoTypeOperatorFunction } from 'rxjs';
import type { OutgoingMessage } from '../rx/message';
import type { PublishOptions, Topic } from './topic';

/**
 * The operator form of `topic.publish`: publishes every value to the topic, then passes it on
 * unchanged. `options.except` leaves one connection out of every publish, typically the one
 * whose messages the pipeline carries:
 *
 * ```ts
 * conn.messages$.pipe(ofText(), publishTo(room, { except: conn })).subscribe();
 * ```
 *
 * A value that is not a string, an ArrayBuffer or a view of one errors the pipeline with a
 * UsageError.
 */
export function publishTo<T extends OutgoingMessage>(topic: Pick<Topic, 'publish'>, options?: PublishOptions): MonoTypeOperatorFunction<T> {
  return tap((message: T) => {
    topic.publish(message, options);
  });
}
