// The process-wide cap on zlib jobs (RELIABILITY 33): FIFO, never more than the limit running.
import { UsageError } from '../../src/errors';
import { DEFAULT_ZLIB_CONCURRENCY, ZlibLimiter, setDeflateConcurrency, zlibLimiter } from '../../src/transport/zlib-limiter';

describe('ZlibLimiter', () => {
  it('runs at most `limit` jobs at once, the rest in arrival order', () => {
    const limiter = new ZlibLimiter(2);
    const started: number[] = [];
    const releases: Array<() => void> = [];
    for (let i = 0; i < 5; i++) limiter.run((release) => (started.push(i), releases.push(release)));
    expect(started).toEqual([0, 1]);
    expect([limiter.active, limiter.queued]).toEqual([2, 3]);
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

  it('10,000 queued jobs drain in order without growing the queue array without bound', () => {
    const limiter = new ZlibLimiter(3);
    const order: number[] = [];
    const pending: Array<() => void> = [];
    for (let i = 0; i < 10_000; i++) limiter.run((release) => (order.push(i), pending.push(release)));
    while (pending.length > 0) pending.shift()!();
    expect(order).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(limiter.peak).toBe(3);
  });

  it('raising the limit starts queued jobs at once', () => {
    const limiter = new ZlibLimiter(1);
    let started = 0;
    for (let i = 0; i < 3; i++) limiter.run(() => started++);
    expect(started).toBe(1);
    limiter.limit = 3;
    expect(started).toBe(3);
  });

  it('setDeflateConcurrency sets the shared limiter and rejects nonsense with a UsageError', () => {
    expect(zlibLimiter.limit).toBe(DEFAULT_ZLIB_CONCURRENCY);
    setDeflateConcurrency(4);
    expect(zlibLimiter.limit).toBe(4);
    setDeflateConcurrency(DEFAULT_ZLIB_CONCURRENCY);
    for (const bad of [0, -1, 1.5, NaN]) expect(() => setDeflateConcurrency(bad)).toThrow(UsageError);
  });
});
