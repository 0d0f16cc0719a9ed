/** What an ExpiryQueue holds: anything with a place for the time it expires. */
export interface Expiring {
  /** Milliseconds on the queue's clock (`performance.now()`); set by `add`. */
  expiresAt: number;
}

/**
 * @internal Entries that all live for the same duration (handshakes, under `handshakeTimeoutMs`),
 * under one timer. An entry added later expires later, so the Map's insertion order is already
 * the order of expiry and the timer only ever waits for the first entry: adding and removing cost
 * a Map operation each, where a timer armed and cleared per entry cost a Timeout object, a
 * closure and two timer-list operations per connection.
 *
 * The timer fires at or before the first entry's expiry (entries removed early only make the
 * first one expire later), then re-arms for whatever is first by then. While the queue is empty
 * it is unref'd, so it never keeps a process alive on its own.
 */
export class ExpiryQueue<K, V extends Expiring> {
  private readonly entries = new Map<K, V>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param durationMs - how long every entry lives
   * @param onExpired - called with each entry that reached its expiry, already removed
   * @param now - the clock, in milliseconds (tests may pass their own)
   */
  constructor(
    private readonly durationMs: number,
    private readonly onExpired: (value: V, key: K) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Starts `value`'s time: it expires `durationMs` from now unless deleted first. */
  add(key: K, value: V): void {
    value.expiresAt = this.now() + this.durationMs;
    if (this.entries.size === 0) {
      // An armed timer fires at or before any expiry that is still to come: keep it.
      if (this.timer === undefined) this.arm(this.durationMs);
      else this.timer.ref();
    }
    this.entries.set(key, value);
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** Ends `key`'s time without expiring it. Returns false if it was not in the queue. */
  delete(key: K): boolean {
    if (!this.entries.delete(key)) return false;
    if (this.entries.size === 0) this.timer?.unref();
    return true;
  }

  values(): IterableIterator<V> {
    return this.entries.values();
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
    for (const [key, value] of this.entries) {
      if (value.expiresAt > now) {
        // An `add` from onExpired may have armed a timer for its own, later expiry.
        this.stop();
        this.arm(value.expiresAt - now);
        return;
      }
      this.entries.delete(key);
      this.onExpired(value, key);
    }
  };
}
