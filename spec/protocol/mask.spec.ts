import { applyMask, createMaskSource, fixedMaskSource } from '../../src/protocol/mask';

function referenceMask(data: Uint8Array, start: number, end: number, key: Uint8Array, phase: number): void {
  for (let i = start; i < end; i++) data[i] ^= key[(phase + i - start) & 3]!;
}

describe('applyMask', () => {
  const key = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);

  it('§5.3 masks "Hello" as in the §5.7 example', () => {
    const data = new TextEncoder().encode('Hello');
    applyMask(data, 0, 5, key, 0, 0);
    expect(Array.from(data)).toEqual([0x7f, 0x9f, 0x4d, 0x51, 0x58]);
  });

  it('§5.3 every length 0..64, every phase and every alignment equals the byte-wise reference', () => {
    const backing = new Uint8Array(256);
    for (let i = 0; i < backing.length; i++) backing[i] = (i * 131 + 7) & 0xff;
    for (let align = 0; align < 8; align++) {
      for (let len = 0; len <= 64; len++) {
        for (let phase = 0; phase < 4; phase++) {
          // an unaligned view over a shared buffer, with guard bytes either side
          const view = new Uint8Array(backing.slice().buffer, align, len + 8);
          const expected = view.slice();
          referenceMask(expected, 4, 4 + len, key, phase);
          applyMask(view, 4, 4 + len, key, 0, phase);
          expect(Array.from(view)).toEqual(Array.from(expected));
        }
      }
    }
  });

  it('§5.3 lengths 65..160 (word loop, around its threshold), every phase and alignment, equal the reference', () => {
    const backing = new Uint8Array(200).map((_, i) => (i * 37) & 0xff);
    for (let align = 0; align < 4; align++) {
      for (let len = 65; len <= 160; len++) {
        for (let phase = 0; phase < 4; phase++) {
          const view = new Uint8Array(backing.slice().buffer, align, len + 2);
          const expected = view.slice();
          referenceMask(expected, 1, 1 + len, key, phase);
          applyMask(view, 1, 1 + len, key, 0, phase);
          expect(view).toEqual(expected);
        }
      }
    }
  });

  it('§5.3 lengths around the SIMD threshold (1 KiB) and past the 64 KiB scratch area, every phase and alignment, equal the reference', () => {
    const lengths = [1000, 1023, 1024, 1025, 1031, 1088, 4099, 65536, 65541, 200_003];
    for (const len of lengths) {
      const backing = new Uint8Array(len + 16).map((_, i) => (i * 29 + len) & 0xff);
      for (let align = 0; align < 4; align++) {
        for (let phase = 0; phase < 4; phase++) {
          const view = new Uint8Array(backing.slice().buffer, align, len + 4);
          const expected = view.slice();
          referenceMask(expected, 2, 2 + len, key, phase);
          applyMask(view, 2, 2 + len, key, 0, phase);
          expect(view).toEqual(expected);
        }
      }
    }
  });

  it('§5.3 a range ending at the end of a buffer whose size is not a multiple of 4', () => {
    const a = new Uint8Array(4997).map((_, i) => i);
    const b = a.slice();
    applyMask(a, 3, 4997, key, 0, 1);
    referenceMask(b, 3, 4997, key, 1);
    expect(a).toEqual(b);
  });

  it('§5.3 large unaligned ranges (word loop) equal the reference', () => {
    const buf = new Uint8Array(5000);
    for (let i = 0; i < buf.length; i++) buf[i] = i & 0xff;
    for (const [start, end, phase] of [
      [1, 4999, 3],
      [3, 4096, 1],
      [0, 5000, 0],
      [2, 37, 2],
    ] as const) {
      const a = buf.slice();
      const b = buf.slice();
      applyMask(a, start, end, key, 0, phase);
      referenceMask(b, start, end, key, phase);
      expect(a).toEqual(b);
    }
  });

  it('§5.3 reads the key at an offset and leaves it intact when it sits before the data', () => {
    const buf = new Uint8Array([9, 0x37, 0xfa, 0x21, 0x3d, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    applyMask(buf, 5, 10, buf, 1, 0);
    expect(Array.from(buf.subarray(5))).toEqual([0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    expect(Array.from(buf.subarray(1, 5))).toEqual([0x37, 0xfa, 0x21, 0x3d]);
  });

  it('§5.3 masking a payload split across calls with the carried phase equals masking it whole', () => {
    const whole = new Uint8Array(100).map((_, i) => i);
    const split = whole.slice();
    applyMask(whole, 0, 100, key, 0, 0);
    applyMask(split, 0, 33, key, 0, 0);
    applyMask(split, 33, 71, key, 0, 33 & 3);
    applyMask(split, 71, 100, key, 0, 71 & 3);
    expect(split).toEqual(whole);
  });

  it('§5.3 masking twice restores the data', () => {
    const data = new Uint8Array(77).map((_, i) => i * 3);
    const orig = data.slice();
    applyMask(data, 0, 77, key, 0, 2);
    applyMask(data, 0, 77, key, 0, 2);
    expect(data).toEqual(orig);
  });
});

describe('mask sources', () => {
  it('§5.3 createMaskSource writes 4 bytes at the offset and varies across frames and pool refills', () => {
    const source = createMaskSource();
    const seen = new Set<string>();
    const target = new Uint8Array(6);
    for (let i = 0; i < 3000; i++) {
      target.fill(0xee);
      source(target, 1);
      expect(target[0]).toBe(0xee);
      expect(target[5]).toBe(0xee);
      seen.add(Buffer.from(target.subarray(1, 5)).toString('hex'));
    }
    // 3000 draws of 32 random bits: collisions are astronomically unlikely beyond a handful.
    expect(seen.size).toBeGreaterThan(2990);
  });

  it('fixedMaskSource writes its key and rejects keys that are not 4 bytes', () => {
    const t = new Uint8Array(4);
    fixedMaskSource([1, 2, 3, 4])(t, 0);
    expect(Array.from(t)).toEqual([1, 2, 3, 4]);
    expect(() => fixedMaskSource([1, 2, 3])).toThrow(RangeError);
  });
});
