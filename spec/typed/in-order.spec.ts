import { InOrder, isThenable, type InOrderSteps } from '../../src/typed/in-order';

/** A step whose answers are promises we settle by hand, in any order. */
function manual() {
  const settlers = new Map<number, { resolve: (v: string) => void; reject: (e: unknown) => void }>();
  const delivered: Array<[number, string]> = [];
  const steps: InOrderSteps<number, undefined, string> = {
    run: (item) => (item < 0 ? `sync ${item}` : new Promise<string>((resolve, reject) => settlers.set(item, { resolve, reject }))),
    failed: (item, _context, error) => `failed ${item}: ${(error as Error).message}`,
    deliver: (item, _context, result) => delivered.push([item, result]),
  };
  return { steps, settlers, delivered };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('InOrder', () => {
  it('delivers a synchronous result at once while nothing waits', () => {
    const { steps, delivered } = manual();
    const queue = new InOrder(steps);
    queue.push(-1, undefined);
    expect(delivered).toEqual([[-1, 'sync -1']]);
    expect(queue.waiting).toBe(0);
  });

  it('delivers results in push order whatever order they settle in, sync ones included', async () => {
    const { steps, settlers, delivered } = manual();
    const queue = new InOrder(steps);
    queue.push(1, undefined);
    queue.push(-2, undefined);
    queue.push(3, undefined);
    queue.push(4, undefined);
    settlers.get(4)!.resolve('four');
    settlers.get(3)!.reject(new Error('bad'));
    await flush();
    expect(delivered).toEqual([]);
    settlers.get(1)!.resolve('one');
    await flush();
    expect(delivered).toEqual([
      [1, 'one'],
      [-2, 'sync -2'],
      [3, 'failed 3: bad'],
      [4, 'four'],
    ]);
    expect(queue.waiting).toBe(0);
    queue.push(-5, undefined);
    expect(delivered).toHaveLength(5);
  });

  it('turns a throwing step into its failure result', () => {
    const delivered: string[] = [];
    const queue = new InOrder<number, undefined, string>({
      run: () => {
        throw new Error('thrown');
      },
      failed: (_item, _context, error) => (error as Error).message,
      deliver: (_item, _context, result) => delivered.push(result),
    });
    queue.push(1, undefined);
    expect(delivered).toEqual(['thrown']);
  });

  it('drops results of work started before clear()', async () => {
    const { steps, settlers, delivered } = manual();
    const queue = new InOrder(steps);
    queue.push(1, undefined);
    queue.clear();
    settlers.get(1)!.resolve('late');
    await flush();
    expect(delivered).toEqual([]);
    queue.push(-1, undefined);
    expect(delivered).toEqual([[-1, 'sync -1']]);
  });

  it('holds its source at the high-water mark and releases it at the low one, once each', async () => {
    const { steps, settlers, delivered } = manual();
    const calls: string[] = [];
    const queue = new InOrder(steps, { high: 4, low: 1, hold: () => calls.push('hold'), release: () => calls.push('release') });
    for (let i = 1; i <= 6; i++) queue.push(i, undefined);
    expect(calls).toEqual(['hold']);
    for (let i = 6; i >= 1; i--) settlers.get(i)!.resolve(`r${i}`);
    await flush();
    expect(delivered.map(([item]) => item)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(calls).toEqual(['hold', 'release']);
    queue.push(7, undefined);
    queue.push(8, undefined);
    queue.push(9, undefined);
    queue.push(10, undefined);
    queue.clear();
    expect(calls).toEqual(['hold', 'release', 'hold', 'release']);
  });

  it('takes items pushed while delivering, in order, without recursion', async () => {
    const delivered: number[] = [];
    let resolveFirst!: (v: number) => void;
    const queue: InOrder<number, undefined, number> = new InOrder({
      run: (item) => (item === 0 ? new Promise<number>((resolve) => (resolveFirst = resolve)) : item),
      failed: () => -1,
      deliver: (item) => {
        delivered.push(item);
        if (item < 5) queue.push(item + 100, undefined);
      },
    });
    queue.push(0, undefined);
    queue.push(1, undefined);
    resolveFirst(0);
    await flush();
    expect(delivered).toEqual([0, 1, 100, 101]);
  });

  it('keeps a long queue compact', async () => {
    const { steps, settlers, delivered } = manual();
    const queue = new InOrder(steps);
    for (let i = 0; i < 5000; i++) queue.push(i, undefined);
    settlers.get(0)!.resolve('r0');
    for (let i = 1; i < 3000; i++) settlers.get(i)!.resolve(`r${i}`);
    await flush();
    expect(delivered).toHaveLength(3000);
    expect(queue.waiting).toBe(2000);
    for (let i = 3000; i < 5000; i++) settlers.get(i)!.resolve(`r${i}`);
    await flush();
    expect(delivered.map(([item]) => item)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });
});

describe('isThenable', () => {
  it('recognises promises and objects with a then method only', () => {
    expect(isThenable(Promise.resolve(1))).toBe(true);
    expect(isThenable({ then: () => undefined })).toBe(true);
    expect(isThenable({ value: 1 })).toBe(false);
    expect(isThenable(null)).toBe(false);
    expect(isThenable('then')).toBe(false);
  });
});
