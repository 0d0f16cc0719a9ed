/**
 * Backpressure from the broadcast compression queue to whoever fills it. Without compression, a
 * broadcast made while handling a message is written to every socket at once, and that work slows
 * the reading of the connection that sent the message. With compression the work goes to zlib's
 * thread pool, so nothing would slow a publisher that sends faster than zlib compresses: the
 * queue (and every receiver's backlog) would grow until receivers were closed. So while too much
 * waits for zlib, the connection whose message is being handled when a broadcast is queued stops
 * reading, until the queue is down again.
 */

/** A connection that can stop and restart reading its socket. */
export interface InputSource {
  pauseForZlib(): void;
  resumeForZlib(): void;
}

/** The connection whose input is being handled now (its events are firing), if any. */
let current: InputSource | undefined;
/** Connections paused because the broadcast queue was full, oldest first. */
const paused = new Set<InputSource>();

/** Marks `source` as the one being handled; returns what to restore with `leaveInput`. */
export function enterInput(source: InputSource): InputSource | undefined {
  const outer = current;
  current = source;
  return outer;
}

/** The connection whose input is being handled now, if any (the read budget asks). */
export function currentInput(): InputSource | undefined {
  return current;
}

/** Ends what `enterInput` began. */
export function leaveInput(outer: InputSource | undefined): void {
  current = outer;
}

/** The broadcast queue is full: the connection being handled (if any) stops reading. */
export function pauseCurrentInput(): void {
  const source = current;
  if (source === undefined || paused.has(source)) return;
  paused.add(source);
  source.pauseForZlib();
}

/** The queue has room again: every connection paused for it may read. */
export function resumePausedInputs(): void {
  if (paused.size === 0) return;
  const sources = [...paused];
  paused.clear();
  for (const source of sources) source.resumeForZlib();
}

/** True while `source` is paused for the broadcast queue. */
export function isPausedForZlib(source: InputSource): boolean {
  return paused.size !== 0 && paused.has(source);
}

/** `source` closed. */
export function forgetInput(source: InputSource): void {
  paused.delete(source);
}

/** Connections paused now (for tests and diagnostics). */
export function inputsPausedForZlib(): number {
  return paused.size;
}
