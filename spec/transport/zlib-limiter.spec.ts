// The process-wide cap on zlib jobs (RELIABILITY 33): never more than the limit running, jobs of
// one lane in order, and free slots shared fairly between lanes by the bytes their jobs move.
import { UsageError } from '../../src/errors';
import { DEFAULT_ZLIB_CONCURRENCY, ZlibLane, ZlibLimiter, setDeflateConcurrency, zlibLimiter } from '../../src/transport/zlib-limiter';

const KiB = 1024;
const MiB = 1024 * KiB;

/** A limiter whose jobs are released by the test; `started` lists their names in start order. */
function harness(limit: number) {
  const limiter = new ZlibLimiter(limit);
  const started: string[] = [];
  const running: Array<{ name: string; release: (actual?: number) => void }> = [];
  const submit = (lane: ZlibLane, name: string, costBytes: number) =>
    limiter.run(lane, costBytes, (release) => {
      started.push(name);
      running.push({ name, release });
    });
  /** Releases the oldest running job, reporting `actual` bytes if given. */
  const finish = (actual?: number) => running.shift()!.release(actual);
  return { limiter, started, running, submit, finish };
}

describe('ZlibLimiter', () => {
  it("runs at most `limit` jobs at once, a lane's jobs in arrival order", () => {
    const { limiter, started, submit, running } = harness(2);
    const lane = new ZlibLane();
    for (let i = 0; i < 5; i++) submit(lane, `${i}`, 100);
    expect(started).toEqual(['0', '1']);
    expect([limiter.active, limiter.queued, lane.queued]).toEqual([2, 3, 3]);
    const second = running[1]!.release;
    second();
    expect(started).toEqual(['0', '1', '2']);
    second(); // a second release of the same job is ignored
    expect(limiter.active).toBe(2);
    while (running.length > 0) running.shift()!.release();
    expect(started).toEqual(['0', '1', '2', '3', '4']);
    expect([limiter.active, limiter.queued, limiter.peak]).toEqual([0, 0, 2]);
  });

  it('10,000 queued jobs of one lane drain in order without growing the queue array without bound', () => {
    const { limiter, started, finish, running, submit } = harness(3);
    const lane = new ZlibLane();
    for (let i = 0; i < 10_000; i++) submit(lane, `${i}`, 10);
    while (running.length > 0) finish();
    expect(started).toEqual(Array.from({ length: 10_000 }, (_, i) => `${i}`));
    expect(limiter.peak).toBe(3);
    expect(lane.jobs).toBeUndefined();
  });

  it('raising the limit starts queued jobs at once', () => {
    const { limiter, started, submit } = harness(1);
    const lane = new ZlibLane();
    for (let i = 0; i < 3; i++) submit(lane, `${i}`, 1);
    expect(started).toHaveLength(1);
    limiter.limit = 3;
    expect(started).toHaveLength(3);
  });

  it("drop forgets a lane's queued jobs (its connection is gone); the running one still releases its slot", () => {
    const { limiter, started, submit, finish } = harness(1);
    const gone = new ZlibLane();
    for (let i = 0; i < 3; i++) submit(gone, `gone ${i}`, 10);
    submit(new ZlibLane(), 'other', 1000);
    limiter.drop(gone);
    expect([limiter.queued, gone.queued]).toEqual([1, 0]);
    finish();
    finish();
    expect(started).toEqual(['gone 0', 'other']);
    expect([limiter.active, limiter.queued]).toEqual([0, 0]);
  });

  it('fifty lanes with a 1 MB bomb each, queued at once: a small message waits for a slot, not for the fifty', () => {
    const { started, submit, finish } = harness(4);
    for (let i = 0; i < 50; i++) submit(new ZlibLane(), `bomb ${i}`, MiB);
    submit(new ZlibLane(), 'victim', 200);
    expect(started).toEqual(['bomb 0', 'bomb 1', 'bomb 2', 'bomb 3']);
    finish();
    expect(started[4]).toBe('victim');
  });

  it('a lane with many bombs queued cannot make another lane wait for all of them', () => {
    const { started, submit, finish } = harness(1);
    const bombs = new ZlibLane();
    for (let i = 0; i < 20; i++) submit(bombs, `bomb ${i}`, 4 * KiB);
    submit(new ZlibLane(), 'victim', 4 * KiB);
    finish(32 * MiB); // bomb 0: 4 KiB in, 32 MiB out
    finish(32 * MiB); // bomb 1 was tagged level with the victim, and queued first
    expect(started).toEqual(['bomb 0', 'bomb 1', 'victim']);
  });

  it('what a job really moved is charged to its lane: a small bomb pays for its output next time', () => {
    const { started, submit, finish } = harness(1);
    const attacker = new ZlibLane();
    const victim = new ZlibLane();
    submit(new ZlibLane(), 'busy', 1);
    submit(attacker, 'bomb 0', KiB);
    finish();
    finish(32 * MiB); // bomb 0 inflated to 32 MiB
    submit(new ZlibLane(), 'busy', 1);
    submit(attacker, 'bomb 1', KiB);
    submit(victim, 'victim', 8 * KiB);
    finish();
    expect(started.slice(-2)).toEqual(['busy', 'victim']);
  });

  it('a stream of new lanes with small jobs cannot starve an old lane with a bigger one', () => {
    const { started, submit, finish } = harness(1);
    submit(new ZlibLane(), 'busy', 1);
    submit(new ZlibLane(), 'big', 64 * KiB);
    let served = 0;
    while (!started.includes('big')) {
      if (served++ > 10_000) throw new Error('starved');
      submit(new ZlibLane(), 'small', KiB);
      finish();
    }
    // Each small lane's turn moves the clock on by its share: the big job's turn comes.
    expect(served).toBeLessThan(1000);
  });

  it('an idle lane banks no credit: it shares with a busy lane from when it comes back', () => {
    const { started, submit, finish, running } = harness(1);
    const busy = new ZlibLane();
    const idle = new ZlibLane();
    for (let i = 0; i < 50; i++) {
      submit(busy, 'busy', KiB);
      finish();
    }
    for (let i = 0; i < 6; i++) {
      submit(busy, 'busy', KiB);
      submit(idle, 'idle', KiB);
    }
    while (running.length > 0) finish();
    // Alternating, not six "idle" in a row to make up for the 50 it did not use.
    expect(started.slice(-12).join(',')).not.toContain('idle,idle,idle');
  });

  it('setDeflateConcurrency sets the shared limiter and rejects nonsense with a UsageError', () => {
    expect(zlibLimiter.limit).toBe(DEFAULT_ZLIB_CONCURRENCY);
    setDeflateConcurrency(4);
    expect(zlibLimiter.limit).toBe(4);
    setDeflateConcurrency(DEFAULT_ZLIB_CONCURRENCY);
    for (const bad of [0, -1, 1.5, NaN]) expect(() => setDeflateConcurrency(bad)).toThrow(UsageError);
  });
});
