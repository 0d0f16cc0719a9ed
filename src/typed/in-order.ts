/** @internal What an InOrder queue does with each item. */
export interface InOrderSteps<T, C, R> {
  /** Works on an item; answers at once or with a promise. Called as soon as the item arrives,
   *  so slow (asynchronous) steps overlap. */
  run(item: T, context: C): R | PromiseLike<R>;
  /** The result to deliver when `run` threw or its promise rejected. */
  failed(item: T, context: C, error: unknown): R;
  /** Receives each result, in the order the items were pushed. */
  deliver(item: T, context: C, result: R): void;
}

/** @internal Hold and release the source of items when too many wait (TCP backpressure). */
export interface InOrderWatermarks {
  /** Items waiting at which `hold` is called. */
  high: number;
  /** Items waiting at which a held source is released. */
  low: number;
  hold(): void;
  release(): void;
}

interface Entry<T, C, R> {
  item: T;
  context: C;
  done: boolean;
  result: R | undefined;
}

/**
 * @internal Runs a step that may be synchronous or asynchronous on each item, and delivers the
 * results in arrival order: an asynchronous validator must not let a quick message overtake a
 * slow one. While nothing is waiting, a synchronous result is delivered straight away with no
 * allocation; only once a promise is in the way are items queued behind it.
 */
export class InOrder<T, C, R> {
  private entries: Array<Entry<T, C, R>> | undefined;
  private head = 0;
  /** Bumped by `clear()`, so results of work started before it are ignored. */
  private generation = 0;
  private held = false;
  private delivering = false;

  constructor(
    private readonly steps: InOrderSteps<T, C, R>,
    private readonly watermarks?: InOrderWatermarks,
  ) {}

  /** Items waiting for an earlier item's result (or their own). */
  get waiting(): number {
    return this.entries === undefined ? 0 : this.entries.length - this.head;
  }

  push(item: T, context: C): void {
    const result = this.attempt(item, context);
    if (this.entries === undefined) {
      if (!isThenable(result)) {
        this.steps.deliver(item, context, result);
        return;
      }
      this.entries = [];
      this.head = 0;
    }
    const entry: Entry<T, C, R> = { item, context, done: false, result: undefined };
    this.entries.push(entry);
    if (isThenable(result)) {
      const generation = this.generation;
      result.then(
        (value) => this.settle(entry, value, generation),
        (error: unknown) => this.settle(entry, this.steps.failed(item, context, error), generation),
      );
    } else {
      entry.done = true;
      entry.result = result;
    }
    const watermarks = this.watermarks;
    if (watermarks !== undefined && !this.held && this.waiting >= watermarks.high) {
      this.held = true;
      watermarks.hold();
    }
  }

  /** Forgets every waiting item; results still to come for them are dropped. */
  clear(): void {
    this.generation++;
    this.entries = undefined;
    this.head = 0;
    this.releaseIfHeld();
  }

  private attempt(item: T, context: C): R | PromiseLike<R> {
    try {
      return this.steps.run(item, context);
    } catch (error) {
      return this.steps.failed(item, context, error);
    }
  }

  private settle(entry: Entry<T, C, R>, result: R, generation: number): void {
    if (generation !== this.generation) return;
    entry.done = true;
    entry.result = result;
    this.flush();
  }

  private flush(): void {
    // A delivery can push (a reply sent from a handler): the outer loop picks that up.
    if (this.delivering) return;
    this.delivering = true;
    try {
      const generation = this.generation;
      let entries = this.entries;
      while (entries !== undefined && this.head < entries.length && entries[this.head]!.done) {
        const entry = entries[this.head]!;
        entries[this.head++] = undefined as unknown as Entry<T, C, R>; // let the item go
        this.lowerWater();
        this.steps.deliver(entry.item, entry.context, entry.result as R);
        if (generation !== this.generation) return;
        entries = this.entries;
      }
      if (entries !== undefined && this.head >= entries.length) {
        this.entries = undefined;
        this.head = 0;
      } else if (entries !== undefined && this.head > 1024 && this.head * 2 > entries.length) {
        // Drop the delivered prefix now and then instead of shifting per item.
        this.entries = entries.slice(this.head);
        this.head = 0;
      }
    } finally {
      this.delivering = false;
    }
  }

  private lowerWater(): void {
    const watermarks = this.watermarks;
    if (watermarks !== undefined && this.held && this.waiting <= watermarks.low) this.releaseIfHeld();
  }

  private releaseIfHeld(): void {
    if (!this.held) return;
    this.held = false;
    this.watermarks!.release();
  }
}

/** True for a promise or any object with a `then` method (a validator may return either). */
export function isThenable<V>(value: V | PromiseLike<V>): value is PromiseLike<V> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
