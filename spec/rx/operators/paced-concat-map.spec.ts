import { Subject, of, timer, map, toArray, firstValueFrom, throwError, EMPTY } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { UsageError } from '../../../src/errors';
import { pacedConcatMap } from '../../../src/rx/operators/paced-concat-map';
import { until } from '../../helpers/harness';

function pausable() {
  const log: string[] = [];
  return { log, target: { pause: () => log.push('pause'), resume: () => log.push('resume') } };
}

describe('pacedConcatMap (R40: a slow subscriber pauses the socket)', () => {
  it('processes in order, one at a time, like concatMap', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, hot, expectObservable }) => {
      const { target } = pausable();
      const source = hot('a-b-c|');
      const result = source.pipe(pacedConcatMap(target, (v) => cold('--x|', { x: v.toUpperCase() })));
      // a at 0 → A at 2 (done at 3); b queued, starts at 3 → B at 5; c starts at 6 → C at 8, done at 9.
      expectObservable(result).toBe('--A--B--C|');
    });
  });

  it('pauses at the high-water mark and resumes at the low-water mark', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, hot, expectObservable, flush }) => {
      const { log, target } = pausable();
      // 6 values arrive at once; each takes 10 frames. high 4, low 1.
      const source = hot('(abcdef)|');
      const result = source.pipe(pacedConcatMap(target, (v) => cold('----------(x|)', { x: v }), { highWaterMark: 4, lowWaterMark: 1 }));
      expectObservable(result).toBe('----------a---------b---------c---------d---------e---------(f|)');
      flush();
      // Queue: a starts at once (queue empty); b..e queue to 4 → pause; resumed when it drains to 1.
      expect(log).toEqual(['pause', 'resume']);
    });
  });

  it('resumes the target when unsubscribed while paused', () => {
    const { log, target } = pausable();
    const source = new Subject<number>();
    const subscription = source.pipe(pacedConcatMap(target, () => timer(1000), { highWaterMark: 2, lowWaterMark: 0 })).subscribe();
    source.next(1);
    source.next(2);
    source.next(3);
    expect(log).toEqual(['pause']);
    subscription.unsubscribe();
    expect(log).toEqual(['pause', 'resume']);
  });

  it('keeps the order when resuming the target delivers values at once (a connection parsing what it held back)', async () => {
    const source = new Subject<number>();
    let held: number[] = [];
    let paused = false;
    const target = {
      pause: () => (paused = true),
      resume: () => {
        paused = false;
        const release = held;
        held = [];
        release.forEach((v) => source.next(v));
      },
    };
    const out = firstValueFrom(source.pipe(pacedConcatMap(target, (v) => timer(1).pipe(map(() => v)), { highWaterMark: 3, lowWaterMark: 1 }), toArray()));
    for (let i = 0; i < 20; i++) {
      if (paused) held.push(i);
      else source.next(i);
    }
    await until(() => held.length === 0 && !paused);
    source.complete();
    expect(await out).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('handles synchronous inners without recursion (100k values)', async () => {
    const { target } = pausable();
    const values = Array.from({ length: 100_000 }, (_, i) => i);
    const out = await firstValueFrom(of(...values).pipe(pacedConcatMap(target, (v) => of(v * 2)), toArray()));
    expect(out.length).toBe(100_000);
    expect(out[99_999]).toBe(199_998);
  });

  it('empty source completes; errors from the source, the project, or an inner pass through', async () => {
    const { target } = pausable();
    await expect(firstValueFrom(EMPTY.pipe(pacedConcatMap(target, (v) => of(v)), toArray()))).resolves.toEqual([]);
    await expect(firstValueFrom(throwError(() => new Error('src')).pipe(pacedConcatMap(target, (v) => of(v))))).rejects.toThrow('src');
    await expect(firstValueFrom(of(1).pipe(pacedConcatMap(target, () => { throw new Error('project'); })))).rejects.toThrow('project');
    await expect(firstValueFrom(of(1).pipe(pacedConcatMap(target, () => throwError(() => new Error('inner')))))).rejects.toThrow('inner');
    await expect(firstValueFrom(of(1, 2).pipe(pacedConcatMap(target, (v) => Promise.resolve(v + 1)), map((v) => v), toArray()))).resolves.toEqual([2, 3]);
  });

  it('rejects water marks that cannot work', () => {
    const { target } = pausable();
    expect(() => pacedConcatMap(target, (v) => of(v), { highWaterMark: 4, lowWaterMark: 4 })).toThrow(UsageError);
    expect(() => pacedConcatMap(target, (v) => of(v), { highWaterMark: 0 })).toThrow(UsageError);
  });
});
