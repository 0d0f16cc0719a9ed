import { UsageError } from '../errors';

/** zlib jobs allowed in flight at once across the process, unless changed. */
export const DEFAULT_ZLIB_CONCURRENCY = 10;

/** A zlib job: it calls `release` exactly once when it is done (later calls are ignored). */
export type ZlibJob = (release: () => void) => void;

/**
 * One party's share of the zlib limiter: a connection (both of its directions), or all
 * broadcasts. Jobs of one lane start in the order they were queued.
 */
export class ZlibLane {
  /** @internal Zlib time (ms) this lane has been given, in the limiter's virtual clock. */
  vtime = 0;
  /** @internal What the lane's next job is expected to cost (ms), charged when it starts. */
  costMs = 1;
  /** @internal Place in the limiter's heap of lanes with queued jobs; -1 when not in it. */
  heapIndex = -1;
  /** @internal Tie-break between lanes with equal virtual time: the earlier arrival goes first. */
  seq = 0;
  /** @internal Jobs of this lane now running. */
  running = 0;
  /** @internal Queued jobs, from `head` on (made on first use). */
  jobs: ZlibJob[] | undefined;
  /** @internal */
  head = 0;

  /** Jobs of this lane waiting for a slot. */
  get queued(): number {
    return this.jobs === undefined ? 0 : this.jobs.length - this.head;
  }
}

/**
 * A process-wide cap on zlib work in flight (RELIABILITY 33), shared fairly. Each job holds zlib
 * buffers and a libuv thread-pool slot while it runs; 1,000 sockets compressing at once therefore
 * queue here instead of allocating 1,000 jobs' worth of memory and starving the thread pool that
 * DNS and file I/O share.
 *
 * Fair: each lane (a connection, or the broadcasts) is charged the time its jobs take, and a free
 * slot goes to the waiting lane that has been given the least (start-time fair queuing; a lane
 * that was idle starts level with the busiest, so idling banks no credit). A connection sending
 * decompression bombs therefore pays for them itself: another connection's message waits for a
 * slot to free up, not for every bomb queued before it.
 */
export class ZlibLimiter {
  private running = 0;
  private waiting = 0;
  /** Lanes with queued jobs, as a binary min-heap on (vtime, seq). */
  private readonly heap: ZlibLane[] = [];
  /** The virtual time of the most recent start: lanes that were idle join here. */
  private clock = 0;
  private arrivals = 0;
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
    return this.waiting;
  }

  /** Runs `job` for `lane` when a slot is free and it is the lane's turn; the job calls
   *  `release` exactly once when it is done (later calls are ignored). */
  run(lane: ZlibLane, job: ZlibJob): void {
    if (lane.jobs === undefined) lane.jobs = [job];
    else lane.jobs.push(job);
    this.waiting++;
    if (lane.heapIndex < 0) {
      // A lane that had nothing to do joins level with the clock: no credit for having idled.
      if (lane.running === 0 && lane.vtime < this.clock) lane.vtime = this.clock;
      lane.seq = this.arrivals++;
      this.push(lane);
    }
    this.startQueued();
  }

  /** Forgets the lane's queued jobs (its connection is gone); running ones finish normally. */
  drop(lane: ZlibLane): void {
    const queued = lane.queued;
    if (queued === 0) return;
    this.waiting -= queued;
    lane.jobs = undefined;
    lane.head = 0;
    if (lane.heapIndex >= 0) this.remove(lane);
  }

  /** Resets the high-water mark. */
  resetPeak(): void {
    this.peak = this.running;
  }

  private startQueued(): void {
    while (this.running < this.cap && this.heap.length !== 0) {
      const lane = this.heap[0]!;
      const jobs = lane.jobs!;
      const job = jobs[lane.head]!;
      jobs[lane.head++] = undefined as never;
      if (lane.head === jobs.length) {
        lane.jobs = undefined;
        lane.head = 0;
      } else if (lane.head > 1024 && lane.head * 2 > jobs.length) {
        jobs.splice(0, lane.head);
        lane.head = 0;
      }
      this.waiting--;
      if (lane.vtime > this.clock) this.clock = lane.vtime;
      // Charged the expected cost now, so a lane with many jobs does not take every free slot
      // before its first job has told what it costs; corrected when the job ends.
      const charged = lane.costMs;
      lane.vtime += charged;
      if (lane.jobs === undefined) this.remove(lane);
      else this.sift(lane);
      lane.running++;
      this.running++;
      if (this.running > this.peak) this.peak = this.running;
      this.start(lane, job, charged);
    }
  }

  private start(lane: ZlibLane, job: ZlibJob, charged: number): void {
    const startedAt = performance.now();
    let released = false;
    job(() => {
      if (released) return;
      released = true;
      const tookMs = performance.now() - startedAt;
      lane.vtime += tookMs - charged;
      lane.costMs = (lane.costMs + tookMs) / 2;
      lane.running--;
      this.running--;
      if (lane.heapIndex >= 0) this.sift(lane);
      this.startQueued();
    });
  }

  // A binary min-heap of lanes on (vtime, seq), each lane knowing its index.

  private push(lane: ZlibLane): void {
    lane.heapIndex = this.heap.length;
    this.heap.push(lane);
    this.up(lane.heapIndex);
  }

  private remove(lane: ZlibLane): void {
    const heap = this.heap;
    const at = lane.heapIndex;
    const last = heap.pop()!;
    lane.heapIndex = -1;
    if (last === lane) return;
    heap[at] = last;
    last.heapIndex = at;
    this.sift(last);
  }

  /** Restores the heap after `lane`'s key changed either way. */
  private sift(lane: ZlibLane): void {
    this.up(lane.heapIndex);
    this.down(lane.heapIndex);
  }

  private up(at: number): void {
    const heap = this.heap;
    const lane = heap[at]!;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const other = heap[parent]!;
      if (!before(lane, other)) break;
      heap[at] = other;
      other.heapIndex = at;
      at = parent;
    }
    heap[at] = lane;
    lane.heapIndex = at;
  }

  private down(at: number): void {
    const heap = this.heap;
    const n = heap.length;
    const lane = heap[at]!;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= n) break;
      if (child + 1 < n && before(heap[child + 1]!, heap[child]!)) child++;
      const other = heap[child]!;
      if (!before(other, lane)) break;
      heap[at] = other;
      other.heapIndex = at;
      at = child;
    }
    heap[at] = lane;
    lane.heapIndex = at;
  }
}

function before(a: ZlibLane, b: ZlibLane): boolean {
  return a.vtime < b.vtime || (a.vtime === b.vtime && a.seq < b.seq);
}

/** The one limiter every rxws connection in this process shares. */
export const zlibLimiter = new ZlibLimiter(DEFAULT_ZLIB_CONCURRENCY);

/**
 * Sets how many zlib jobs (one message compressed or decompressed) may run at once across the
 * whole process; the rest wait, shared fairly between connections. Default 10.
 */
export function setDeflateConcurrency(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new UsageError('bad_option', 'deflate concurrency must be a positive integer');
  zlibLimiter.limit = limit;
}
