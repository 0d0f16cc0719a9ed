import { ExpiryQueue } from '../../src/transport/expiry-queue';

interface Entry {
  name: string;
  expiresAt: number;
}

const entry = (name: string): Entry => ({ name, expiresAt: 0 });
const timeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('ExpiryQueue (one timer for entries of one duration)', () => {
  afterEach(() => jest.useRealTimers());

  it('expires each entry its duration after it was added, in order, and not before', () => {
    jest.useFakeTimers();
    const expired: string[] = [];
    const queue = new ExpiryQueue<string, Entry>(100, (value, key) => expired.push(`${key}=${value.name}`), () => Date.now());
    queue.add('a', entry('A'));
    jest.advanceTimersByTime(40);
    queue.add('b', entry('B'));
    jest.advanceTimersByTime(59);
    expect(expired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(expired).toEqual(['a=A']);
    expect(queue.get('a')).toBeUndefined();
    jest.advanceTimersByTime(39);
    expect(expired).toEqual(['a=A']);
    jest.advanceTimersByTime(1);
    expect(expired).toEqual(['a=A', 'b=B']);
    expect(queue.size).toBe(0);
  });

  it('a deleted entry never expires, and the ones after it still do on time', () => {
    jest.useFakeTimers();
    const expired: string[] = [];
    const queue = new ExpiryQueue<string, Entry>(100, (value) => expired.push(value.name), () => Date.now());
    queue.add('a', entry('A'));
    jest.advanceTimersByTime(50);
    queue.add('b', entry('B'));
    expect(queue.delete('a')).toBe(true);
    expect(queue.delete('a')).toBe(false);
    jest.advanceTimersByTime(99);
    expect(expired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(expired).toEqual(['B']);
  });

  it('re-arms when its timer fires before the first expiry by its own clock', () => {
    jest.useFakeTimers();
    let skew = 0;
    const expired: string[] = [];
    const queue = new ExpiryQueue<string, Entry>(100, (value) => expired.push(value.name), () => Date.now() - skew);
    queue.add('a', entry('A'));
    skew = 0.5; // our clock lags the timers' by half a millisecond
    jest.advanceTimersByTime(100);
    expect(expired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(expired).toEqual(['A']);
  });

  it('an entry added while others expire gets its full duration, under a single timer', () => {
    jest.useFakeTimers();
    const expired: string[] = [];
    const queue: ExpiryQueue<string, Entry> = new ExpiryQueue<string, Entry>(
      100,
      (value) => {
        expired.push(value.name);
        if (value.name === 'A') queue.add('c', entry('C'));
      },
      () => Date.now(),
    );
    queue.add('a', entry('A'));
    jest.advanceTimersByTime(10);
    queue.add('b', entry('B'));
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

  it('does not keep the process alive while empty, and does again once something waits', async () => {
    const before = timeouts();
    const expired: string[] = [];
    const queue = new ExpiryQueue<string, Entry>(60_000, (value) => expired.push(value.name));
    queue.add('a', entry('A'));
    expect(timeouts()).toBe(before + 1);
    queue.delete('a');
    expect(timeouts()).toBe(before);
    queue.add('b', entry('B'));
    expect(timeouts()).toBe(before + 1);
    queue.stop();
    expect(timeouts()).toBe(before);
    expect(expired).toEqual([]);
  });

  it('expires on real timers too, close to its duration', async () => {
    const started = performance.now();
    const at = await new Promise<number>((resolve) => {
      const queue = new ExpiryQueue<string, Entry>(50, () => resolve(performance.now()));
      queue.add('a', entry('A'));
    });
    expect(at - started).toBeGreaterThanOrEqual(49);
    expect(at - started).toBeLessThan(1000);
  });
});
