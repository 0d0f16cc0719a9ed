// The process-wide cap on zlib jobs (RELIABILITY 33): never more than the limit running, jobs of
// one lane in order, and free slots shared fairly between lanes by the time their jobs took.
import { UsageError } from '../../src/errors';
import { DEFAULT_ZLIB_CONCURRENCY, ZlibLane, ZlibLimiter, setDeflateConcurrency, zlibLimiter } from '../../src/transport/zlib-limiter';

describe('ZlibLimiter', () => {
  afterEach(() => jest.useRealTimers());

  it('runs at most `limit` jobs at once, a lane\'s jobs in arrival order', () => {
    const limiter = new ZlibLimiter(2);
    const lane = new ZlibLane();
    const started: number[] = [];
    const releases: Array<() => void> = [];
    for (let i = 0; i < 5; i++) limiter.run(lane, (release) => (started.push(i), releases.push(release)));
    expect(started).toEqual([0, 1]);
    expect([limiter.active, limiter.queued, lane.queued]).toEqual([2, 3, 3]);
    releases[1]!();
    expect(started).toEqual([0, 1, 2]);
    releases[1]!(); // a second release of the same job is ignored
    expect(limiter.active).toBe(2);
    releases[0]!();
    releases[2]!();
    releases[3]!();
    releases[4]!();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect([limiter.active, limiter.queued, limiter.peak]).toEqual([0, 0, 2]);
  });

  it('10,000 queued jobs of one lane drain in order without growing the queue array without bound', () => {
    const limiter = new ZlibLimiter(3);
    const lane = new ZlibLane();
    const order: number[] = [];
    const pending: Array<() => void> = [];
    for (let i = 0; i < 10_000; i++) limiter.run(lane, (release) => (order.push(i), pending.push(release)));
    while (pending.length > 0) pending.shift()!();
    expect(order).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(limiter.peak).toBe(3);
    expect(lane.jobs).toBeUndefined();
  });

  it('raising the limit starts queued jobs at once', () => {
    const limiter = new ZlibLimiter(1);
    const lane = new ZlibLane();
    let started = 0;
    for (let i = 0; i < 3; i++) limiter.run(lane, () => started++);
    expect(started).toBe(1);
    limiter.limit = 3;
    expect(started).toBe(3);
  });

  it('drop forgets a lane\'s queued jobs (its connection is gone); the running one still releases its slot', () => {
    const limiter = new ZlibLimiter(1);
    const gone = new ZlibLane();
    const other = new ZlibLane();
    const started: string[] = [];
    let release = (): void => undefined;
    for (let i = 0; i < 3; i++) limiter.run(gone, (r) => (started.push(`gone ${i}`), (release = r)));
    limiter.run(other, (r) => (started.push('other'), (release = r)));
    limiter.drop(gone);
    expect([limiter.queued, gone.queued]).toEqual([1, 0]);
    release();
    release();
    expect(started).toEqual(['gone 0', 'other']);
    expect([limiter.active, limiter.queued]).toEqual([0, 0]);
  });

  /** A limiter whose jobs take `costMs` of (fake) time each; returns what started, in order. */
  function timed(limit: number) {
    jest.useFakeTimers();
    const limiter = new ZlibLimiter(limit);
    const started: string[] = [];
    const running: Array<{ release: () => void; endsAt: number }> = [];
    const submit = (lane: ZlibLane, name: string, costMs: number, then?: () => void) =>
      limiter.run(lane, (release) => {
        started.push(name);
        running.push({ release: () => (release(), then?.()), endsAt: performance.now() + costMs });
      });
    /** Advances time to the next job's end and releases it. */
    const step = () => {
      running.sort((a, b) => a.endsAt - b.endsAt);
      const next = running.shift()!;
      jest.advanceTimersByTime(Math.max(0, next.endsAt - performance.now()));
      next.release();
    };
    return { limiter, started, submit, step, running };
  }

  it('a lane with many slow jobs cannot make another lane wait for all of them', () => {
    const { started, submit, step } = timed(1);
    const bombs = new ZlibLane();
    const victim = new ZlibLane();
    for (let i = 0; i < 20; i++) submit(bombs, `bomb ${i}`, 100);
    submit(victim, 'victim', 1);
    step(); // bomb 0 ends
    expect(started).toEqual(['bomb 0', 'victim']);
  });

  it('fifty lanes with a slow job each: a newcomer waits for a slot, not for the fifty (the bomb attack)', () => {
    const limit = 4;
    const { started, submit, step, running } = timed(limit);
    const attackers = Array.from({ length: 50 }, () => new ZlibLane());
    // Each attacker always has one bomb queued: a new one as soon as the last one is done.
    const bomb = (lane: ZlibLane, i: number): void => submit(lane, `bomb ${i}`, 100 + i, () => bomb(lane, i));
    attackers.forEach(bomb);
    for (let i = 0; i < 200; i++) step();
    const victim = new ZlibLane();
    const before = started.length;
    submit(victim, 'victim', 1);
    while (!started.includes('victim')) step();
    // At most the first slot to free up goes to someone else (a tie on virtual time).
    expect(started.length - before - 1).toBeLessThanOrEqual(1);
    expect(running.length).toBe(limit);
  });

  it('an idle lane banks no credit: it shares with a busy lane from when it comes back', () => {
    const { started, submit, step } = timed(1);
    const busy = new ZlibLane();
    const idle = new ZlibLane();
    const more = (i: number): void => submit(busy, 'busy', 10, () => i < 100 && more(i + 1));
    more(0);
    for (let i = 0; i < 50; i++) step();
    for (let i = 0; i < 6; i++) submit(idle, 'idle', 10);
    for (let i = 0; i < 12; i++) step();
    // Alternating, not six "idle" in a row to make up for the 50 it did not use.
    const tail = started.slice(-12).join(',');
    expect(tail).not.toContain('idle,idle,idle');
  });

  it('setDeflateConcurrency sets the shared limiter and rejects nonsense with a UsageError', () => {
    expect(zlibLimiter.limit).toBe(DEFAULT_ZLIB_CONCURRENCY);
    setDeflateConcurrency(4);
    expect(zlibLimiter.limit).toBe(4);
    setDeflateConcurrency(DEFAULT_ZLIB_CONCURRENCY);
    for (const bad of [0, -1, 1.5, NaN]) expect(() => setDeflateConcurrency(bad)).toThrow(UsageError);
  });
});
