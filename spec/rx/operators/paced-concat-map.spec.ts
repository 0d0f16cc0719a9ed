import { Observable, Subject, of, timer, map, toArray, firstValueFrom, throwError, EMPTY } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { UsageError } from '../../../src/errors';
import { pacedConcatMap } from '../../../src/rx/operators/paced-concat-map';

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

  it('the default water marks are 64 and 16 queued values', () => {
    const { log, target } = pausable();
    const source = new Subject<number>();
    const finishers: Array<() => void> = [];
    source.pipe(pacedConcatMap(target, () => new Observable<never>((s) => void finishers.push(() => s.complete())))).subscribe();
    for (let v = 0; v <= 64; v++) source.next(v); // one running, 64 waiting
    expect(log).toEqual(['pause']);
    for (let i = 0; i < 47; i++) finishers.shift()!(); // 17 waiting
    expect(log).toEqual(['pause']);
    finishers.shift()!(); // 16 waiting
    expect(log).toEqual(['pause', 'resume']);
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

  it('a target whose resume() delivers values and the end at once (a Connection releasing what it held) keeps them in order, one at a time', () => {
    // Connection.resume() parses what it held and emits it synchronously, from inside the pump.
    const source = new Subject<number>();
    const held: number[] = [];
    let paused = false;
    let ended = false;
    const target = {
      pause: () => (paused = true),
      resume: () => {
        paused = false;
        for (const v of held.splice(0)) source.next(v);
        if (ended) source.complete();
      },
    };
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const finishers: Array<() => void> = [];
    let completed = false;
    source
      .pipe(
        pacedConcatMap(
          target,
          (v) =>
            new Promise<number>((resolve) => {
              started.push(v);
              running++;
              most = Math.max(most, running);
              finishers.push(() => {
                running--;
                resolve(v);
              });
            }),
          { highWaterMark: 3, lowWaterMark: 1 },
        ),
      )
      .subscribe({ complete: () => (completed = true) });
    for (let v = 0; v < 4; v++) source.next(v);
    expect(paused).toBe(true);
    // Then the end of the stream, held too (a Connection's close event waiting for resume()).
    for (let v = 4; v < 8; v++) held.push(v);
    ended = true;
    return (async () => {
      while (started.length < 8) {
        finishers.shift()!();
        await new Promise((r) => setImmediate(r));
      }
      expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(most).toBe(1);
      expect(completed).toBe(false);
      finishers.shift()!();
      await new Promise((r) => setImmediate(r));
      expect(completed).toBe(true);
    })();
  });

  it('rejects water marks that cannot work', () => {
    const { target } = pausable();
    expect(() => pacedConcatMap(target, (v) => of(v), { highWaterMark: 4, lowWaterMark: 4 })).toThrow(UsageError);
    expect(() => pacedConcatMap(target, (v) => of(v), { highWaterMark: 0 })).toThrow(UsageError);
  });
});
