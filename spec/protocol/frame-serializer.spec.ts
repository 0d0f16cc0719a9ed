import fc from 'fast-check';
import { UsageError } from '../../src/errors';
import { FrameParser } from '../../src/protocol/frame-parser';
import { encodeFrame, frameHeaderSize, writeFrameHeader, writeMaskedFrameHeader } from '../../src/protocol/frame-serializer';
import { Opcode } from '../../src/protocol/opcode';
import { concat, fromHex, hex, TEST_KEY, testMask, utf8 } from './helpers';

interface Parsed {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  len: number;
  payload: Uint8Array;
}

function parseOne(bytes: Uint8Array, cuts: number[] = []): Parsed[] {
  const out: Parsed[] = [];
  let cur: Parsed | undefined;
  let parts: Uint8Array[] = [];
  const p = new FrameParser({
    onFrameStart(fin, rsv, opcode, masked, len) {
      cur = { fin, rsv, opcode, masked, len, payload: new Uint8Array(0) };
      parts = [];
      return 0;
    },
    onFramePayload(v) {
      parts.push(v.slice());
      return 0;
    },
    onFrameEnd() {
      cur!.payload = concat(...parts);
      out.push(cur!);
      return 0;
    },
    onFrameError(code) {
      throw new Error(`unexpected error ${code}`);
    },
  });
  let prev = 0;
  for (const cut of [...cuts, bytes.length]) {
    p.push(bytes, prev, cut);
    prev = cut;
  }
  return out;
}

describe('frame serializer', () => {
  it('§5.2 frameHeaderSize for the three length encodings, masked and not', () => {
    expect(frameHeaderSize(0, false)).toBe(2);
    expect(frameHeaderSize(125, false)).toBe(2);
    expect(frameHeaderSize(126, false)).toBe(4);
    expect(frameHeaderSize(65535, true)).toBe(8);
    expect(frameHeaderSize(65536, false)).toBe(10);
    expect(frameHeaderSize(2 ** 40, true)).toBe(14);
  });

  it('§5.7 single-frame unmasked text, byte for byte', () => {
    expect(hex(encodeFrame(Opcode.Text, utf8('Hello')))).toBe('810548656c6c6f');
  });

  it('§5.7 single-frame masked text with key 0x37fa213d, byte for byte', () => {
    expect(hex(encodeFrame(Opcode.Text, utf8('Hello'), { mask: testMask }))).toBe('818537fa213d7f9f4d5158');
  });

  it('§5.7 fragmented unmasked text, byte for byte', () => {
    expect(hex(encodeFrame(Opcode.Text, utf8('Hel'), { fin: false }))).toBe('010348656c');
    expect(hex(encodeFrame(Opcode.Continuation, utf8('lo')))).toBe('80026c6f');
  });

  it('§5.7 unmasked ping and masked pong, byte for byte', () => {
    expect(hex(encodeFrame(Opcode.Ping, utf8('Hello')))).toBe('890548656c6c6f');
    expect(hex(encodeFrame(Opcode.Pong, utf8('Hello'), { mask: testMask }))).toBe('8a8537fa213d7f9f4d5158');
  });

  it('§5.7 256-byte and 64 KiB binary headers', () => {
    expect(hex(encodeFrame(Opcode.Binary, new Uint8Array(256)).subarray(0, 4))).toBe('827e0100');
    expect(hex(encodeFrame(Opcode.Binary, new Uint8Array(65536)).subarray(0, 10))).toBe('827f0000000000010000');
  });

  it('§5.3 masking copies: the caller’s payload is never modified', () => {
    const payload = utf8('Hello');
    encodeFrame(Opcode.Binary, payload, { mask: testMask });
    expect(hex(payload)).toBe('48656c6c6f');
  });

  it('writeFrameHeader writes lengths up to 2^53−1 and an explicit mask key', () => {
    const t = new Uint8Array(14);
    expect(writeFrameHeader(t, 0, Opcode.Binary, true, true, Number.MAX_SAFE_INTEGER, TEST_KEY)).toBe(14);
    expect(hex(t)).toBe('c2ff001fffffffffffff37fa213d');
    expect(writeFrameHeader(t, 0, Opcode.Text, false, false, 2 ** 32 + 5)).toBe(10);
    expect(hex(t.subarray(0, 10))).toBe('017f0000000100000005');
    expect(writeMaskedFrameHeader(t, 0, Opcode.Ping, true, false, 3, testMask)).toBe(6);
    expect(hex(t.subarray(0, 6))).toBe('898337fa213d');
  });

  it('encodeFrame uses the alloc option', () => {
    const sizes: number[] = [];
    const f = encodeFrame(Opcode.Text, utf8('abc'), {
      alloc: (n) => {
        sizes.push(n);
        return new Uint8Array(n);
      },
    });
    expect(sizes).toEqual([5]);
    expect(hex(f)).toBe('8103616263');
  });

  it('§5.5 encodeFrame refuses oversized or fragmented control frames and bad opcodes', () => {
    expect(() => encodeFrame(Opcode.Ping, new Uint8Array(126))).toThrow(UsageError);
    expect(() => encodeFrame(Opcode.Close, new Uint8Array(2), { fin: false })).toThrow(UsageError);
    expect(() => encodeFrame(16, new Uint8Array(0))).toThrow(UsageError);
    expect(() => encodeFrame(1.5, new Uint8Array(0))).toThrow(UsageError);
    expect(hex(encodeFrame(Opcode.Ping, new Uint8Array(125))).slice(0, 4)).toBe('897d');
  });

  it('§5.2 property: serialize → parse round-trips any frame (opcode, fin, rsv, lengths near 125/126/65535/65536, masked or not)', () => {
    const lengthArb = fc.oneof(
      fc.integer({ min: 0, max: 300 }),
      fc.constantFrom(124, 125, 126, 127, 65534, 65535, 65536, 65537),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 15 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 7 }),
        fc.boolean(),
        lengthArb,
        fc.integer({ min: 0, max: 255 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        (opcode, fin, rsv, masked, len, seed, rawCuts) => {
          const control = opcode >= 8;
          const payload = new Uint8Array(control ? Math.min(len, 125) : len).map((_, i) => (i * 31 + seed) & 0xff);
          const finalFin = control ? true : fin;
          const bytes = encodeFrame(opcode, payload, { fin: finalFin, rsvBits: rsv, ...(masked ? { mask: testMask } : {}) });
          const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const [frame, ...rest] = parseOne(bytes, cuts);
          expect(rest).toHaveLength(0);
          expect(frame).toMatchObject({ fin: finalFin, rsv, opcode, masked, len: payload.length });
          expect(Buffer.from(frame!.payload).equals(Buffer.from(payload))).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('§5.7 fixture bytes parse back (both ways)', () => {
    const [f] = parseOne(fromHex('818537fa213d7f9f4d5158'));
    expect(new TextDecoder().decode(f!.payload)).toBe('Hello');
  });
});
