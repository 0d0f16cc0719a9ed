import { tap, type MonoTypeOperatorFunction } from 'rxjs';
import type { OutgoingMessage } from '../message';

/** Anything with a `broadcast` like a Route's: one frame encoded once, written to many sockets. */
export interface BroadcastTarget {
  /** Sends `message` to every member; returns how many it was written to. */
  broadcast(message: OutgoingMessage): number;
}

/** The operator form of `route.broadcast`: sends every value to every connection of the target
 *  and passes the values on unchanged. Errors and completion pass through too (completing does
 *  not close any connection). */
export function broadcastTo<T extends OutgoingMessage>(target: BroadcastTarget): MonoTypeOperatorFunction<T> {
  return tap((message: T) => {
    target.broadcast(message);
  });
}
