import { Observable, from, type ObservableInput, type OperatorFunction, type Subscription } from 'rxjs';
import { UsageError } from '../../errors';

/** Anything that can stop and restart its input, like a Connection (TCP backpressure). */
export interface Pausable {
  /** Stops the input until `resume()`. */
  pause(): void;
  /** Restarts the input after `pause()`. */
  resume(): void;
}

/** Water marks for `pacedConcatMap`, in queued values. */
export interface PacedOptions {
  /** Queued values at which the source is paused. Default 64. */
  highWaterMark?: number;
  /** Queued values at which a paused source is resumed. Default 16. */
  lowWaterMark?: number;
}

/**
 * `concatMap` for slow consumers of a connection: values are processed one at a time, in order,
 * and the queue of values waiting is visible, so when it reaches the high-water mark the
 * connection is paused (the peer is held back by TCP) and when it drains to the low-water mark
 * it is resumed. A plain `concatMap` buffers without bound instead.
 *
 * Emits what each `project` result emits, in order; errors when `project` throws or its result
 * errors. Water marks that are not integers with 0 <= lowWaterMark < highWaterMark throw a
 * UsageError at once.
 *
 * @example
 * conn.messages$.pipe(ofText(), pacedConcatMap(conn, (text) => saveToDatabase(text)))
 */
export function pacedConcatMap<T, R>(
  target: Pausable,
  project: (value: T, index: number) => ObservableInput<R>,
  options: PacedOptions = {},
): OperatorFunction<T, R> {
  const high = options.highWaterMark ?? 64;
  const low = options.lowWaterMark ?? 16;
  if (!Number.isInteger(high) || !Number.isInteger(low) || low < 0 || high < 1 || low >= high) {
    throw new UsageError('bad_option', 'pacedConcatMap needs integers 0 <= lowWaterMark < highWaterMark');
  }
  return (source) =>
    new Observable<R>((subscriber) => {
      const queue: T[] = [];
      let active: Subscription | undefined;
      let busy = false;
      let paused = false;
      let sourceDone = false;
      let index = 0;

      let pumping = false;

      // A loop, not recursion: an inner that completes synchronously lets the loop carry on.
      const pump = (): void => {
        pumping = true;
        while (!busy && queue.length > 0 && !subscriber.closed) {
          const value = queue.shift() as T;
          if (paused && queue.length <= low) {
            paused = false;
            target.resume();
          }
          busy = true;
          let projected: ObservableInput<R>;
          try {
            projected = project(value, index++);
          } catch (error) {
            pumping = false;
            subscriber.error(error);
            return;
          }
          active = from(projected).subscribe({
            next: (result) => subscriber.next(result),
            error: (error: unknown) => subscriber.error(error),
            complete: () => {
              busy = false;
              active = undefined;
              if (!pumping) pump();
            },
          });
        }
        pumping = false;
        if (!busy && queue.length === 0 && sourceDone) subscriber.complete();
      };

      const upstream = source.subscribe({
        next: (value) => {
          queue.push(value);
          if (!paused && queue.length >= high) {
            paused = true;
            target.pause();
          }
          // A target's resume() (called from pump) may emit at once: the running loop takes the
          // value in turn, instead of a second pump starting it alongside the one being started.
          if (!pumping) pump();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sourceDone = true;
          if (!pumping) pump();
        },
      });

      return () => {
        upstream.unsubscribe();
        active?.unsubscribe();
        if (paused) target.resume();
      };
    });
}
