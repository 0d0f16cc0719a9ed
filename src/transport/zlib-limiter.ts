import { UsageError } from '../errors';

/** zlib jobs allowed in flight at once across the process, unless `setDeflateConcurrency`
 *  changed it: 10. */
export const DEFAULT_ZLIB_CONCURRENCY = 10;

/**
 * A process-wide cap on zlib work in flight. Each job holds zlib buffers and a
 * libuv thread-pool slot while it runs; 1,000 sockets compressing at once therefore queue here
 * (FIFO) instead of allocating 1,000 jobs' worth of memory and starving the thread pool that DNS
 * and file I/O share.
 */
export class ZlibLimiter {
  private running = 0;
  private readonly queue: Array<(release: () => void) => void> = [];
  private head = 0;
  /** The most jobs that were ever running at once (for tests and diagnostics). */
  peak = 0;

  constructor(private cap: number) {}

  get limit(): number {
    return this.cap;
  }

  set limit(value: number) {
    this.cap = value;
    this.startQueued();
  }

  /** Jobs running now. */
  get active(): number {
    return this.running;
  }

  /** Jobs waiting for a slot. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /** Runs `job` when a slot is free; the job calls `release` exactly once when it is done
   *  (later calls are ignored). */
  run(job: (release: () => void) => void): void {
    this.queue.push(job);
    this.startQueued();
  }

  /** Resets the high-water mark. */
  resetPeak(): void {
    this.peak = this.running;
  }

  private startQueued(): void {
    while (this.running < this.cap && this.head < this.queue.length) {
      const job = this.queue[this.head]!;
      this.queue[this.head++] = undefined as never;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.running++;
      if (this.running > this.peak) this.peak = this.running;
      let released = false;
      job(() => {
        if (released) return;
        released = true;
        this.running--;
        this.startQueued();
      });
    }
  }
}

/** The one limiter every rxws connection in this process shares. */
export const zlibLimiter = new ZlibLimiter(DEFAULT_ZLIB_CONCURRENCY);

/**
 * Sets how many zlib jobs (one message compressed or decompressed) may run at once across the
 * whole process, for every server and client; the rest wait in order. Each job holds zlib memory
 * and a slot of libuv's thread pool, which DNS and file I/O share. Default 10. Anything but a
 * positive integer throws a UsageError.
 */
export function setDeflateConcurrency(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new UsageError('bad_option', 'deflate concurrency must be a positive integer');
  zlibLimiter.limit = limit;
}
