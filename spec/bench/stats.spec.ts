import { median, percentile, summarize } from '../../bench/lib/stats';
import { pairedRatios } from '../../bench/lib/results';
import { formatNumber, formatRange, renderMarkdown, renderText } from '../../bench/lib/table';

describe('bench stats', () => {
  it('takes the median of odd and even samples, unsorted', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('interpolates percentiles between ranks and clamps the ends', () => {
    const xs = Array.from({ length: 101 }, (_, i) => 100 - i); // 0..100 reversed
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile([10, 20], 25)).toBe(12.5);
    expect(percentile(xs, 0)).toBe(0);
    expect(percentile(xs, 100)).toBe(100);
  });

  it('summarizes without throwing on empty or non-finite input', () => {
    expect(summarize([])).toEqual({ n: 0, median: NaN, min: NaN, max: NaN });
    expect(summarize([3, NaN, 1, Infinity, 2])).toEqual({ n: 3, median: 2, min: 1, max: 3 });
  });

  it('pairs ratios by round and ignores rounds where either side failed', () => {
    const a = [{ v: 10 }, null, { v: 30 }, { v: 8 }];
    const b = [{ v: 5 }, { v: 7 }, { v: 10 }, { v: 0 }];
    expect(pairedRatios(a, b, 'v')).toEqual({ n: 2, median: 2.5, min: 2, max: 3 });
    expect(pairedRatios(a, undefined, 'v')).toBeNull();
  });
});

describe('bench tables', () => {
  it('formats numbers with separators and ranges', () => {
    expect(formatNumber(1234567.8)).toBe('1,234,568');
    expect(formatNumber(12.345, 2)).toBe('12.35');
    expect(formatNumber(NaN)).toBe('–');
    expect(formatRange(2, 1, 3)).toBe('2 (1–3)');
    expect(formatRange(2, 2, 2)).toBe('2');
  });

  it('aligns text columns and escapes markdown pipes', () => {
    const t = { headers: ['case', 'n'], rows: [['a|b', '1'], ['long case', '1,000']] };
    expect(renderText(t).split('\n')).toEqual(['case           n', '---------  -----', 'a|b            1', 'long case  1,000']);
    expect(renderMarkdown(t)).toBe('| case | n |\n| --- | ---: |\n| a\\|b | 1 |\n| long case | 1,000 |');
  });
});
