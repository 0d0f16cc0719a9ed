import { ExpiryQueue, type Expiring } from '../../src/transport/expiry-queue';

interface Entry extends Expiring {
  name: string;
}

const entry = (name: string): Entry => ({ name, expiresAt: 0, expiryPrev: undefined, expiryNext: undefined });
const timeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
const names = (queue: ExpiryQueue<Entry>): string[] => queue.values().map((v) => v.name);

describe('ExpiryQueue (one timer for entries of one duration)', () => {
  afterEach(() => jest.useRealTimers());

  it('expires each entry its duration after it was added, in order, and not before', () => {
    jest.useFakeTimers();
    const expired: string[] = [];
    const queue = new ExpiryQueue<Entry>(100, (value) => expired.push(value.name), () => Date.now());
    const a = entry('A');
    queue.add(a);
    jest.advanceTimersByTime(40);
    queue.add(entry('B'));
    expect(names(queue)).toEqual(['A', 'B']);
    jest.advanceTimersByTime(59);
    expect(expired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(expired).toEqual(['A']);
    expect(queue.has(a)).toBe(false);
    expect(names(queue)).toEqual(['B']);
    jest.advanceTimersByTime(39);
    expect(expired).toEqual(['A']);
    jest.advanceTimersByTime(1);
    expect(expired).toEqual(['A', 'B']);
    expect(queue.size).toBe(0);
  });

  it('a deleted entry never expires, and the ones around it still do on time', () => {
    jest.useFakeTimers();
    const expired: string[] = [];
    const queue = new ExpiryQueue<Entry>(100, (value) => expired.push(value.name), () => Date.now());
    const [a, b, c, d] = ['A', 'B', 'C', 'D'].map(entry) as [Entry, Entry, Entry, Entry];
    queue.add(a);
    jest.advanceTimersByTime(10);
    queue.add(b);
    queue.add(c);
    queue.add(d);
    expect(queue.delete(c)).toBe(true); // from the middle
    expect(queue.delete(c)).toBe(false);
    expect(queue.delete(a)).toBe(true); // the first
    expect(queue.delete(d)).toBe(true); // the last
    expect(names(queue)).toEqual(['B']);
    expect(queue.has(a) || queue.has(c) || queue.has(d)).toBe(false);
    jest.advanceTimersByTime(99);
    expect(expired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(expired).toEqual(['B']);
    // A deleted entry can be added again, for a new duration.
    queue.add(a);
    jest.advanceTimersByTime(100);
    expect(expired).toEqual(['B', 'A']);
  });

  it('adding an entry already queued changes nothing', () => {
    jest.useFakeTimers();
    const expired: string[] = [];
    const queue = new ExpiryQueue<Entry>(100, (value) => expired.push(value.name), () => Date.now());
    const a = entry('A');
    queue.add(a);
    jest.advanceTimersByTime(50);
    queue.add(a);
    expect(queue.size).toBe(1);
    jest.advanceTimersByTime(50);
    expect(expired).toEqual(['A']);
  });

  it('re-arms when its timer fires before the first expiry by its own clock', () => {
    jest.useFakeTimers();
    let skew = 0;
    const expired: string[] = [];
    const queue = new ExpiryQueue<Entry>(100, (value) => expired.push(value.name), () => Date.now() - skew);
    queue.add(entry('A'));
    skew = 0.5; // our clock lags the timers' by half a millisecond
    jest.advanceTimersByTime(100);
    expect(expired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(expired).toEqual(['A']);
  });

  it('an entry added while others expire gets its full duration, under a single timer', () => {
    jest.useFakeTimers();
    const expired: string[] = [];
    const queue: ExpiryQueue<Entry> = new ExpiryQueue<Entry>(
      100,
      (value) => {
        expired.push(value.name);
        if (value.name === 'A') queue.add(entry('C'));
      },
      () => Date.now(),
    );
    queue.add(entry('A'));
    jest.advanceTimersByTime(10);
    queue.add(entry('B'));
    jest.advanceTimersByTime(90);
    expect(expired).toEqual(['A']);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(10);
    expect(expired).toEqual(['A', 'B']);
    jest.advanceTimersByTime(89);
    expect(expired).toEqual(['A', 'B']);
    jest.advanceTimersByTime(1);
    expect(expired).toEqual(['A', 'B', 'C']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('does not keep the process alive while empty, and does again once something waits', () => {
    const before = timeouts();
    const expired: string[] = [];
    const queue = new ExpiryQueue<Entry>(60_000, (value) => expired.push(value.name));
    const a = entry('A');
    queue.add(a);
    expect(timeouts()).toBe(before + 1);
    queue.delete(a);
    expect(timeouts()).toBe(before);
    queue.add(entry('B'));
    expect(timeouts()).toBe(before + 1);
    queue.stop();
    expect(timeouts()).toBe(before);
    expect(expired).toEqual([]);
  });

  it('expires on real timers too, close to its duration', async () => {
    const started = performance.now();
    const at = await new Promise<number>((resolve) => {
      const queue = new ExpiryQueue<Entry>(50, () => resolve(performance.now()));
      queue.add(entry('A'));
    });
    expect(at - started).toBeGreaterThanOrEqual(49);
    expect(at - started).toBeLessThan(1000);
  });
});
