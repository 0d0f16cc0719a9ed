import type { HeadParseResult, HttpHeadParser } from '../../src/handshake/http-head-parser';

/** Test text to bytes, one byte per char (latin1), so fixtures say exactly which bytes are sent. */
export function bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

export type Outcome<T> =
  | { kind: 'incomplete' }
  | { kind: 'error'; status: 400 | 431; message: string }
  | { kind: 'done'; head: T; after: number[] };

/**
 * Feeds `chunks` to a fresh parser until it answers. For 'done', `after` is what the caller would
 * have left: the `rest` of the last chunk followed by the chunks never fed.
 */
export function feed<T>(make: () => HttpHeadParser<T>, chunks: readonly Uint8Array[]): Outcome<T> {
  const parser = make();
  for (let k = 0; k < chunks.length; k++) {
    const r: HeadParseResult<T> = parser.push(chunks[k]!);
    if (r.kind === 'done') {
      const after = [...r.rest];
      for (const c of chunks.slice(k + 1)) after.push(...c);
      return { kind: 'done', head: r.head, after };
    }
    if (r.kind === 'error') return r;
  }
  return { kind: 'incomplete' };
}

/** Splits `data` at the given (sorted, in-range) offsets. */
export function splitAt(data: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const o of offsets) {
    out.push(data.subarray(prev, o));
    prev = o;
  }
  out.push(data.subarray(prev));
  return out;
}

/** Whole, byte by byte, and split in two at every point (DESIGN §4 habit 3). */
export function everyChunking(data: Uint8Array): Uint8Array[][] {
  const ways: Uint8Array[][] = [[data]];
  ways.push(Array.from(data, (_, i) => data.subarray(i, i + 1)));
  for (let i = 0; i <= data.length; i++) ways.push(splitAt(data, [i]));
  return ways;
}

/** Feeds `data` in every chunking, expects one identical outcome, and returns it. */
export function feedEveryWay<T>(make: () => HttpHeadParser<T>, data: Uint8Array): Outcome<T> {
  const whole = feed(make, [data]);
  for (const chunks of everyChunking(data)) {
    expect(feed(make, chunks)).toEqual(whole);
  }
  return whole;
}
