import fc from 'fast-check';
import { FRAME_PAUSE, FrameParser, type FrameHandler } from '../../src/protocol/frame-parser';
import { encodeFrame } from '../../src/protocol/frame-serializer';
import { concat, fromHex, hex, maskedFrameByHand, testMask } from './helpers';

/** A handler that records frames as { header, payload hex, end } strings. */
class Recording implements FrameHandler {
  log: string[] = [];
  payload: string[] = [];
  startVerdict = 0;
  endVerdict = 0;
  onFrameStart(fin: boolean, rsv: number, opcode: number, masked: boolean, len: number): number {
    this.log.push(`start fin=${fin} rsv=${rsv} op=${opcode} masked=${masked} len=${len}`);
    this.payload = [];
    return this.startVerdict;
  }
  onFramePayload(view: Uint8Array): number {
    expect(view.length).toBeGreaterThan(0);
    this.payload.push(hex(view));
    return 0;
  }
  onFrameEnd(): number {
    this.log.push(`end ${this.payload.join('')}`);
    return this.endVerdict;
  }
  onFrameError(closeCode: number, errorCode: string): void {
    this.log.push(`error ${closeCode} ${errorCode}`);
  }
}

function parse(bytes: Uint8Array, cuts: number[] = []): string[] {
  const h = new Recording();
  const p = new FrameParser(h);
  let prev = 0;
  for (const cut of [...cuts, bytes.length]) {
    const chunk = bytes.slice(prev, cut);
    expect(p.push(chunk, 0, chunk.length)).toEqual(p.stopped ? expect.any(Number) : chunk.length);
    prev = cut;
  }
  return h.log;
}

function everySplit(bytes: Uint8Array): string[] {
  const whole = parse(bytes);
  const bytewise: number[] = [];
  for (let i = 1; i < bytes.length; i++) {
    bytewise.push(i);
    expect(parse(bytes, [i])).toEqual(whole);
  }
  expect(parse(bytes, bytewise)).toEqual(whole);
  return whole;
}

