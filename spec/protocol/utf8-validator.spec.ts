import fc from 'fast-check';
import { isValidUtf8, Utf8Validator } from '../../src/protocol/utf8-validator';

const fatal = new TextDecoder('utf-8', { fatal: true });
function reference(bytes: Uint8Array): boolean {
  try {
    fatal.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function validateSplit(bytes: Uint8Array, cuts: number[]): boolean {
  const v = new Utf8Validator();
  let prev = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (!v.push(bytes, prev, cut)) return false;
    prev = cut;
  }
  return v.end();
}

const b = (...xs: number[]): Uint8Array => new Uint8Array(xs);

/** Byte pieces around every boundary of Unicode table 3-7. */
const edgePieces: number[][] = [
  [0x00], [0x7f], [0x80], [0xbf], [0xc0], [0xc1], [0xc2], [0xdf], [0xe0], [0xed], [0xef], [0xf0],
  [0xf4], [0xf5], [0xff], [0x9f], [0xa0], [0x8f], [0x90],
  [0xc2, 0x80], [0xdf, 0xbf], [0xe0, 0xa0, 0x80], [0xe0, 0x9f, 0xbf], [0xed, 0x9f, 0xbf], [0xed, 0xa0, 0x80],
  [0xef, 0xbf, 0xbe], [0xef, 0xbf, 0xbf], [0xf0, 0x90, 0x80, 0x80], [0xf0, 0x8f, 0xbf, 0xbf],
  [0xf4, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0x41, 0x42, 0x43, 0x44, 0x45],
];
const edgeBytes = fc
  .array(fc.oneof(fc.constantFrom(...edgePieces), fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 3 })), {
    maxLength: 24,
  })
  .map((parts) => new Uint8Array(parts.flat()));

const splitsOf = (bytes: Uint8Array) =>
  fc.array(fc.nat({ max: bytes.length }), { maxLength: 6 }).map((xs) => [...xs].sort((x, y) => x - y));

describe('Utf8Validator', () => {
  it('R13 accepts ASCII, 2-, 3- and 4-byte sequences and the noncharacters U+FFFE/U+FFFF', () => {
    expect(isValidUtf8(new TextEncoder().encode('héllo €𝄞 κόσμε'))).toBe(true);
    expect(isValidUtf8(b(0xef, 0xbf, 0xbe))).toBe(true);
    expect(isValidUtf8(b(0xef, 0xbf, 0xbf))).toBe(true);
    expect(isValidUtf8(b(0xf4, 0x8f, 0xbf, 0xbf))).toBe(true); // U+10FFFF
    expect(isValidUtf8(b())).toBe(true);
  });

  it('R13 rejects overlongs, surrogates, > U+10FFFF, bad continuations and C0/C1/F5+', () => {
    for (const bad of [
      b(0xc0, 0x80), b(0xc1, 0xbf), b(0xe0, 0x80, 0x80), b(0xe0, 0x9f, 0xbf), b(0xf0, 0x80, 0x80, 0x80),
      b(0xf0, 0x8f, 0xbf, 0xbf), b(0xed, 0xa0, 0x80), b(0xed, 0xbf, 0xbf), b(0xf4, 0x90, 0x80, 0x80),
      b(0xf5, 0x80, 0x80, 0x80), b(0xff), b(0xfe), b(0x80), b(0xc2, 0x41), b(0xe2, 0x82, 0x41),
      b(0xf0, 0x9f, 0x98, 0x41),
    ]) {
      expect(isValidUtf8(bad)).toBe(false);
    }
  });

  it('R12 a valid code point split across pushes is accepted', () => {
    const v = new Utf8Validator();
    const euro = b(0xe2, 0x82, 0xac);
    expect(v.push(euro, 0, 1)).toBe(true);
    expect(v.end()).toBe(false); // truncated if FIN came now
    expect(v.push(euro, 1, 2)).toBe(true);
    expect(v.push(euro, 2, 3)).toBe(true);
    expect(v.end()).toBe(true);
  });

  it('R12 fails fast: false at the offending push, not at the end, and stays false until reset', () => {
    const v = new Utf8Validator();
    expect(v.push(b(0x41, 0xce), 0, 2)).toBe(true);
    expect(v.push(b(0x41), 0, 1)).toBe(false); // continuation expected
    expect(v.valid).toBe(false);
    expect(v.push(b(0x41), 0, 1)).toBe(false);
    v.reset();
    expect(v.valid).toBe(true);
    expect(v.push(b(0x41), 0, 1)).toBe(true);
    expect(v.end()).toBe(true);
  });

  it('R13 truncation at FIN is invalid', () => {
    expect(isValidUtf8(b(0x41, 0xf0, 0x9f, 0x98))).toBe(false);
    expect(isValidUtf8(b(0xc3))).toBe(false);
  });

  it('R13 long ASCII runs (word scan) with one bad or multi-byte sequence at every position and alignment', () => {
    for (let align = 0; align < 4; align++) {
      for (let at = 0; at < 150; at++) {
        for (const insert of [[0xff], [0xc3, 0xa9], [0xe2, 0x82], [0x80]]) {
          const backing = new Uint8Array(160 + align).fill(0x41);
          backing.set(insert, align + at);
          const view = backing.subarray(align);
          expect(isValidUtf8(view)).toBe(reference(view));
          expect(validateSplit(view, [at >> 1])).toBe(reference(view));
        }
      }
    }
    expect(isValidUtf8(new Uint8Array(1000).fill(0x7a))).toBe(true);
  });

  it('validates a subrange only', () => {
    expect(isValidUtf8(b(0xff, 0x41, 0x42, 0xff), 1, 3)).toBe(true);
  });

  it('R13 property: agrees with TextDecoder(fatal) on arbitrary bytes, whole and in random splits', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }).chain((bytes) => fc.tuple(fc.constant(bytes), splitsOf(bytes))),
        ([bytes, cuts]) => {
          const expected = reference(bytes);
          expect(isValidUtf8(bytes)).toBe(expected);
          expect(validateSplit(bytes, cuts)).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('R13 property: agrees with TextDecoder(fatal) on inputs biased to UTF-8 edge cases, whole and split', () => {
    fc.assert(
      fc.property(
        edgeBytes.chain((bytes) => fc.tuple(fc.constant(bytes), splitsOf(bytes))),
        ([bytes, cuts]) => {
          const expected = reference(bytes);
          expect(isValidUtf8(bytes)).toBe(expected);
          expect(validateSplit(bytes, cuts)).toBe(expected);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('R13 property: every encoded string (incl. astral) is valid, fed in any split', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => new TextEncoder().encode(s)).chain((bytes) =>
          fc.tuple(fc.constant(bytes), splitsOf(bytes)),
        ),
        ([bytes, cuts]) => {
          expect(validateSplit(bytes, cuts)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('R13 exhaustive: every 1- and 2-byte input and every 3-byte input with a lead E0..F4 matches', () => {
    for (let x = 0; x < 256; x++) {
      expect(isValidUtf8(b(x))).toBe(reference(b(x)));
      for (let y = 0; y < 256; y++) {
        const two = b(x, y);
        if (isValidUtf8(two) !== reference(two)) throw new Error(`mismatch ${x} ${y}`);
      }
    }
    for (let x = 0xe0; x <= 0xf4; x++) {
      for (let y = 0x70; y < 0xd0; y++) {
        for (const z of [0x00, 0x7f, 0x80, 0xbf, 0xc0]) {
          const three = b(x, y, z);
          if (isValidUtf8(three) !== reference(three)) throw new Error(`mismatch ${x} ${y} ${z}`);
        }
      }
    }
  });
});
