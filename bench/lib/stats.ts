/** Order statistics for benchmark samples. Pure: no I/O, no clocks. */

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
}

function sorted(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
}

/**
 * Percentile by linear interpolation between closest ranks (the "R-7" definition spreadsheets use),
 * so p50 of an even-sized sample is the mean of the two middle values. `p` is in [0, 100].
 * An empty sample yields NaN rather than throwing: a skipped run must not crash the report.
 */
export function percentileOfSorted(ascending: readonly number[], p: number): number {
  if (ascending.length === 0) return NaN;
  if (p <= 0) return ascending[0]!;
  if (p >= 100) return ascending[ascending.length - 1]!;
  const rank = (p / 100) * (ascending.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = ascending[lo]!;
  const b = ascending[hi]!;
  return a + (b - a) * (rank - lo);
}

export function percentile(values: readonly number[], p: number): number {
  return percentileOfSorted(sorted(values), p);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function summarize(values: readonly number[]): Summary {
  const s = sorted(values);
  return {
    n: s.length,
    median: percentileOfSorted(s, 50),
    min: s.length ? s[0]! : NaN,
    max: s.length ? s[s.length - 1]! : NaN,
  };
}
