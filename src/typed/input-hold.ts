/** Something whose input can be stopped and restarted, like a Connection (TCP backpressure). */
export interface MaybePausable {
  pause?(): void;
  resume?(): void;
}

/** How many holders want each connection's input stopped. */
const holders = new WeakMap<object, number>();

/**
 * @internal Stops a connection's input on behalf of one holder (a typed view's validation queue,
 * a `serveRequests` queue). Counted, so one holder releasing does not resume a connection another
 * still holds. A connection without `pause` is left alone.
 */
export function holdInput(target: MaybePausable): void {
  const count = holders.get(target) ?? 0;
  holders.set(target, count + 1);
  if (count === 0) target.pause?.();
}

/** @internal Ends one hold; the last one resumes the connection. */
export function releaseInput(target: MaybePausable): void {
  const count = holders.get(target);
  if (count === undefined) return;
  if (count > 1) {
    holders.set(target, count - 1);
    return;
  }
  holders.delete(target);
  target.resume?.();
}
