import {
  BENCH_MASK_KEY,
  FrameCounter,
  FrameUnmasker,
  OPCODE_BINARY,
  OPCODE_PING,
  OPCODE_PONG,
  OPCODE_TEXT,
  buildCloseFrame,
  buildFrame,
  repeatFrame,
} from '../../bench/lib/frames';

const payload = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff));

describe('buildFrame', () => {
  it('builds the RFC 6455 §5.7 masked "Hello" example', () => {
    const f = buildFrame(OPCODE_TEXT, Buffer.from('Hello'), [0x37, 0xfa, 0x21, 0x3d]);
    expect(f.toString('hex')).toBe('818537fa213d7f9f4d5158');
  });

  it('builds unmasked frames with 7-bit, 16-bit and 64-bit lengths', () => {
    expect(buildFrame(OPCODE_BINARY, payload(125)).subarray(0, 2).toString('hex')).toBe('827d');
    expect(buildFrame(OPCODE_BINARY, payload(126)).subarray(0, 4).toString('hex')).toBe('827e007e');
    expect(buildFrame(OPCODE_BINARY, payload(65536)).subarray(0, 10).toString('hex')).toBe('827f0000000000010000');
    expect(buildFrame(OPCODE_BINARY, payload(65536)).length).toBe(65546);
  });

  it('masks with the key and repeats frames back to back', () => {
    const f = buildFrame(OPCODE_BINARY, payload(300), BENCH_MASK_KEY);
    expect(f[1]).toBe(0x80 | 126);
    expect(f.length).toBe(2 + 2 + 4 + 300);
    const b = repeatFrame(f, 3);
    expect(b.length).toBe(3 * f.length);
    expect(b.subarray(2 * f.length).equals(f)).toBe(true);
    expect(buildCloseFrame().toString('hex')).toBe('880203e8');
  });
});

/** A stream of mixed frames: sizes around every length boundary, masked and not. */
function mixedStream(masked: boolean): { bytes: Buffer; frames: number; payloadBytes: number } {
  const sizes = [0, 1, 5, 125, 126, 127, 300, 65535, 65536, 70000, 32];
  const key = masked ? BENCH_MASK_KEY : undefined;
  const parts = sizes.map((n) => buildFrame(OPCODE_BINARY, payload(n), key));
  return { bytes: Buffer.concat(parts), frames: sizes.length, payloadBytes: sizes.reduce((a, b) => a + b, 0) };
}

describe('FrameCounter', () => {
  it.each([false, true])('counts a whole stream in one chunk (masked=%s)', (masked) => {
    const s = mixedStream(masked);
    const c = new FrameCounter();
    expect(c.push(s.bytes)).toBe(s.frames);
    expect(c.frames).toBe(s.frames);
    expect(c.payloadBytes).toBe(s.payloadBytes);
  });

  it.each([false, true])('gives the same count at every split point of small frames (masked=%s)', (masked) => {
    const key = masked ? BENCH_MASK_KEY : undefined;
    const bytes = Buffer.concat([0, 3, 125, 126, 200].map((n) => buildFrame(OPCODE_BINARY, payload(n), key)));
    for (let split = 0; split <= bytes.length; split++) {
      const c = new FrameCounter();
      const n = c.push(bytes.subarray(0, split)) + c.push(bytes.subarray(split));
      expect([split, n, c.payloadBytes]).toEqual([split, 5, 454]);
    }
  });

  it('counts a large stream fed byte by byte and in odd-sized chunks', () => {
    const s = mixedStream(true);
    const byByte = new FrameCounter();
    for (let i = 0; i < s.bytes.length; i++) byByte.push(s.bytes.subarray(i, i + 1));
    expect(byByte.frames).toBe(s.frames);
    const odd = new FrameCounter();
    for (let i = 0; i < s.bytes.length; i += 13) odd.push(s.bytes.subarray(i, i + 13));
    expect(odd.frames).toBe(s.frames);
    expect(odd.payloadBytes).toBe(s.payloadBytes);
  });
});

describe('FrameUnmasker', () => {
  const run = (input: Buffer, chunk: number): Buffer => {
    const u = new FrameUnmasker();
    const out: Buffer[] = [];
    for (let i = 0; i < input.length; i += chunk) out.push(...u.push(Buffer.from(input.subarray(i, i + chunk))));
    return Buffer.concat(out);
  };

  it('turns masked frames into the same frames unmasked, whatever the chunking', () => {
    const sizes = [0, 5, 125, 126, 300, 65536, 3];
    const masked = Buffer.concat(sizes.map((n) => buildFrame(OPCODE_BINARY, payload(n), BENCH_MASK_KEY)));
    const expected = Buffer.concat(sizes.map((n) => buildFrame(OPCODE_BINARY, payload(n))));
    for (const chunk of [masked.length, 1, 2, 3, 7, 14, 1000, 4096]) {
      expect(run(masked, chunk).equals(expected)).toBe(true);
    }
  });

  it('answers a ping with a pong carrying the same data', () => {
    const ping = buildFrame(OPCODE_PING, Buffer.from('hi'), BENCH_MASK_KEY);
    expect(run(ping, 1).equals(buildFrame(OPCODE_PONG, Buffer.from('hi')))).toBe(true);
  });
});
