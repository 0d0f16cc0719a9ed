/** What an ExpiryQueue holds: objects with room for their place in it (set by the queue). */
export interface Expiring {
  /** When it expires, in milliseconds on the queue's clock (`performance.now()`); 0 while it is
   *  in no queue. */
  expiresAt: number;
  /** Its neighbours in the queue. */
  expiryPrev: Expiring | undefined;
  expiryNext: Expiring | undefined;
}

/**
 * @internal Entries that all live for the same duration (handshakes, under `handshakeTimeoutMs`),
 * under one timer. An entry added later expires later, so a list in the order of addition is
 * already in the order of expiry, and the timer only ever waits for the first entry. The list
 * runs through the entries themselves: adding and removing allocate nothing, where a timer armed
 * and cleared per entry cost a Timeout object, a closure and two timer-list operations, and a
 * Map of the entries a rehash every few additions.
 *
 * The timer fires at or before the first entry's expiry (entries removed early only make the
 * first one expire later), then re-arms for whatever is first by then. While the queue is empty
 * it is unref'd, so it never keeps a process alive on its own.
 */
export class ExpiryQueue<V extends Expiring> {
  private first: V | undefined;
  private last: V | undefined;
  private count = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param durationMs - how long every entry lives, at least 1
   * @param onExpired - called with each entry that reached its expiry, already removed
   * @param now - the clock, in milliseconds from 0 or more (tests may pass their own)
   */
  constructor(
    private readonly durationMs: number,
    private readonly onExpired: (value: V) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get size(): number {
    return this.count;
  }

  /** True while `value` is queued: added, and neither deleted nor expired since. */
  has(value: V): boolean {
    return value.expiresAt !== 0;
  }

  /** Starts `value`'s time: it expires `durationMs` from now unless deleted first. A value
   *  already queued is left as it is. */
  add(value: V): void {
    if (value.expiresAt !== 0) return;
    // Positive (a clock from 0, a duration of at least 1 ms), so never read as "not queued".
    value.expiresAt = this.now() + this.durationMs;
    value.expiryPrev = this.last;
    value.expiryNext = undefined;
    if (this.last === undefined) this.first = value;
    else this.last.expiryNext = value;
    this.last = value;
    if (this.count++ === 0) {
      // An armed timer fires at or before any expiry that is still to come: keep it.
      if (this.timer === undefined) this.arm(this.durationMs);
      else this.timer.ref();
    }
  }

  /** Ends `value`'s time without expiring it. Returns false if it was not queued. */
  delete(value: V): boolean {
    if (value.expiresAt === 0) return false;
    value.expiresAt = 0;
    const prev = value.expiryPrev as V | undefined;
    const next = value.expiryNext as V | undefined;
    if (prev === undefined) this.first = next;
    else prev.expiryNext = next;
    if (next === undefined) this.last = prev;
    else next.expiryPrev = prev;
    value.expiryPrev = undefined;
    value.expiryNext = undefined;
    if (--this.count === 0) this.timer?.unref();
    return true;
  }

  /** The queued values, first to expire first (a copy: deleting meanwhile is fine). */
  values(): V[] {
    const out: V[] = [];
    for (let v = this.first; v !== undefined; v = v.expiryNext as V | undefined) out.push(v);
    return out;
  }

  /** Stops the timer; entries still queued stay, and a later `add` starts it again. */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    // Node fires timers on whole milliseconds of its loop clock, so a timer may land a fraction
    // early on ours: the sweep then re-arms for the rest, at least 1 ms.
    this.timer = setTimeout(this.sweep, Math.max(1, Math.ceil(ms)));
  }

  private readonly sweep = (): void => {
    this.timer = undefined;
    const now = this.now();
    for (let value = this.first; value !== undefined; value = this.first) {
      if (value.expiresAt > now) {
        // An `add` from onExpired may have armed a timer for its own, later expiry.
        this.stop();
        this.arm(value.expiresAt - now);
        return;
      }
      this.delete(value);
      this.onExpired(value);
    }
  };
}
