import type { Connection } from '../rx/connection';
import type { BroadcastFrames } from './broadcast-frames';

/** Told about each member a delivery could not reach because it is not reading fast enough. */
export interface DropListener {
  /** `closed`: the member's policy ('close') failed it with 1008; else the message was dropped. */
  memberDropped(connection: Connection<any>, closed: boolean): void;
}

/**
 * Writes one broadcast's frames (encoded once) to every open connection of `members` but `except`,
 * each under its own backpressure policy; returns how many it was written to.
 *
 * No user code runs while `members` is iterated: a member over its buffer cap is set aside, and
 * its policy, which reports on its `errors$` (a user callback that may join, leave, publish or
 * close), is applied only once every other member has its frame. So each member's frames are in
 * the order of the calls, and the set is never changed under the loop. Connections that are
 * closing are skipped: nothing can be sent to them any more, and that is not a drop.
 */
export function deliverFrames(
  members: Iterable<Connection<any>>,
  frames: BroadcastFrames,
  except: Connection<any> | undefined,
  drops: DropListener | undefined,
): number {
  let sent = 0;
  let stalled: Array<Connection<any>> | undefined;
  for (const connection of members) {
    if (connection === except) continue;
    if (connection.overBufferCap) (stalled ??= []).push(connection);
    else if (connection.sendEncoded(frames.for(connection))) sent++;
  }
  if (stalled !== undefined) {
    for (const connection of stalled) {
      // Someone's callback may have closed it meanwhile: then there is nothing to apply.
      if (connection.state !== 'open') continue;
      if (connection.sendEncoded(frames.for(connection))) sent++;
      else drops?.memberDropped(connection, connection.state !== 'open');
    }
  }
  return sent;
}
