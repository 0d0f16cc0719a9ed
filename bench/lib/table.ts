/** Plain-text and Markdown tables. Pure. */

export type Align = 'left' | 'right';

export interface Table {
  headers: string[];
  rows: string[][];
  align?: Align[];
}

/** A number with at most `digits` significant decimals and thousands separators: 1234567 → "1,234,567". */
export function formatNumber(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  const d = abs >= 1000 ? 0 : abs >= 100 ? Math.min(digits, 1) : digits;
  return value.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** "median (min–max)"; the range is left out when there is a single sample. */
export function formatRange(median: number, min: number, max: number, digits = 0): string {
  const m = formatNumber(median, digits);
  if (!Number.isFinite(min) || !Number.isFinite(max) || min === max) return m;
  return `${m} (${formatNumber(min, digits)}–${formatNumber(max, digits)})`;
}

function pad(text: string, width: number, align: Align): string {
  const gap = ' '.repeat(Math.max(0, width - text.length));
  return align === 'right' ? gap + text : text + gap;
}

export function renderText(table: Table): string {
  const widths = table.headers.map((h, i) =>
    Math.max(h.length, ...table.rows.map((r) => (r[i] ?? '').length)),
  );
  const align = (i: number): Align => table.align?.[i] ?? (i === 0 ? 'left' : 'right');
  const line = (cells: string[]): string =>
    cells.map((c, i) => pad(c, widths[i]!, align(i))).join('  ').trimEnd();
  return [line(table.headers), widths.map((w) => '-'.repeat(w)).join('  '), ...table.rows.map(line)].join('\n');
}

export function renderMarkdown(table: Table): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const align = (i: number): Align => table.align?.[i] ?? (i === 0 ? 'left' : 'right');
  const head = `| ${table.headers.map(esc).join(' | ')} |`;
  const rule = `|${table.headers.map((_, i) => (align(i) === 'right' ? ' ---: ' : ' --- ')).join('|')}|`;
  const body = table.rows.map((r) => `| ${r.map(esc).join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}
