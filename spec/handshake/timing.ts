import { performance } from 'node:perf_hooks';

/**
 * The fastest of a few runs of `fn`, in milliseconds. Taking the minimum filters out GC pauses and
 * a busy CI machine, so a linear-time check can use a tight bound without flaking; a quadratic
 * or backtracking implementation is slower on every run, so it still fails.
 */
export function minTimeMs(fn: () => unknown, runs = 7): number {
  fn(); // warm up (JIT)
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}
