import fc from 'fast-check';
import { simdMask } from '../../src/protocol/simd-mask';

/** §5.3 byte by byte: octet i is XORed with key octet (i MOD 4); `key`'s low byte is octet 0. */
function referenceMask(data: Uint8Array, start: number, end: number, key: number): void {
  for (let i = start; i < end; i++) data[i] ^= (key >>> (((i - start) & 3) * 8)) & 0xff;
}

function pattern(length: number, seed: number): Uint8Array {
  return new Uint8Array(length).map((_, i) => (i * 131 + seed * 17 + 7) & 0xff);
}

const KEY = 0x3d21fa37; // bytes 37 fa 21 3d, the §5.7 example key

describe('simdMask (WebAssembly SIMD masking)', () => {
  it('is available on the Node versions we support (the fallback is for other engines)', () => {
    expect(simdMask(new Uint8Array(16), 0, 16, KEY)).toBe(true);
  });

  it('§5.3 masks "Hello" as in the §5.7 example', () => {
    const data = new TextEncoder().encode('Hello');
    expect(simdMask(data, 0, 5, KEY)).toBe(true);
    expect(Array.from(data)).toEqual([0x7f, 0x9f, 0x4d, 0x51, 0x58]);
  });

  it('§5.3 every length 0..200 at every alignment equals the byte-wise reference, bytes around it untouched', () => {
    for (let align = 0; align < 8; align++) {
      for (let len = 0; len <= 200; len++) {
        const backing = pattern(len + 16, len);
        const view = new Uint8Array(backing.buffer, align, len + 8);
        const expected = view.slice();
        referenceMask(expected, 4, 4 + len, KEY);
        simdMask(view, 4, 4 + len, KEY);
        expect(view).toEqual(expected);
      }
    }
  });

  it('§5.3 ranges around the 64 KiB scratch area (masked piece by piece) equal the reference', () => {
    for (const len of [65535, 65536, 65537, 65536 * 2 - 1, 65536 * 2 + 3, 300_001]) {
      for (const start of [0, 1, 3]) {
        const data = pattern(len + start + 5, start);
        const expected = data.slice();
        referenceMask(expected, start, start + len, 0x8badf00d);
        simdMask(data, start, start + len, 0x8badf00d);
        expect(data).toEqual(expected);
      }
    }
  });

  it('property: any range of any buffer, any key, equals the reference (and masking twice restores it)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 140_000 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        (length, a, b, key) => {
          const data = pattern(length, a);
          const start = length === 0 ? 0 : a % (length + 1);
          const end = start + (length - start === 0 ? 0 : b % (length - start + 1));
          const expected = data.slice();
          referenceMask(expected, start, end, key);
          const original = data.slice();
          expect(simdMask(data, start, end, key)).toBe(true);
          expect(data).toEqual(expected);
          simdMask(data, start, end, key);
          expect(data).toEqual(original);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a view over a SharedArrayBuffer is masked in place too', () => {
    const data = new Uint8Array(new SharedArrayBuffer(5000));
    data.set(pattern(5000, 3));
    const expected = data.slice();
    referenceMask(expected, 7, 4999, KEY);
    simdMask(data, 7, 4999, KEY);
    expect(Array.from(data)).toEqual(Array.from(expected));
  });

  describe('where WebAssembly SIMD is missing', () => {
    // The core's type libraries do not declare WebAssembly: reach it as a plain global.
    const g = globalThis as { WebAssembly?: object };
    const original = g.WebAssembly;
    afterEach(() => {
      g.WebAssembly = original;
    });

    function freshSimdMask(): typeof simdMask {
      let fn: typeof simdMask | undefined;
      jest.isolateModules(() => {
        fn = (jest.requireActual('../../src/protocol/simd-mask') as { simdMask: typeof simdMask }).simdMask;
      });
      return fn!;
    }

    it('without WebAssembly it returns false and leaves the data as it was', () => {
      const fresh = freshSimdMask();
      g.WebAssembly = undefined;
      const data = pattern(4096, 1);
      const before = data.slice();
      expect(fresh(data, 0, 4096, KEY)).toBe(false);
      expect(fresh(data, 0, 4096, KEY)).toBe(false); // and it does not try again
      expect(data).toEqual(before);
    });

    it('when the engine rejects the module (no SIMD) or refuses to compile (CSP), it returns false', () => {
      for (const wasm of [
        { ...original, validate: () => false },
        {
          ...original,
          validate: () => true,
          Module: function Module() {
            throw new Error('WebAssembly.Module(): Wasm code generation disallowed by embedder');
          },
        },
      ]) {
        const fresh = freshSimdMask();
        g.WebAssembly = wasm;
        const data = pattern(2048, 2);
        const before = data.slice();
        expect(fresh(data, 0, 2048, KEY)).toBe(false);
        expect(data).toEqual(before);
        g.WebAssembly = original;
      }
    });
  });
});