describe('FrameParser', () => {
  it('§5.7 single-frame unmasked text', () => {
    expect(everySplit(fromHex('81 05 48656c6c6f'))).toEqual([
      'start fin=true rsv=0 op=1 masked=false len=5',
      'end 48656c6c6f',
    ]);
  });

  it('§5.7 single-frame masked text (unmasked in place)', () => {
    expect(everySplit(fromHex('81 85 37fa213d 7f9f4d5158'))).toEqual([
      'start fin=true rsv=0 op=1 masked=true len=5',
      'end 48656c6c6f',
    ]);
  });

  it('§5.7 fragmented unmasked text', () => {
    expect(everySplit(fromHex('01 03 48656c 80 02 6c6f'))).toEqual([
      'start fin=false rsv=0 op=1 masked=false len=3',
      'end 48656c',
      'start fin=true rsv=0 op=0 masked=false len=2',
      'end 6c6f',
    ]);
  });

  it('§5.7 unmasked ping and masked pong', () => {
    expect(everySplit(fromHex('89 05 48656c6c6f 8a 85 37fa213d 7f9f4d5158'))).toEqual([
      'start fin=true rsv=0 op=9 masked=false len=5',
      'end 48656c6c6f',
      'start fin=true rsv=0 op=10 masked=true len=5',
      'end 48656c6c6f',
    ]);
  });

  it('§5.7 256-byte binary (16-bit length) and 64 KiB binary (64-bit length)', () => {
    const p256 = new Uint8Array(256).map((_, i) => i);
    const f256 = concat(fromHex('82 7e 0100'), p256);
    expect(parse(f256, [1, 3, 100])).toEqual(['start fin=true rsv=0 op=2 masked=false len=256', `end ${hex(p256)}`]);
    const p64k = new Uint8Array(65536).map((_, i) => i * 7);
    const f64k = concat(fromHex('82 7f 0000000000010000'), p64k);
    expect(parse(f64k, [5, 9000, 40000])).toEqual([
      'start fin=true rsv=0 op=2 masked=false len=65536',
      `end ${hex(p64k)}`,
    ]);
  });

  it('§5.2 empty payloads: no onFramePayload call, masked or not', () => {
    expect(everySplit(fromHex('81 00 82 80 01020304'))).toEqual([
      'start fin=true rsv=0 op=1 masked=false len=0',
      'end ',
      'start fin=true rsv=0 op=2 masked=true len=0',
      'end ',
    ]);
  });

  it('§5.2 RSV bits and any opcode are reported, not judged, by the parser', () => {
    expect(parse(fromHex('f3 00'))).toEqual(['start fin=true rsv=7 op=3 masked=false len=0', 'end ']);
  });

  it('§5.2 non-minimal length encodings are accepted', () => {
    expect(everySplit(fromHex('82 7e 0003 010203 82 7f 0000000000000002 0405'))).toEqual([
      'start fin=true rsv=0 op=2 masked=false len=3',
      'end 010203',
      'start fin=true rsv=0 op=2 masked=false len=2',
      'end 0405',
    ]);
  });

  it('R7 64-bit length with MSB set → 1002, before any payload', () => {
    expect(everySplit(fromHex('82 7f 8000000000000000 00'))).toEqual(['error 1002 frame_length_msb']);
  });

  it('R7 a length above 2^53−1 → 1009 at header time; 2^53−1 itself is announced', () => {
    expect(everySplit(fromHex('82 7f 0020000000000000'))).toEqual(['error 1009 frame_too_big']);
    expect(parse(fromHex('82 7f 001fffffffffffff'))).toEqual([
      `start fin=true rsv=0 op=2 masked=false len=${Number.MAX_SAFE_INTEGER}`,
    ]);
  });

  it('a stopped parser ignores later input', () => {
    const h = new Recording();
    const p = new FrameParser(h);
    const bad = fromHex('82 7f 8000000000000000');
    p.push(bad, 0, bad.length);
    expect(p.stopped).toBe(true);
    const more = fromHex('81 00');
    expect(p.push(more, 0, 2)).toBe(0);
    expect(h.log).toEqual(['error 1002 frame_length_msb']);
  });

  it('a positive verdict from onFrameStart stops the parser for good', () => {
    const h = new Recording();
    h.startVerdict = 1002;
    const p = new FrameParser(h);
    const bytes = fromHex('81 01 41 81 01 42');
    expect(p.push(bytes, 0, bytes.length)).toBe(2);
    expect(p.stopped).toBe(true);
    expect(h.log).toEqual(['start fin=true rsv=0 op=1 masked=false len=1']);
  });

  it('FRAME_PAUSE from onFrameEnd stops between frames; the remainder resumes in order', () => {
    const h = new Recording();
    h.endVerdict = FRAME_PAUSE;
    const p = new FrameParser(h);
    const bytes = fromHex('81 01 41 81 00 81 01 42');
    let pos = p.push(bytes, 0, bytes.length);
    expect(pos).toBe(3);
    pos = p.push(bytes, pos, bytes.length);
    expect(pos).toBe(5);
    h.endVerdict = 0;
    expect(p.push(bytes, pos, bytes.length)).toBe(bytes.length);
    expect(h.log.filter((l) => l.startsWith('end'))).toEqual(['end 41', 'end ', 'end 42']);
    expect(p.stopped).toBe(false);
  });

  it('R9 10,000 frames in one chunk parse iteratively (no recursion)', () => {
    const one = encodeFrame(1, new Uint8Array(32).fill(0x61), { mask: testMask });
    const many = new Uint8Array(one.length * 10_000);
    for (let i = 0; i < 10_000; i++) many.set(one, i * one.length);
    let frames = 0;
    const p = new FrameParser({
      onFrameStart: () => 0,
      onFramePayload: (v) => (v[0] === 0x61 && v.length === 32 ? 0 : 1),
      onFrameEnd: () => {
        frames++;
        return 0;
      },
      onFrameError: () => undefined,
    });
    expect(p.push(many, 0, many.length)).toBe(many.length);
    expect(frames).toBe(10_000);
  });

  it('reset() forgets a partial frame', () => {
    const h = new Recording();
    const p = new FrameParser(h);
    const partial = fromHex('81 05 4865');
    p.push(partial, 0, partial.length);
    p.reset();
    const next = fromHex('82 01 ff');
    p.push(next, 0, next.length);
    expect(h.log.slice(-2)).toEqual(['start fin=true rsv=0 op=2 masked=false len=1', 'end ff']);
  });

  it('§5.3 a masked payload long enough for word and SIMD unmasking, split at every point, unmasks byte for byte', () => {
    const payload = new Uint8Array(1500).map((_, i) => (i * 89 + 3) & 0xff);
    const frame = maskedFrameByHand(2, payload);
    const expected = ['start fin=true rsv=0 op=2 masked=true len=1500', `end ${hex(payload)}`];
    expect(everySplit(frame)).toEqual(expected);
  });

  it('R8 property: large masked frames (SIMD path) unmask to their payload for any chunking', () => {
    const frameArb = fc.record({
      payload: fc.integer({ min: 0, max: 150_000 }).chain((n) => fc.constant(new Uint8Array(n).map((_, i) => (i * 7 + n) & 0xff))),
      key: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 8 }), (frames, rawCuts) => {
        const bytes = concat(...frames.map((f) => maskedFrameByHand(2, f.payload, f.key)));
        const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const expected = frames.flatMap((f) => [`start fin=true rsv=0 op=2 masked=true len=${f.payload.length}`, `end ${hex(f.payload)}`]);
        expect(parse(bytes, cuts)).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('R8 property: any frame sequence yields the same frames for any chunking', () => {
    const frameArb = fc.record({
      opcode: fc.integer({ min: 0, max: 15 }),
      fin: fc.boolean(),
      rsv: fc.integer({ min: 0, max: 7 }),
      masked: fc.boolean(),
      payload: fc.uint8Array({ maxLength: 300 }),
    });
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 8 }), (frames, rawCuts) => {
        const bytes = concat(
          ...frames.map((f) =>
            encodeFrame(f.opcode, f.opcode >= 8 ? f.payload.subarray(0, 125) : f.payload, {
              fin: f.opcode >= 8 || f.fin,
              rsvBits: f.rsv, ...(f.masked ? { mask: testMask } : {}) }),
          ),
        );
        const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        expect(parse(bytes, cuts)).toEqual(parse(bytes));
      }),
      { numRuns: 300 },
    );
  });
});
