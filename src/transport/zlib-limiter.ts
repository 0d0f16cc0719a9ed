import { UsageError } from '../errors';

/** zlib jobs allowed in flight at once across the process, unless `setDeflateConcurrency`
 *  changed it: 10. */
export const DEFAULT_ZLIB_CONCURRENCY = 10;

/**
 * A zlib job. It calls `release` exactly once when it is done (later calls are ignored), with
 * the bytes it really moved (in and out) when that differs from the estimate it was queued with.
 */
export type ZlibJob = (release: (actualCostBytes?: number) => void) => void;

interface QueuedJob {
  job: ZlibJob;
  costBytes: number;
  /** Virtual finish tag: jobs start in increasing order of it. */
  finish: number;
  /** Arrival order, to break ties first come, first served. */
  seq: number;
}

/**
 * One party's share of the zlib limiter: a connection (both of its directions), or all
 * broadcasts. Jobs of one lane start in the order they were queued.
 */
export class ZlibLane {
  /** @internal Finish tag of the lane's latest job: where its next job starts, at the earliest. */
  finish = 0;
  /** @internal Place in the limiter's heap of lanes with queued jobs; -1 when not in it. */
  heapIndex = -1;
  /** @internal Queued jobs, from `head` on (made on first use). */
  jobs: QueuedJob[] | undefined;
  /** @internal */
  head = 0;

  /** Jobs of this lane waiting for a slot. */
  get queued(): number {
    return this.jobs === undefined ? 0 : this.jobs.length - this.head;
  }
}

/**
 * A process-wide cap on zlib work in flight, shared fairly. Each job holds zlib
 * buffers and a libuv thread-pool slot while it runs; 1,000 sockets compressing at once therefore
 * queue here instead of allocating 1,000 jobs' worth of memory and starving the thread pool that
 * DNS and file I/O share.
 *
 * Fair by bytes (weighted fair queuing): a job is tagged, when queued, with a virtual finish
 * time — where its lane's previous job finished (or the clock, if later) plus its cost in bytes —
 * and a free slot goes to the smallest tag. The clock advances as work starts, by each job's cost
 * shared between the lanes waiting then, as if every waiting lane were served at once. So a small
 * message overtakes megabyte bombs queued before it, a lane that sent more waits longer, and as
 * the clock always moves on a stream of new lanes cannot starve an old one. A job's cost is
 * estimated from its input when queued; the bytes it really moved (a bomb's output) are charged
 * to its lane's next job.
 */
export class ZlibLimiter {
  private running = 0;
  private waiting = 0;
  /** Lanes with queued jobs, as a binary min-heap on their first job's (finish, seq). */
  private readonly heap: ZlibLane[] = [];
  /** Virtual time: service per waiting lane so far (bytes). */
  private clock = 0;
  private arrivals = 0;
  /** The most jobs that were ever running at once (for tests and diagnostics). */
  peak = 0;

  constructor(private cap: number) {}

  /** Jobs allowed to run at once; raising it starts queued jobs at once. */
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

  /**
   * Runs `job` for `lane` when a slot is free and its turn has come. `costBytes` estimates the
   * bytes it will move (its input); the job reports the real figure when it releases its slot.
   */
  run(lane: ZlibLane, costBytes: number, job: ZlibJob): void {
    // A lane that was idle starts at the clock: no credit for the time it did nothing.
    const finish = (lane.finish > this.clock ? lane.finish : this.clock) + costBytes;
    lane.finish = finish;
    const queued: QueuedJob = { job, costBytes, finish, seq: this.arrivals++ };
    if (lane.jobs === undefined) lane.jobs = [queued];
    else lane.jobs.push(queued);
    this.waiting++;
    if (lane.heapIndex < 0) this.push(lane);
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
      const queued = jobs[lane.head]!;
      jobs[lane.head++] = undefined as never;
      if (lane.head === jobs.length) {
        lane.jobs = undefined;
        lane.head = 0;
      } else if (lane.head > 1024 && lane.head * 2 > jobs.length) {
        jobs.splice(0, lane.head);
        lane.head = 0;
      }
      this.waiting--;
      this.clock += queued.costBytes / this.heap.length;
      if (lane.jobs === undefined) this.remove(lane);
      else this.down(lane.heapIndex);
      this.running++;
      if (this.running > this.peak) this.peak = this.running;
      this.start(lane, queued);
    }
  }

  private start(lane: ZlibLane, queued: QueuedJob): void {
    let released = false;
    queued.job((actualCostBytes) => {
      if (released) return;
      released = true;
      // What the estimate missed (a bomb's output) is charged to the lane's next job.
      if (actualCostBytes !== undefined) lane.finish += actualCostBytes - queued.costBytes;
      this.running--;
      this.startQueued();
    });
  }

  // A binary min-heap of lanes on their first queued job's (finish, seq).

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
    this.up(at);
    this.down(last.heapIndex);
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
  const x = a.jobs![a.head]!;
  const y = b.jobs![b.head]!;
  return x.finish < y.finish || (x.finish === y.finish && x.seq < y.seq);
}

/** The one limiter every rxws connection in this process shares. */
export const zlibLimiter = new ZlibLimiter(DEFAULT_ZLIB_CONCURRENCY);

/**
 * Sets how many zlib jobs (one message compressed or decompressed) may run at once across the
 * whole process, for every server and client; the rest wait, shared fairly between connections
 * (a small message goes ahead of large ones queued before it). Each job holds zlib memory and a
 * slot of libuv's thread pool, which DNS and file I/O share. Default 10. Anything but a positive
 * integer throws a UsageError.
 */
export function setDeflateConcurrency(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new UsageError('bad_option', 'deflate concurrency must be a positive integer');
  zlibLimiter.limit = limit;
}
