import { wordsOf } from '../../src/protocol/word-view';

describe('src/protocol/word-view.ts wordsOf', () => {
  it('is an Int32Array over the whole buffer behind the view, whatever its offset', () => {
    const buffer = new ArrayBuffer(64);
    const view = new Uint8Array(buffer, 12, 20);
    const words = wordsOf(view);
    expect(words).toBeInstanceOf(Int32Array);
    expect(words.buffer).toBe(buffer);
    expect(words.byteOffset).toBe(0);
    expect(words.length).toBe(16);
  });

  it('indexes by (byteOffset + i) >>> 2: a word written through it changes those 4 bytes of the view', () => {
    const view = new Uint8Array(new ArrayBuffer(32), 8, 16);
    const words = wordsOf(view);
    words[(view.byteOffset + 4) >>> 2] = -1;
    expect(Array.from(view)).toEqual([0, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('views of one buffer share one cached Int32Array (no view made per frame)', () => {
    const buffer = new ArrayBuffer(128);
    const first = wordsOf(new Uint8Array(buffer, 0, 10));
    const second = wordsOf(new Uint8Array(buffer, 40, 30));
    expect(second).toBe(first);
  });

  it('a different buffer gets a view of its own, and the old one is not returned for it', () => {
    const a = wordsOf(new Uint8Array(16));
    const bBytes = new Uint8Array(24);
    const b = wordsOf(bBytes);
    expect(b).not.toBe(a);
    expect(b.buffer).toBe(bBytes.buffer);
    expect(wordsOf(new Uint8Array(a.buffer))).not.toBe(b);
  });

  it('a resizable buffer that grew since the view was made gets a new view covering the new bytes', () => {
    // Resizable ArrayBuffers (ES2024) are newer than the project's `lib`: typed by hand here.
    const Resizable = ArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => ArrayBuffer & { resize(length: number): void };
    const buffer = new Resizable(16, { maxByteLength: 64 });
    const before = wordsOf(new Uint8Array(buffer, 0, 16));
    expect(before.length).toBe(4);
    buffer.resize(64);
    const after = wordsOf(new Uint8Array(buffer, 40, 24));
    expect(after.length).toBeGreaterThanOrEqual(16);
    after[60 >>> 2] = 0x01020304;
    expect(new Uint8Array(buffer)[60] | new Uint8Array(buffer)[63]).not.toBe(0);
  });

  it('a length that is not a multiple of 4 rounds down: only whole words are covered', () => {
    const words = wordsOf(new Uint8Array(new ArrayBuffer(13)));
    expect(words.length).toBe(3);
  });
});
